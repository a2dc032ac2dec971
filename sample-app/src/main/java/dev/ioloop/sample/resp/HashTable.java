package dev.ioloop.sample.resp;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;

/**
 * A chained hash table of byte-string keys whose nodes are the stored objects themselves, as Redis's {@code dict}:
 * the keyspace's entries, a set's members and a hash's fields each carry their key, its hash and the next node of
 * their bucket, so a key costs one object and not a map node plus a key object.
 *
 * <p>Tables are powers of two, doubled when they hold as many nodes as buckets and halved when a tenth full, so
 * {@link #scan} can walk them with Redis's reverse-binary cursor: a scan that starts at cursor 0 and runs until it
 * returns 0 visits every node present for the whole scan at least once, however the table grows or shrinks between
 * calls. The hash is seeded per process, so keys that collide cannot be computed in advance; the mixing is fast, not
 * cryptographic (Redis uses SipHash), and chains are not turned into trees as {@code HashMap} does.
 *
 * <p>Threading: confined to one thread, like everything it stores.
 *
 * @param <N> the node type
 */
final class HashTable<N extends HashTable.Node<N>> {

    private static final int MIN_BUCKETS = 4;
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final long SEED = ThreadLocalRandom.current().nextLong() | 1;

    private Node<N>[] buckets = newBuckets(MIN_BUCKETS);
    private int size;

    /** A node: a key of exactly its bytes, its hash, and the next node of its bucket. */
    abstract static class Node<N extends Node<N>> {
        final byte[] key;
        final int hash;
        N next;

        Node(byte[] key) {
            this.key = key;
            this.hash = hash(key, 0, key.length);
        }

        boolean keyEquals(byte[] b, int off, int len) {
            return key.length == len && Arrays.equals(key, 0, len, b, off, off + len);
        }
    }

    /** The hash of {@code b[off, off+len)}: eight bytes at a time, mixed with a seed chosen at startup. */
    static int hash(byte[] b, int off, int len) {
        long h = SEED ^ (len * 0x9E3779B97F4A7C15L);
        int i = off;
        int end = off + len;
        for (; i + 8 <= end; i += 8) {
            h = mix(h ^ (long) LONGS.get(b, i));
        }
        long tail = 0;
        for (; i < end; i++) {
            tail = (tail << 8) | (b[i] & 0xff);
        }
        h = mix(h ^ tail);
        return (int) (h ^ (h >>> 32));
    }

    private static long mix(long x) {
        x *= 0xBF58476D1CE4E5B9L;
        x ^= x >>> 31;
        x *= 0x94D049BB133111EBL;
        return x ^ (x >>> 29);
    }

    @SuppressWarnings("unchecked")
    private static <N extends Node<N>> Node<N>[] newBuckets(int n) {
        return (Node<N>[]) new Node<?>[n];
    }

    int size() {
        return size;
    }

    /** Number of buckets, for tests of the scan guarantee. */
    int buckets() {
        return buckets.length;
    }

    /** The node whose key is {@code b[off, off+len)}, or null. */
    @SuppressWarnings("unchecked")
    N get(byte[] b, int off, int len) {
        int h = hash(b, off, len);
        for (Node<N> n = buckets[h & (buckets.length - 1)]; n != null; n = n.next) {
            if (n.hash == h && n.keyEquals(b, off, len)) {
                return (N) n;
            }
        }
        return null;
    }

    /** Adds a node whose key the caller knows to be absent. */
    @SuppressWarnings("unchecked")
    void add(N node) {
        if (size >= buckets.length) {
            resize(buckets.length * 2);
        }
        int i = node.hash & (buckets.length - 1);
        node.next = (N) buckets[i];
        buckets[i] = node;
        size++;
    }

    /** Removes the node if it is in this table; returns whether it was. */
    boolean remove(N node) {
        int i = node.hash & (buckets.length - 1);
        Node<N> prev = null;
        for (Node<N> n = buckets[i]; n != null; prev = n, n = n.next) {
            if (n == node) {
                if (prev == null) {
                    buckets[i] = n.next;
                } else {
                    prev.next = n.next;
                }
                n.next = null;
                size--;
                if (buckets.length > MIN_BUCKETS && size * 10 < buckets.length) {
                    resize(buckets.length / 2);
                }
                return true;
            }
        }
        return false;
    }

    /** Removes every node. */
    void clear() {
        buckets = newBuckets(MIN_BUCKETS);
        size = 0;
    }

    /** Calls {@code action} for every node; the action must not add or remove nodes. */
    @SuppressWarnings("unchecked")
    void forEach(Consumer<? super N> action) {
        for (Node<N> head : buckets) {
            for (Node<N> n = head; n != null; n = n.next) {
                action.accept((N) n);
            }
        }
    }

    /**
     * Visits the nodes of the bucket {@code cursor} names and returns the next cursor, 0 once the walk is over
     * (Redis's {@code dictScan} on one table). The cursor counts in reverse binary, from the high bits of the bucket
     * index down, so a bucket's nodes land, after a resize, in buckets whose cursors are all still ahead (growing)
     * or in one bucket already behind (shrinking, which may repeat nodes but never skips one). The visitor may not
     * change the table.
     */
    @SuppressWarnings("unchecked")
    long scan(long cursor, Consumer<? super N> visitor) {
        if (size == 0) {
            return 0;
        }
        long mask = buckets.length - 1;
        for (Node<N> n = buckets[(int) (cursor & mask)]; n != null; n = n.next) {
            visitor.accept((N) n);
        }
        cursor |= ~mask;
        cursor = Long.reverse(cursor);
        cursor++;
        return Long.reverse(cursor);
    }

    /**
     * A node picked at random: a random non-empty bucket, then a random node of its chain (Redis's
     * {@code dictGetRandomKey}; nodes in long chains are a little less likely). Null if the table is empty.
     */
    @SuppressWarnings("unchecked")
    N random() {
        if (size == 0) {
            return null;
        }
        ThreadLocalRandom r = ThreadLocalRandom.current();
        Node<N> head;
        do {
            head = buckets[r.nextInt(buckets.length)];
        } while (head == null);
        int length = 0;
        for (Node<N> n = head; n != null; n = n.next) {
            length++;
        }
        Node<N> n = head;
        for (int k = r.nextInt(length); k > 0; k--) {
            n = n.next;
        }
        return (N) n;
    }

    @SuppressWarnings("unchecked")
    private void resize(int n) {
        Node<N>[] old = buckets;
        Node<N>[] grown = newBuckets(n);
        for (Node<N> head : old) {
            Node<N> next;
            for (Node<N> node = head; node != null; node = next) {
                next = node.next;
                int i = node.hash & (n - 1);
                node.next = (N) grown[i];
                grown[i] = node;
            }
        }
        buckets = grown;
    }
}
