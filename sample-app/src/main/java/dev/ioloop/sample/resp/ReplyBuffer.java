package dev.ioloop.sample.resp;

import dev.ioloop.stream.StreamOutput;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * RESP replies being encoded: the engine appends them here, and the caller moves them to where they go (a stream's
 * output, with {@link #moveTo}) or reads them ({@link #toByteArray}). The server keeps one for all its connections,
 * since the engine runs on one thread and each batch of replies is moved out before the next is encoded.
 *
 * <p>Storage grows by doubling and is kept for the next batch, unless it grew past {@value #RETAINED_CAPACITY}
 * bytes, when it is dropped after the move: a steady stream of requests and replies allocates nothing.
 *
 * <p>String arguments of the simple-string and error appenders are written as ISO-8859-1 (one byte per char), so
 * texts that quote request bytes reproduce them exactly; CR and LF in them become spaces, as Redis does, so a reply
 * can never break the framing.
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
    private int tail;

    /** Bytes appended and not yet moved out. */
    public int pending() {
        return tail;
    }

    /** Size of the storage currently held, for monitoring. */
    public int capacity() {
        return buf.length;
    }

    /** Appends the pending replies to {@code out} (a stream's output) and empties this buffer. */
    public void moveTo(StreamOutput out) {
        if (tail > 0) {
            out.put(buf, 0, tail);
            reset();
        }
    }

    /** Discards everything pending. */
    public void clear() {
        reset();
    }

    /** A copy of the pending bytes, without consuming them. */
    public byte[] toByteArray() {
        return Arrays.copyOfRange(buf, 0, tail);
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
        tail = 0;
        if (buf.length > RETAINED_CAPACITY) {
            buf = EMPTY;
        }
    }

    /** Makes room for {@code n} more bytes at the tail. */
    private void ensure(int n) {
        if (buf.length - tail >= n) {
            return;
        }
        long needed = (long) tail + n;
        if (needed > MAX_CAPACITY) {
            throw new IllegalStateException("reply buffer would exceed " + MAX_CAPACITY + " bytes");
        }
        long grown = Math.max(Math.max(INITIAL_CAPACITY, (long) buf.length * 2), needed);
        buf = Arrays.copyOf(buf, (int) Math.min(grown, MAX_CAPACITY));
    }
}
