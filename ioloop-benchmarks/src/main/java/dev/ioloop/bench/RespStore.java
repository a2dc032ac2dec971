package dev.ioloop.bench;

import io.netty.buffer.ByteBuf;
import java.util.Arrays;
import java.util.HashMap;

/**
 * The reference server's keyspace: byte-string keys and values in one {@link HashMap}. Not thread-safe: every
 * connection of the server runs on its one event-loop thread.
 *
 * <p>A lookup copies the key into a reused probe, so {@code GET} allocates nothing; {@code SET} allocates only
 * for a new key or a value that does not fit the old one's array.
 */
final class RespStore {

    private final HashMap<Key, Value> map = new HashMap<>();
    private final Key probe = new Key(new byte[64], 0, 0);

    /** Returns the value of the key at {@code buf[index, index + length)}, or {@code null}. */
    Value get(ByteBuf buf, int index, int length) {
        probe.load(buf, index, length);
        return map.get(probe);
    }

    /** Returns the value of the key at {@code buf[index, index + length)}, created empty if missing. */
    Value getOrCreate(ByteBuf buf, int index, int length) {
        Value value = get(buf, index, length);
        if (value == null) {
            value = new Value();
            map.put(probe.copy(), value);
        }
        return value;
    }

    int size() {
        return map.size();
    }

    /** A key; the probe's array is reused and may be longer than {@code length}. */
    static final class Key {
        private byte[] bytes;
        private int length;
        private int hash;

        private Key(byte[] bytes, int length, int hash) {
            this.bytes = bytes;
            this.length = length;
            this.hash = hash;
        }

        void load(ByteBuf buf, int index, int length) {
            if (bytes.length < length) {
                bytes = new byte[Math.max(length, bytes.length * 2)];
            }
            buf.getBytes(index, bytes, 0, length);
            int h = 1;
            for (int i = 0; i < length; i++) {
                h = 31 * h + bytes[i];
            }
            this.length = length;
            this.hash = h;
        }

        Key copy() {
            return new Key(Arrays.copyOf(bytes, length), length, hash);
        }

        @Override
        public int hashCode() {
            return hash;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Key k
                    && k.hash == hash
                    && k.length == length
                    && Arrays.equals(bytes, 0, length, k.bytes, 0, length);
        }
    }

    /** A value; its array is reused by a later {@code SET} of a similar size. */
    static final class Value {
        private static final byte[] EMPTY = new byte[0];

        byte[] data = EMPTY;
        int length;

        void set(ByteBuf buf, int index, int length) {
            ensureCapacity(length);
            buf.getBytes(index, data, 0, length);
            this.length = length;
        }

        /**
         * Parses the value as a signed 64-bit decimal, as Redis's {@code INCR} does.
         *
         * @throws NumberFormatException if it is not one (empty, a sign alone, another character, overflow)
         */
        long parseLong() {
            if (length == 0 || length > 20) {
                throw new NumberFormatException();
            }
            boolean negative = data[0] == '-';
            int i = negative ? 1 : 0;
            if (i == length) {
                throw new NumberFormatException();
            }
            long v = 0;
            for (; i < length; i++) {
                int d = data[i] - '0';
                if (d < 0 || d > 9) {
                    throw new NumberFormatException();
                }
                // Accumulate negatively: the negative range is one larger.
                if (v < (Long.MIN_VALUE + d) / 10) {
                    throw new NumberFormatException();
                }
                v = v * 10 - d;
            }
            if (!negative) {
                if (v == Long.MIN_VALUE) {
                    throw new NumberFormatException();
                }
                v = -v;
            }
            return v;
        }

        void setLong(long v) {
            ensureCapacity(20);
            length = RespWriter.formatLong(v, data);
        }

        private void ensureCapacity(int length) {
            // Reuse the array unless it is too small or much too big (a big value overwritten by a small one).
            if (data.length < length || data.length > 2 * length + 64) {
                data = new byte[length];
            }
        }
    }
}
