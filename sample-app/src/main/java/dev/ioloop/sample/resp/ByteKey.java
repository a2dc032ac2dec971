package dev.ioloop.sample.resp;

import java.util.Arrays;

/**
 * A key of the {@link Keyspace} map: a byte range with its hash computed once.
 *
 * <p>Keys stored in the map own an exact copy of their bytes and never change. The keyspace also keeps
 * one mutable <em>probe</em> that it points at a key inside a request buffer to look it up without
 * copying; a probe is never inserted into the map. Comparable so that HashMap turns a bucket of
 * colliding keys into a tree, which keeps crafted collisions from degrading lookups to a list scan.
 */
final class ByteKey implements Comparable<ByteKey> {

    private static final byte[] EMPTY = new byte[0];

    private byte[] bytes;
    private int offset;
    private int length;
    private int hash;

    private ByteKey(byte[] bytes, int offset, int length) {
        this.bytes = bytes;
        this.offset = offset;
        this.length = length;
        this.hash = hash(bytes, offset, length);
    }

    /** An immutable key holding a copy of {@code b[off, off+len)}. */
    static ByteKey copyOf(byte[] b, int off, int len) {
        return new ByteKey(Arrays.copyOfRange(b, off, off + len), 0, len);
    }

    /** A reusable lookup key; see {@link #point} and {@link #release}. */
    static ByteKey probe() {
        return new ByteKey(EMPTY, 0, 0);
    }

    /** Re-aims this probe at {@code b[off, off+len)}, which it does not copy. */
    ByteKey point(byte[] b, int off, int len) {
        bytes = b;
        offset = off;
        length = len;
        hash = hash(b, off, len);
        return this;
    }

    /** Drops the probe's reference to a request buffer so a large released buffer can be collected. */
    void release() {
        bytes = EMPTY;
        offset = 0;
        length = 0;
    }

    byte[] array() {
        return bytes;
    }

    int offset() {
        return offset;
    }

    int length() {
        return length;
    }

    private static int hash(byte[] b, int off, int len) {
        int h = 1;
        for (int i = off, end = off + len; i < end; i++) {
            h = 31 * h + b[i];
        }
        return h;
    }

    @Override
    public int hashCode() {
        return hash;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof ByteKey)) {
            return false;
        }
        ByteKey k = (ByteKey) o;
        return hash == k.hash && Arrays.equals(bytes, offset, offset + length, k.bytes, k.offset, k.offset + k.length);
    }

    @Override
    public int compareTo(ByteKey k) {
        return Arrays.compareUnsigned(bytes, offset, offset + length, k.bytes, k.offset, k.offset + k.length);
    }

    @Override
    public String toString() {
        return Ascii.latin1(bytes, offset, length);
    }
}
