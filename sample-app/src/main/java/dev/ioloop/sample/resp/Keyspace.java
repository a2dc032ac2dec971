package dev.ioloop.sample.resp;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;

/**
 * The server's single database: string keys to string values, with optional expiry.
 *
 * <p>Expiry is both active and lazy. Every key with a TTL owns exactly one task in the
 * {@link ExpiryScheduler}, cancelled whenever the TTL goes away or changes, so an idle server with a
 * million volatile keys holds a million timers and never polls. Because a timer may fire late, every
 * access also checks the deadline and treats a key past it as missing. A key expires at its deadline:
 * alive while {@code now < deadline}.
 *
 * <p>Threading: confined to the event-loop thread; no locks, and the scheduler's tasks must run on
 * that same thread.
 */
public final class Keyspace {

    /** {@link Entry#expireAt} of a key without TTL. */
    static final long NO_EXPIRY = Long.MIN_VALUE;

    private final ExpiryScheduler scheduler;
    private final HashMap<ByteKey, Entry> map = new HashMap<>();
    private final ByteKey probe = ByteKey.probe();
    private int volatileKeys;

    public Keyspace(ExpiryScheduler scheduler) {
        if (scheduler == null) {
            throw new NullPointerException("scheduler");
        }
        this.scheduler = scheduler;
    }

    /** Number of keys stored, including any past their deadline whose timer has not fired yet. */
    public int size() {
        return map.size();
    }

    /** Number of keys that have a TTL. */
    public int volatileKeys() {
        return volatileKeys;
    }

    long nowMillis() {
        return scheduler.nowMillis();
    }

    /** The live entry for the key in {@code b[off, off+len)}, or null; deletes it if past its deadline. */
    Entry lookup(byte[] b, int off, int len) {
        Entry e = map.get(probe.point(b, off, len));
        probe.release();
        if (e != null && e.expireAt != NO_EXPIRY && scheduler.nowMillis() >= e.expireAt) {
            remove(e);
            return null;
        }
        return e;
    }

    /** Adds a key known to be absent (the caller just looked it up), without TTL; takes {@code value}. */
    Entry insert(byte[] key, int keyOff, int keyLen, byte[] value) {
        Entry e = new Entry(ByteKey.copyOf(key, keyOff, keyLen), value, value.length);
        map.put(e.key, e);
        return e;
    }

    /**
     * Stores a copy of {@code v[voff, voff+vlen)} under the key, as SET does: creates the key if absent;
     * otherwise replaces the value, reusing its array when it fits, and drops the TTL unless
     * {@code keepTtl}.
     */
    Entry put(Entry existing, byte[] key, int keyOff, int keyLen, byte[] v, int voff, int vlen, boolean keepTtl) {
        if (existing == null) {
            return insert(key, keyOff, keyLen, Arrays.copyOfRange(v, voff, voff + vlen));
        }
        existing.replaceValue(v, voff, vlen);
        if (!keepTtl) {
            persist(existing);
        }
        return existing;
    }

    /** Deletes the entry and its timer. */
    void remove(Entry e) {
        if (map.remove(e.key) != null) {
            persist(e);
        }
    }

    /**
     * Gives the entry an absolute deadline, replacing its timer. A deadline already reached deletes the
     * key at once; returns false in that case.
     */
    boolean expireAt(Entry e, long deadline) {
        long now = scheduler.nowMillis();
        if (deadline <= now) {
            remove(e);
            return false;
        }
        if (e.timer != null) {
            e.timer.cancel();
        } else if (e.expireAt == NO_EXPIRY) {
            volatileKeys++;
        }
        e.expireAt = deadline;
        e.timer = scheduler.schedule(deadline - now, e);
        return true;
    }

    /** Removes the entry's TTL and cancels its timer; returns whether it had one. */
    boolean persist(Entry e) {
        if (e.expireAt == NO_EXPIRY) {
            return false;
        }
        if (e.timer != null) {
            e.timer.cancel();
            e.timer = null;
        }
        e.expireAt = NO_EXPIRY;
        volatileKeys--;
        return true;
    }

    /** Deletes every key and cancels every timer. */
    void clear() {
        if (volatileKeys > 0) {
            for (Entry e : map.values()) {
                if (e.timer != null) {
                    e.timer.cancel();
                    e.timer = null;
                }
            }
        }
        map.clear();
        volatileKeys = 0;
    }

    /** The live keys, in map order; keys past their deadline are skipped (their timers delete them). */
    List<ByteKey> keys(byte[] pattern, int off, int len) {
        boolean all = len == 1 && pattern[off] == '*';
        long now = scheduler.nowMillis();
        List<ByteKey> result = new ArrayList<>();
        for (Entry e : map.values()) {
            if (e.expireAt != NO_EXPIRY && now >= e.expireAt) {
                continue;
            }
            ByteKey k = e.key;
            if (all || Glob.matches(pattern, off, len, k.array(), k.offset(), k.length(), false)) {
                result.add(k);
            }
        }
        return result;
    }

    private void timerFired(Entry e) {
        e.timer = null;
        if (e.expireAt == NO_EXPIRY || map.get(e.key) != e) {
            return;
        }
        long now = scheduler.nowMillis();
        if (now >= e.expireAt) {
            remove(e);
        } else {
            // The loop's timer clock and nowMillis() may drift apart; wait for the rest of the TTL.
            e.timer = scheduler.schedule(e.expireAt - now, e);
        }
    }

    /**
     * A stored value. It is its own expiry task, so a TTL costs the scheduler's handle and nothing more.
     * Only the keyspace's thread touches it.
     */
    final class Entry implements Runnable {
        final ByteKey key;
        /** The value is {@code value[0, length)}; spare room lets APPEND and INCR work in place. */
        byte[] value;

        int length;
        long expireAt = NO_EXPIRY;
        ExpiryScheduler.Cancellable timer;

        Entry(ByteKey key, byte[] value, int length) {
            this.key = key;
            this.value = value;
            this.length = length;
        }

        /**
         * Replaces the value with a copy of {@code v[off, off+len)}: in place when the array fits it
         * without wasting more than half, so a SET of same-sized values allocates nothing.
         */
        void replaceValue(byte[] v, int off, int len) {
            if (value.length < len || value.length - len > (len >>> 1) + 16) {
                value = new byte[len];
            }
            System.arraycopy(v, off, value, 0, len);
            length = len;
        }

        /**
         * Makes room for a value of {@code newLength} bytes, keeping the current ones; grows like sds
         * (double below 1 MiB, then 1 MiB at a time) so repeated APPENDs stay linear.
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
            return expireAt != NO_EXPIRY;
        }

        @Override
        public void run() {
            timerFired(this);
        }
    }
}
