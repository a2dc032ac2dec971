package dev.ioloop.sample.resp;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;

/**
 * A connection's pending output: RESP replies appended at the tail, written to the socket from the
 * head, with no flip() to keep track of.
 *
 * <p>Storage is taken on the first append (from the {@link Pool} the buffer was made with, else allocated), grows
 * by doubling, and is compacted when a partial write left room at the front. Once everything is written it goes
 * back to the pool (or, without one, is kept), unless it had grown past {@value #RETAINED_CAPACITY} bytes, when it
 * is dropped: with a pool, a connection that has nothing left to write holds no storage at all, and a steady stream
 * of requests and replies allocates nothing.
 *
 * <p>String arguments of the simple-string and error appenders are written as ISO-8859-1 (one byte per
 * char), so texts that quote request bytes reproduce them exactly; CR and LF in them become spaces, as
 * Redis does, so a reply can never break the framing.
 *
 * <p>Threading: confined to the event-loop thread.
 */
public final class ReplyBuffer {

    static final int INITIAL_CAPACITY = 1024;
    static final int RETAINED_CAPACITY = 16 * 1024;
    private static final int MAX_CAPACITY = Integer.MAX_VALUE - 8;
    private static final byte[] EMPTY = new byte[0];
    private static final byte[] NULL_BULK = "$-1\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] NULL_ARRAY = "*-1\r\n".getBytes(StandardCharsets.US_ASCII);

    private final Pool pool;
    private byte[] buf = EMPTY;
    private int head;
    private int tail;
    private ByteBuffer view;

    /** A buffer that keeps its storage (up to {@value #RETAINED_CAPACITY} bytes) between replies. */
    public ReplyBuffer() {
        this(null);
    }

    /**
     * A buffer that takes its storage from {@code pool} when it has something to send and gives it back once all of
     * it is written.
     *
     * @param pool shared by the buffers of one loop thread, or {@code null} to keep the storage
     */
    public ReplyBuffer(Pool pool) {
        this.pool = pool;
    }

    /** Bytes appended and not yet written. */
    public int pending() {
        return tail - head;
    }

    /** Size of the storage currently held, for monitoring. */
    public int capacity() {
        return buf.length;
    }

    /**
     * Writes as many pending bytes as {@code ch} accepts now (a non-blocking channel may take only some,
     * or none) and returns how many it took.
     */
    public int writeTo(WritableByteChannel ch) throws IOException {
        if (head == tail) {
            return 0;
        }
        ByteBuffer v = view;
        if (v == null || v.array() != buf) {
            v = view = ByteBuffer.wrap(buf);
        }
        v.limit(tail).position(head);
        return consumed(ch.write(v));
    }

    /**
     * As {@link #writeTo(WritableByteChannel)}, but copies the pending bytes into {@code direct} (cleared first;
     * the caller's scratch buffer, reused for every connection) when they fit, so the channel writes from native
     * memory without its own temporary copy; pending bytes larger than {@code direct} are written as they are.
     */
    public int writeTo(WritableByteChannel ch, ByteBuffer direct) throws IOException {
        int n = tail - head;
        if (n == 0) {
            return 0;
        }
        if (n > direct.capacity()) {
            return writeTo(ch);
        }
        direct.clear();
        direct.put(buf, head, n).flip();
        return consumed(ch.write(direct));
    }

    /** Drops {@code written} bytes from the head; storage goes back (or away) once nothing is pending. */
    private int consumed(int written) {
        head += written;
        if (head == tail) {
            reset();
        }
        return written;
    }

    /** Discards everything pending. */
    public void clear() {
        reset();
    }

    /** A copy of the pending bytes, without consuming them. */
    public byte[] toByteArray() {
        return java.util.Arrays.copyOfRange(buf, head, tail);
    }

    /** {@code +text\r\n}. */
    public void appendSimpleString(String text) {
        ensure(text.length() + 3);
        buf[tail++] = '+';
        putLatin1(text);
        crlf();
    }

    /**
     * {@code -CODE message\r\n}: {@code codeAndMessage} starts with the error code, as in
     * {@code "ERR syntax error"} or {@code "NOPROTO ..."}.
     */
    public void appendError(String codeAndMessage) {
        ensure(codeAndMessage.length() + 3);
        buf[tail++] = '-';
        putLatin1(codeAndMessage);
        crlf();
    }

    /** {@code :n\r\n}. */
    public void appendInteger(long n) {
        ensure(23);
        buf[tail++] = ':';
        tail = Numbers.write(buf, tail, n);
        crlf();
    }

    /** {@code $len\r\n<bytes>\r\n}. */
    public void appendBulk(byte[] b) {
        appendBulk(b, 0, b.length);
    }

    /** {@code $len\r\n<b[off, off+len)>\r\n}. */
    public void appendBulk(byte[] b, int off, int len) {
        ensure(len + 25);
        buf[tail++] = '$';
        tail = Numbers.write(buf, tail, len);
        crlf();
        System.arraycopy(b, off, buf, tail, len);
        tail += len;
        crlf();
    }

    /** A bulk string of the UTF-8 bytes of {@code s}. */
    public void appendBulk(String s) {
        appendBulk(s.getBytes(StandardCharsets.UTF_8));
    }

    /** The null bulk string, {@code $-1\r\n}. */
    public void appendNullBulk() {
        appendRaw(NULL_BULK);
    }

    /** {@code *n\r\n}; the caller then appends the n elements. */
    public void appendArrayHeader(int n) {
        ensure(14);
        buf[tail++] = '*';
        tail = Numbers.write(buf, tail, n);
        crlf();
    }

    /** The null array, {@code *-1\r\n}. */
    public void appendNullArray() {
        appendRaw(NULL_ARRAY);
    }

    /** Bytes that already are a complete RESP encoding. */
    public void appendRaw(byte[] encoded) {
        ensure(encoded.length);
        System.arraycopy(encoded, 0, buf, tail, encoded.length);
        tail += encoded.length;
    }

    private void putLatin1(String s) {
        for (int i = 0, n = s.length(); i < n; i++) {
            char c = s.charAt(i);
            buf[tail++] = c == '\r' || c == '\n' ? (byte) ' ' : (byte) c;
        }
    }

    private void crlf() {
        buf[tail++] = '\r';
        buf[tail++] = '\n';
    }

    private void reset() {
        head = 0;
        tail = 0;
        if (buf.length > RETAINED_CAPACITY) {
            buf = EMPTY;
            view = null;
        } else if (pool != null && buf != EMPTY) {
            pool.give(buf);
            buf = EMPTY;
            view = null;
        }
    }

    /** Makes room for {@code n} more bytes at the tail. */
    private void ensure(int n) {
        if (buf.length - tail >= n) {
            return;
        }
        int pending = tail - head;
        long needed = (long) pending + n;
        if (needed > MAX_CAPACITY) {
            throw new IllegalStateException("reply buffer would exceed " + MAX_CAPACITY + " bytes");
        }
        if (buf == EMPTY && pool != null && needed <= RETAINED_CAPACITY) {
            buf = pool.take((int) needed); // nothing pending: the buffer starts empty
            head = 0;
            tail = 0;
            return;
        }
        if (needed <= buf.length) {
            // A partial write left room at the front: reuse it instead of growing.
            System.arraycopy(buf, head, buf, 0, pending);
        } else {
            long grown = Math.max(Math.max(INITIAL_CAPACITY, (long) buf.length * 2), needed);
            byte[] bigger = new byte[(int) Math.min(grown, MAX_CAPACITY)];
            System.arraycopy(buf, head, bigger, 0, pending);
            if (pool != null && buf != EMPTY && buf.length <= RETAINED_CAPACITY) {
                pool.give(buf);
            }
            buf = bigger;
        }
        head = 0;
        tail = pending;
    }
    /**
     * Reply storage shared by the buffers of one loop thread: arrays of {@value #INITIAL_CAPACITY} to
     * {@value #RETAINED_CAPACITY} bytes that connections take when they have replies to send and give back once
     * those are written. Holds at most {@code maxArrays}; arrays given back beyond that are left to the garbage
     * collector. Confined to one thread, like the buffers.
     */
    public static final class Pool {
        private final byte[][] free;
        private int size;
        private long allocated;

        /**
         * Creates an empty pool.
         *
         * @param maxArrays how many idle arrays it keeps, &gt;= 0
         */
        public Pool(int maxArrays) {
            if (maxArrays < 0) {
                throw new IllegalArgumentException("maxArrays must be >= 0: " + maxArrays);
            }
            free = new byte[maxArrays][];
        }

        /** An array of at least {@code minCapacity} bytes: the last one given back if it is large enough. */
        byte[] take(int minCapacity) {
            if (size > 0) {
                byte[] b = free[--size];
                free[size] = null;
                if (b.length >= minCapacity) {
                    return b;
                }
                // Too small for this reply: dropped; the larger one allocated below comes back in its place.
            }
            allocated++;
            int capacity = Math.max(INITIAL_CAPACITY, Integer.highestOneBit(minCapacity - 1) << 1);
            return new byte[capacity];
        }

        void give(byte[] b) {
            if (size < free.length) {
                free[size++] = b;
            }
        }

        /** Arrays waiting in the pool. */
        public int pooled() {
            return size;
        }

        /** Arrays the pool has allocated so far (a steady state stops this from growing). */
        public long allocated() {
            return allocated;
        }
    }
}
