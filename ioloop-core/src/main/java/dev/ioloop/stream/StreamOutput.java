package dev.ioloop.stream;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;
import java.util.ArrayDeque;
import java.util.Objects;

/**
 * The fast path for writing: a stream's queued output, appended to in place, without a future per write (see
 * {@link IOStream#output()}). Bytes appended here and bytes of {@link IOStream#write} share one queue, in the order
 * they were added, and count alike against the write water marks and {@link StreamOptions#maxWriteBufferSize()}.
 * They reach the kernel at the next {@link IOStream#flush()}, which the stream does itself when a
 * {@link DataHandler#onData} call returns.
 *
 * <p>Storage is a queue of 8 KiB chunks taken from a pool the streams of a thread share and given back once written:
 * a stream with nothing queued holds none, and a steady flow of small replies allocates nothing. A single append
 * larger than a chunk gets a chunk of its own size.
 *
 * <p>Threading: the stream's loop thread only, like the stream. Appending to the output of a closed stream is
 * allowed and discarded at the next flush.
 */
public final class StreamOutput {

    private static final byte[] MIN_LONG =
            Long.toString(Long.MIN_VALUE).getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    private final IOStream stream;
    private ArrayDeque<Chunk> chunks;
    private Chunk tail;
    private long appended;
    private long written;

    StreamOutput(IOStream stream) {
        this.stream = stream;
    }

    /** Returns the bytes queued: appended or written and not yet handed to the kernel. */
    public long queued() {
        return appended - written;
    }

    /**
     * Appends one byte.
     *
     * @return this output
     */
    public StreamOutput put(byte b) {
        Chunk t = tail;
        if (t == null || t.tail == t.data.length) {
            t = newChunk(StreamScratch.CHUNK_SIZE);
        }
        t.data[t.tail++] = b;
        appended++;
        return this;
    }

    /**
     * Appends the bytes of an array.
     *
     * @param bytes the bytes, copied
     * @return this output
     * @throws NullPointerException if {@code bytes} is {@code null}
     */
    public StreamOutput put(byte[] bytes) {
        Objects.requireNonNull(bytes, "bytes");
        return put(bytes, 0, bytes.length);
    }

    /**
     * Appends {@code length} bytes of an array from {@code offset}.
     *
     * @return this output
     * @throws NullPointerException if {@code bytes} is {@code null}
     * @throws IndexOutOfBoundsException if the range is outside the array
     */
    public StreamOutput put(byte[] bytes, int offset, int length) {
        Objects.checkFromIndexSize(offset, length, Objects.requireNonNull(bytes, "bytes").length);
        int left = length;
        int from = offset;
        while (left > 0) {
            Chunk t = tail;
            int room = t == null ? 0 : t.data.length - t.tail;
            if (room == 0) {
                t = newChunk(left);
                room = t.data.length;
            }
            int n = Math.min(room, left);
            System.arraycopy(bytes, from, t.data, t.tail, n);
            t.tail += n;
            from += n;
            left -= n;
        }
        appended += length;
        return this;
    }

    /**
     * Appends the remaining bytes of a buffer, advancing its position to its limit.
     *
     * @return this output
     * @throws NullPointerException if {@code src} is {@code null}
     */
    public StreamOutput put(ByteBuffer src) {
        Objects.requireNonNull(src, "src");
        int length = src.remaining();
        int left = length;
        while (left > 0) {
            Chunk t = tail;
            int room = t == null ? 0 : t.data.length - t.tail;
            if (room == 0) {
                t = newChunk(left);
                room = t.data.length;
            }
            int n = Math.min(room, left);
            src.get(t.data, t.tail, n);
            t.tail += n;
            left -= n;
        }
        appended += length;
        return this;
    }

    /**
     * Appends the characters of {@code text} as ISO-8859-1, one byte per character (the low 8 bits of each: callers
     * pass ASCII or Latin-1 text, such as protocol keywords or numbers).
     *
     * @return this output
     * @throws NullPointerException if {@code text} is {@code null}
     */
    public StreamOutput putAscii(CharSequence text) {
        Objects.requireNonNull(text, "text");
        int length = text.length();
        int i = 0;
        while (i < length) {
            Chunk t = tail;
            if (t == null || t.tail == t.data.length) {
                t = newChunk(length - i);
            }
            byte[] d = t.data;
            int end = Math.min(length, i + d.length - t.tail);
            int at = t.tail;
            while (i < end) {
                d[at++] = (byte) text.charAt(i++);
            }
            t.tail = at;
        }
        appended += length;
        return this;
    }

    /**
     * Appends {@code n} in decimal ASCII digits, with a leading {@code -} when negative, without allocating.
     *
     * @return this output
     */
    public StreamOutput putDecimal(long n) {
        if (n == Long.MIN_VALUE) {
            return put(MIN_LONG);
        }
        Chunk t = tail;
        if (t == null || t.data.length - t.tail < 20) {
            t = newChunk(StreamScratch.CHUNK_SIZE);
        }
        byte[] d = t.data;
        int start = t.tail;
        long v = n;
        if (v < 0) {
            d[start++] = '-';
            v = -v;
        }
        int digits = 1;
        for (long x = v; x >= 10; x /= 10) {
            digits++;
        }
        int end = start + digits;
        for (int i = end - 1; i >= start; i--) {
            d[i] = (byte) ('0' + (int) (v % 10));
            v /= 10;
        }
        appended += end - t.tail;
        t.tail = end;
        return this;
    }

    // ---- for IOStream

    /** Total bytes ever appended: the position a write's future waits for. */
    long appendedTotal() {
        return appended;
    }

    /** Total bytes ever handed to the kernel (or discarded). */
    long writtenTotal() {
        return written;
    }

    /**
     * Hands the kernel up to {@code maxBytes} queued bytes through the thread's direct write buffer, in one write
     * call.
     *
     * @return the bytes the channel took
     */
    int writeTo(WritableByteChannel ch, StreamScratch scratch, int maxBytes) throws IOException {
        long q = queued();
        if (q == 0) {
            return 0;
        }
        ByteBuffer direct = scratch.writeBuffer((int) Math.min(q, maxBytes));
        for (Chunk c : chunks) {
            int n = Math.min(c.tail - c.head, direct.remaining());
            direct.put(c.data, c.head, n);
            if (!direct.hasRemaining()) {
                break;
            }
        }
        direct.flip();
        int n = ch.write(direct);
        consume(n, scratch);
        return n;
    }

    /** Drops everything queued (the stream closed), giving the chunks back. */
    void discard(StreamScratch scratch) {
        consume(queued(), scratch);
    }

    private void consume(long count, StreamScratch scratch) {
        long left = count;
        written += count;
        while (left > 0) {
            Chunk c = chunks.peekFirst();
            int n = (int) Math.min(left, c.tail - c.head);
            c.head += n;
            left -= n;
            if (c.head == c.tail) {
                chunks.pollFirst();
                if (c == tail) {
                    tail = null;
                }
                scratch.giveBack(c);
            }
        }
    }

    private Chunk newChunk(int wanted) {
        StreamScratch scratch = stream.scratch();
        Chunk c = wanted > StreamScratch.CHUNK_SIZE ? new Chunk(new byte[wanted]) : scratch.takeChunk();
        if (chunks == null) {
            chunks = new ArrayDeque<>(4);
        }
        chunks.addLast(c);
        tail = c;
        return c;
    }

    /** A piece of the queue: bytes {@code head} to {@code tail} of {@code data} are queued. */
    static final class Chunk {
        final byte[] data;
        int head;
        int tail;

        Chunk(byte[] data) {
            this.data = data;
        }
    }
}
