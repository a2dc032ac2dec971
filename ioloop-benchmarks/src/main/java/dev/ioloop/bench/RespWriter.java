package dev.ioloop.bench;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;

/** RESP2 reply encoding straight into a {@link ByteBuf}, without intermediate objects. */
final class RespWriter {

    static final byte[] OK = ascii("+OK\r\n");
    static final byte[] PONG = ascii("+PONG\r\n");
    static final byte[] NULL_BULK = ascii("$-1\r\n");
    static final byte[] EMPTY_ARRAY = ascii("*0\r\n");
    private static final short CRLF = ('\r' << 8) | '\n';

    private RespWriter() {}

    static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    /** Writes a bulk string of {@code data[0, length)}. */
    static void bulk(ByteBuf out, byte[] data, int length) {
        out.writeByte('$');
        writeLong(out, length);
        out.writeShort(CRLF);
        out.writeBytes(data, 0, length);
        out.writeShort(CRLF);
    }

    /** Writes a bulk string of {@code src[index, index + length)}. */
    static void bulk(ByteBuf out, ByteBuf src, int index, int length) {
        out.writeByte('$');
        writeLong(out, length);
        out.writeShort(CRLF);
        out.writeBytes(src, index, length);
        out.writeShort(CRLF);
    }

    /** Writes an integer reply. */
    static void integer(ByteBuf out, long value) {
        out.writeByte(':');
        writeLong(out, value);
        out.writeShort(CRLF);
    }

    /** Writes an array header of {@code n} elements. */
    static void arrayHeader(ByteBuf out, int n) {
        out.writeByte('*');
        writeLong(out, n);
        out.writeShort(CRLF);
    }

    /** Writes an error reply; {@code message} starts with its code ({@code ERR}, {@code NOPROTO}, ...). */
    static void error(ByteBuf out, String message) {
        out.writeByte('-');
        for (int i = 0; i < message.length(); i++) {
            char c = message.charAt(i);
            // A CR or LF inside the message would end the reply early.
            out.writeByte(c < 0x20 || c > 0x7e ? ' ' : c);
        }
        out.writeShort(CRLF);
    }

    private static void writeLong(ByteBuf out, long v) {
        if (v >= 0 && v < 10) {
            out.writeByte((int) ('0' + v));
            return;
        }
        // Digits are set from the right, straight into the buffer.
        long n = v < 0 ? v : -v;
        int length = digitCount(n) + (v < 0 ? 1 : 0);
        out.ensureWritable(length);
        int start = out.writerIndex();
        int i = start + length;
        while (n != 0) {
            out.setByte(--i, (int) ('0' - n % 10));
            n /= 10;
        }
        if (v < 0) {
            out.setByte(start, '-');
        }
        out.writerIndex(start + length);
    }

    /** Returns the number of decimal digits of a negative {@code n}. */
    private static int digitCount(long n) {
        int digits = 0;
        for (long t = n; t != 0; t /= 10) {
            digits++;
        }
        return digits;
    }

    /** Writes {@code v} in decimal into {@code dst} (at least 20 bytes) and returns the number of bytes. */
    static int formatLong(long v, byte[] dst) {
        if (v == 0) {
            dst[0] = '0';
            return 1;
        }
        // Work with the negative value: Long.MIN_VALUE has no positive counterpart.
        long n = v < 0 ? v : -v;
        int length = digitCount(n) + (v < 0 ? 1 : 0);
        int i = length;
        while (n != 0) {
            dst[--i] = (byte) ('0' - (n % 10));
            n /= 10;
        }
        if (v < 0) {
            dst[0] = '-';
        }
        return length;
    }
}
