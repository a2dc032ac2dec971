package dev.ioloop.sample.resp;

import java.nio.charset.StandardCharsets;

/** Byte-level comparisons used to match command names and options without building Strings. */
final class Ascii {

    private Ascii() {}

    /** Lower-case ASCII bytes of a literal, for {@link #equalsIgnoreCase}. */
    static byte[] lower(String literal) {
        return literal.toLowerCase(java.util.Locale.ROOT).getBytes(StandardCharsets.US_ASCII);
    }

    /**
     * Whether {@code b[off, off+len)} equals {@code lower} ignoring ASCII case, where {@code lower} is
     * already lower case. Only letters fold: '\r' must not match '-' although they differ by 0x20.
     */
    static boolean equalsIgnoreCase(byte[] b, int off, int len, byte[] lower) {
        if (len != lower.length) {
            return false;
        }
        for (int i = 0; i < len; i++) {
            int l = lower[i];
            int c = b[off + i];
            if (c != l && (l < 'a' || l > 'z' || (c | 0x20) != l)) {
                return false;
            }
        }
        return true;
    }

    static boolean equals(byte[] b, int off, int len, byte[] other) {
        return len == other.length && java.util.Arrays.equals(b, off, off + len, other, 0, len);
    }

    /** Bytes as a String of the same code points (ISO-8859-1), for error texts that quote input. */
    static String latin1(byte[] b, int off, int len) {
        return new String(b, off, len, StandardCharsets.ISO_8859_1);
    }
}
