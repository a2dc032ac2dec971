package dev.ioloop.bench;

/**
 * The line protocol of the {@code line-*} targets of {@link StreamServers}: one request is a line of bytes ended by
 * {@code '\n'}, at most {@link #MAX_LINE} bytes with the {@code '\n'}; its reply is the same line with the ASCII
 * letters {@code a-z} upper-cased, {@code '\n'} included, so a reply is exactly as long as its request. A
 * connection that sends a longer line is closed.
 *
 * <p>Every server does the same work per line, whatever the transport: find the {@code '\n'}, copy the line into
 * one scratch array the server's thread owns (or, on the futures path, into the array the read returns), upper-case
 * it there, and append it to the connection's output. Only how the bytes arrive and leave differs.
 */
final class UpperLines {

    /** The longest accepted line, {@code '\n'} included. */
    static final int MAX_LINE = 64 * 1024;

    private UpperLines() {}

    /** Upper-cases the ASCII letters of {@code a[from, to)} in place. */
    static void upperCase(byte[] a, int from, int to) {
        for (int i = from; i < to; i++) {
            a[i] = upper(a[i]);
        }
    }

    /** Returns {@code b} upper-cased if it is an ASCII letter {@code a-z}, else {@code b}. */
    static byte upper(byte b) {
        return b >= 'a' && b <= 'z' ? (byte) (b - ('a' - 'A')) : b;
    }

    /**
     * A byte array reused by every connection of one server thread (an event loop serves its connections one at a
     * time, so they can share it): grows to the largest size asked for, never shrinks. Not thread-safe.
     */
    static final class Scratch {
        private byte[] bytes = new byte[4096];

        /** Returns an array of at least {@code n} bytes; its contents are whatever the last user left. */
        byte[] get(int n) {
            byte[] b = bytes;
            if (b.length < n) {
                b = bytes = new byte[Math.max(n, b.length * 2)];
            }
            return b;
        }
    }
}
