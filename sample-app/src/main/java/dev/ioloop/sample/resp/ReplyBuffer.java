package dev.ioloop.sample.resp;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;

/**
 * A connection's pending output: RESP replies appended at the tail, written to the socket from the
 * head, with no flip() to keep track of.
 *
 * <p>Storage is allocated on the first append, grows by doubling, is compacted when a partial write
 * left room at the front, and is dropped when fully written if it had grown past
 * {@value #RETAINED_CAPACITY} bytes, so an idle connection never keeps a large buffer.
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

    private byte[] buf = EMPTY;
    private int head;
    private int tail;
    private ByteBuffer view;

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
        int written = ch.write(v);
        head += written;
        if (head == tail) {
            reset();
        }
        return written;
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
        int written = ch.write(direct);
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
        if (needed <= buf.length) {
            // A partial write left room at the front: reuse it instead of growing.
            System.arraycopy(buf, head, buf, 0, pending);
        } else {
            long grown = Math.max(Math.max(INITIAL_CAPACITY, (long) buf.length * 2), needed);
            byte[] bigger = new byte[(int) Math.min(grown, MAX_CAPACITY)];
            System.arraycopy(buf, head, bigger, 0, pending);
            buf = bigger;
        }
        head = 0;
        tail = pending;
    }
}
