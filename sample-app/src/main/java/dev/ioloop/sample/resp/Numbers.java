package dev.ioloop.sample.resp;

/**
 * Integer parsing and formatting straight on bytes, with Redis's rules ({@code string2ll}): an
 * optional '-', no '+', no leading zeros, no spaces, at most 20 characters, within {@code long}.
 * Strings Redis refuses as integers must be refused here too, or INCR and friends would disagree.
 */
final class Numbers {

    /** Returned by {@link #parse} for malformed input; see {@link #valid} for the one real value it shadows. */
    static final long INVALID = Long.MIN_VALUE;

    private static final byte[] MIN_VALUE_TEXT = Long.toString(Long.MIN_VALUE).getBytes();

    private Numbers() {}

    /** Parses {@code b[off, off+len)}; returns {@link #INVALID} if it is not a Redis integer. */
    static long parse(byte[] b, int off, int len) {
        if (len == 0 || len > 20) {
            return INVALID;
        }
        if (len == 1 && b[off] == '0') {
            return 0;
        }
        int i = off;
        int end = off + len;
        boolean negative = b[i] == '-';
        if (negative && ++i == end) {
            return INVALID;
        }
        int first = b[i] - '0';
        if (first < 1 || first > 9) {
            return INVALID;
        }
        // Accumulate negatively: the negative range is one larger, so Long.MIN_VALUE parses too.
        long acc = -first;
        long limit = negative ? Long.MIN_VALUE : -Long.MAX_VALUE;
        for (i++; i < end; i++) {
            int d = b[i] - '0';
            if (d < 0 || d > 9 || acc < Long.MIN_VALUE / 10) {
                return INVALID;
            }
            acc *= 10;
            if (acc < limit + d) {
                return INVALID;
            }
            acc -= d;
        }
        return negative ? acc : -acc;
    }

    /** Whether a {@link #parse} result stands for a number: only "-9223372036854775808" maps onto INVALID. */
    static boolean valid(long parsed, byte[] b, int off, int len) {
        return parsed != INVALID || Ascii.equals(b, off, len, MIN_VALUE_TEXT);
    }

    /** Number of bytes {@link #write} produces for {@code v}. */
    static int length(long v) {
        if (v == Long.MIN_VALUE) {
            return 20;
        }
        int n = 1;
        if (v < 0) {
            n++;
            v = -v;
        }
        while (v >= 10) {
            v /= 10;
            n++;
        }
        return n;
    }

    /** Writes {@code v} in decimal at {@code b[pos]}; returns the position after the last digit. */
    static int write(byte[] b, int pos, long v) {
        int end = pos + length(v);
        int i = end;
        // Work on the negative value so Long.MIN_VALUE needs no special case.
        long n = v < 0 ? v : -v;
        do {
            b[--i] = (byte) ('0' - (n % 10));
            n /= 10;
        } while (n != 0);
        if (v < 0) {
            b[--i] = '-';
        }
        return end;
    }

    /** {@code v} in decimal, as a new array. */
    static byte[] toBytes(long v) {
        byte[] b = new byte[length(v)];
        write(b, 0, v);
        return b;
    }
}
