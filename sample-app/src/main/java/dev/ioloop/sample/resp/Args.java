package dev.ioloop.sample.resp;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The arguments of the command being executed, as ranges of one byte array: the read buffer itself
 * for a multibulk request (no copy), the session's stash for a request that arrived in parts, or the
 * parser's unescape arena for an inline request. Valid only until the command returns.
 */
final class Args {

    private static final int INITIAL = 16;
    /** Offset tables above this size (a huge MSET) are dropped after use rather than kept. */
    private static final int RETAINED = 1024;

    byte[] buf;
    int[] off = new int[INITIAL];
    int[] len = new int[INITIAL];
    int count;
    /** Result of the last successful {@link #parseLong}. */
    long number;

    void add(int offset, int length) {
        if (count == off.length) {
            // Grown as elements actually arrive, never from the announced count.
            off = Arrays.copyOf(off, count * 2);
            len = Arrays.copyOf(len, count * 2);
        }
        off[count] = offset;
        len[count] = length;
        count++;
    }

    void trim() {
        if (off.length > RETAINED) {
            off = new int[INITIAL];
            len = new int[INITIAL];
        }
    }

    /** Whether argument {@code i} equals the lower-case literal, ignoring case. */
    boolean is(int i, byte[] lower) {
        return Ascii.equalsIgnoreCase(buf, off[i], len[i], lower);
    }

    /** Parses argument {@code i} as a Redis integer into {@link #number}; false if it is not one. */
    boolean parseLong(int i) {
        long v = Numbers.parse(buf, off[i], len[i]);
        if (!Numbers.valid(v, buf, off[i], len[i])) {
            return false;
        }
        number = v;
        return true;
    }

    byte[] copy(int i) {
        return Arrays.copyOfRange(buf, off[i], off[i] + len[i]);
    }

    /** Argument {@code i} byte for byte as a String, for error texts that quote it. */
    String latin1(int i) {
        return Ascii.latin1(buf, off[i], len[i]);
    }

    /** Argument {@code i} cut to {@code max} bytes, as Redis's {@code %.128s}. */
    String latin1(int i, int max) {
        return Ascii.latin1(buf, off[i], Math.min(len[i], max));
    }

    String utf8(int i) {
        return new String(buf, off[i], len[i], StandardCharsets.UTF_8);
    }
}
