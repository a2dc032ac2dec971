package dev.ioloop.sample.resp;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;

/**
 * One numbered database: keys to values (strings, lists, sets or hashes), with optional expiry.
 *
 * <p>Expiry is both active and lazy. Every key with a TTL owns exactly one task in the {@link ExpiryScheduler},
 * cancelled whenever the TTL goes away or changes, so an idle server with a million volatile keys holds a million
 * timers and never polls. Because a timer may fire late, every access also checks the deadline and treats a key past
 * it as missing. A key expires at its deadline: alive while {@code now < deadline}. Deleting an expired key counts as
 * modifying it for {@code WATCH}, as in Redis.
 *
 * <p>Threading: confined to the event-loop thread, like the {@link Keyspace} it belongs to.
 */
final class Db {

    static final int STRING = 0;
    static final int LIST = 1;
    static final int SET = 2;
    static final int HASH = 3;

    static final long MAX_TIMER_DELAY = 1L << 40;

    private final Keyspace keyspace;
    private final HashTable<Entry> table = new HashTable<>();
    /** The database's number: changes on SWAPDB, which swaps the contents of two numbers. */
    int id;

    private int volatileKeys;

    Db(Keyspace keyspace, int id) {
        this.keyspace = keyspace;
        this.id = id;
    }

    /** Number of keys stored, including any past their deadline whose timer has not fired yet. */
    int size() {
        return table.size();
    }

    /** Number of keys that have a TTL. */
    int volatileKeys() {
        return volatileKeys;
    }

    long nowMillis() {
        return keyspace.nowMillis();
    }

    /** The entry for the key, live or past its deadline, without deleting anything. */
    Entry find(byte[] b, int off, int len) {
        return table.get(b, off, len);
    }

    /** The live entry for the key in {@code b[off, off+len)}, or null; deletes it if past its deadline. */
    Entry lookup(byte[] b, int off, int len) {
        Entry e = table.get(b, off, len);
        if (e != null && e.expireAt != Keyspace.NO_EXPIRY && keyspace.nowMillis() >= e.expireAt) {
            expired(e);
            return null;
        }
        return e;
    }

    /** Deletes a key found past its deadline, which counts as a modification for WATCH. */
    private void expired(Entry e) {
        remove(e);
        touch(e.key, 0, e.key.length);
    }

    /** Tells the watchers of the key that it changed (Redis's {@code signalModifiedKey}). */
    void touch(byte[] b, int off, int len) {
        keyspace.touch(id, b, off, len);
    }

    /** Adds a string key known to be absent (the caller just looked it up), without TTL; takes {@code value}. */
    Entry insert(byte[] key, int keyOff, int keyLen, byte[] value) {
        Entry e = new Entry(Arrays.copyOfRange(key, keyOff, keyOff + keyLen), value, value.length);
        table.add(e);
        return e;
    }

    /** Adds a list, set or hash key known to be absent, without TTL. */
    Entry insertCollection(byte[] key, int keyOff, int keyLen, Object collection) {
        Entry e = new Collection(Arrays.copyOfRange(key, keyOff, keyOff + keyLen), collection);
        table.add(e);
        return e;
    }

    /**
     * Adds an entry holding the key and value of {@code from}, an entry of another database (MOVE) or of another key
     * name (RENAME, with {@code key}), without TTL. The value is shared, not copied: the caller removes the source.
     */
    Entry adopt(Entry from, byte[] key) {
        Entry e = from.value == null
                ? new Collection(key, ((Collection) from).data)
                : new Entry(key, from.value, from.length);
        table.add(e);
        return e;
    }

    Entry adopt(Entry from) {
        return adopt(from, from.key);
    }

    /**
     * Stores a copy of {@code v[voff, voff+vlen)} under the key, as SET does: creates the key if absent; otherwise
     * replaces the value, reusing its array when it fits, and drops the TTL unless {@code keepTtl}. A key of another
     * type is replaced by a string key.
     */
    Entry put(Entry existing, byte[] key, int keyOff, int keyLen, byte[] v, int voff, int vlen, boolean keepTtl) {
        if (existing == null) {
            return insert(key, keyOff, keyLen, Arrays.copyOfRange(v, voff, voff + vlen));
        }
        if (existing.value == null) {
            long deadline = existing.expireAt;
            remove(existing);
            Entry e = insert(key, keyOff, keyLen, Arrays.copyOfRange(v, voff, voff + vlen));
            if (keepTtl && deadline != Keyspace.NO_EXPIRY) {
                expireAt(e, deadline);
            }
            return e;
        }
        existing.replaceValue(v, voff, vlen);
        if (!keepTtl) {
            persist(existing);
        }
        return existing;
    }

    /** Deletes the entry and its timer. */
    void remove(Entry e) {
        if (table.remove(e)) {
            persist(e);
        }
    }

    /**
     * Gives the entry an absolute deadline, replacing its timer. A deadline already reached deletes the key at once;
     * returns false in that case.
     */
    boolean expireAt(Entry e, long deadline) {
        long now = keyspace.nowMillis();
        if (deadline <= now) {
            remove(e);
            return false;
        }
        if (e.timer != null) {
            e.timer.cancel();
        } else if (e.expireAt == Keyspace.NO_EXPIRY) {
            volatileKeys++;
        }
        e.expireAt = deadline;
        e.timer = keyspace.scheduler().schedule(timerDelay(deadline, now), e);
        return true;
    }

    /** Removes the entry's TTL and cancels its timer; returns whether it had one. */
    boolean persist(Entry e) {
        if (e.expireAt == Keyspace.NO_EXPIRY) {
            return false;
        }
        if (e.timer != null) {
            e.timer.cancel();
            e.timer = null;
        }
        e.expireAt = Keyspace.NO_EXPIRY;
        volatileKeys--;
        return true;
    }

    /** Deletes every key and cancels every timer. */
    void clear() {
        if (volatileKeys > 0) {
            table.forEach(e -> {
                if (e.timer != null) {
                    e.timer.cancel();
                    e.timer = null;
                }
            });
        }
        table.clear();
        volatileKeys = 0;
    }

    /** The live keys matching the glob pattern, in table order; keys past their deadline are skipped. */
    List<byte[]> keys(byte[] pattern, int off, int len) {
        boolean all = len == 1 && pattern[off] == '*';
        long now = keyspace.nowMillis();
        List<byte[]> result = new ArrayList<>();
        table.forEach(e -> {
            if (!e.isExpired(now) && (all || Glob.matches(pattern, off, len, e.key, 0, e.key.length, false))) {
                result.add(e.key);
            }
        });
        return result;
    }

    /** One step of SCAN: visits the entries of one bucket and returns the next cursor (see {@link HashTable#scan}). */
    long scan(long cursor, Consumer<Entry> visitor) {
        return table.scan(cursor, visitor);
    }

    /** A live key picked at random, or null if there is none (RANDOMKEY); deletes expired keys it comes across. */
    Entry random() {
        // Like Redis, give up on finding a live key after many tries when nearly every key is expired.
        for (int tries = 0; tries < 100 && table.size() > 0; tries++) {
            Entry e = table.random();
            if (!e.isExpired(keyspace.nowMillis())) {
                return e;
            }
            expired(e);
        }
        return null;
    }

    /** Sum of the remaining TTLs of the volatile keys, in milliseconds, for INFO's avg_ttl. */
    long totalTtlMillis() {
        long now = keyspace.nowMillis();
        long[] sum = new long[1];
        if (volatileKeys > 0) {
            table.forEach(e -> {
                if (e.expireAt != Keyspace.NO_EXPIRY && e.expireAt > now) {
                    sum[0] += e.expireAt - now;
                }
            });
        }
        return sum[0];
    }

    private void timerFired(Entry e) {
        e.timer = null;
        if (e.expireAt == Keyspace.NO_EXPIRY || table.get(e.key, 0, e.key.length) != e) {
            return;
        }
        long now = keyspace.nowMillis();
        if (now >= e.expireAt) {
            expired(e);
        } else {
            // The loop's timer clock and nowMillis() may drift apart; wait for the rest of the TTL.
            e.timer = keyspace.scheduler().schedule(timerDelay(e.expireAt, now), e);
        }
    }

    /**
     * The timer's delay for a deadline: at most {@link #MAX_TIMER_DELAY} (about 35 years), since PEXPIREAT takes any
     * 64-bit time and a loop's timer works in nanoseconds; a timer that fires before the deadline is set again.
     */
    private static long timerDelay(long deadline, long now) {
        return Math.min(deadline - now, MAX_TIMER_DELAY);
    }

    /** Copies a list, set or hash value (COPY). */
    static Object copyOf(Object data) {
        if (data instanceof RespList l) {
            return l.copy();
        }
        return data instanceof RespSet set ? set.copy() : ((RespHash) data).copy();
    }

    /**
     * A stored key and, for a string, its value. It is its own expiry task, so a TTL costs the scheduler's handle and
     * nothing more. Lists, sets and hashes are {@link Collection}s, whose {@code value} is null. Only the keyspace's
     * thread touches it.
     */
    class Entry extends HashTable.Node<Entry> implements Runnable {
        /** A string's value is {@code value[0, length)}; spare room lets APPEND and INCR work in place. */
        byte[] value;

        int length;
        long expireAt = Keyspace.NO_EXPIRY;
        ExpiryScheduler.Cancellable timer;

        Entry(byte[] key, byte[] value, int length) {
            super(key);
            this.value = value;
            this.length = length;
        }

        /** {@link #STRING}, {@link #LIST}, {@link #SET} or {@link #HASH}. */
        int type() {
            return STRING;
        }

        /**
         * Replaces the value with a copy of {@code v[off, off+len)}: in place when the array fits it without wasting
         * more than half, so a SET of same-sized values allocates nothing.
         */
        void replaceValue(byte[] v, int off, int len) {
            if (value.length < len || value.length - len > (len >>> 1) + 16) {
                value = new byte[len];
            }
            System.arraycopy(v, off, value, 0, len);
            length = len;
        }

        /**
         * Makes room for a value of {@code newLength} bytes, keeping the current ones; grows like sds (double below 1
         * MiB, then 1 MiB at a time) so repeated APPENDs stay linear.
         */
        void ensureCapacity(int newLength) {
            if (value.length >= newLength) {
                return;
            }
            long grown = newLength < 1024 * 1024 ? 2L * newLength : newLength + 1024L * 1024;
            value = Arrays.copyOf(value, (int) Math.min(grown, Integer.MAX_VALUE - 8));
        }

        /** Whether the key has a TTL. */
        boolean isVolatile() {
            return expireAt != Keyspace.NO_EXPIRY;
        }

        /** Whether the key is past its deadline at {@code now}. */
        boolean isExpired(long now) {
            return expireAt != Keyspace.NO_EXPIRY && now >= expireAt;
        }

        @Override
        public void run() {
            timerFired(this);
        }
    }

    /** A list, set or hash key: {@link RespList}, {@link RespSet} or {@link RespHash}. */
    final class Collection extends Entry {
        final Object data;

        Collection(byte[] key, Object data) {
            super(key, null, 0);
            this.data = data;
        }

        @Override
        int type() {
            return data instanceof RespList ? LIST : data instanceof RespSet ? SET : HASH;
        }
    }
}
