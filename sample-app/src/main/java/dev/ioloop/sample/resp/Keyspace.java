package dev.ioloop.sample.resp;

import java.lang.ref.ReferenceQueue;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The server's data: numbered databases ({@link Db}), each its own keyspace with its own expiry, and the keys that
 * clients {@code WATCH}.
 *
 * <p>A database exists from its first use, so the unused ones of the configured number cost nothing. SWAPDB swaps two
 * databases' contents, as Redis does: a client that selected database 1 sees what was in database 0. Watches stay
 * with the database <em>number</em>, also as in Redis.
 *
 * <p>Threading: confined to the event-loop thread; no locks, and the scheduler's tasks must run on that same thread.
 */
public final class Keyspace {

    /** {@link Db.Entry#expireAt} of a key without TTL. */
    static final long NO_EXPIRY = Long.MIN_VALUE;

    private final ExpiryScheduler scheduler;
    private Db[] dbs = new Db[1];
    /** Watched keys, by database number: key bytes to the watches on it. Null while nobody watches. */
    private Map<ByteKey, List<Transaction.Watch>>[] watched;

    private int watchedKeys;
    /** Transactions of sessions gone without unwatching (see {@link Transaction.Handle}). */
    private final ReferenceQueue<Transaction> deadTransactions = new ReferenceQueue<>();

    private final ByteKey probe = ByteKey.probe();

    public Keyspace(ExpiryScheduler scheduler) {
        if (scheduler == null) {
            throw new NullPointerException("scheduler");
        }
        this.scheduler = scheduler;
    }

    /** Number of keys stored in every database, including any past their deadline whose timer has not fired yet. */
    public int size() {
        int n = 0;
        for (Db db : dbs) {
            n += db == null ? 0 : db.size();
        }
        return n;
    }

    /** Number of keys that have a TTL, in every database. */
    public int volatileKeys() {
        int n = 0;
        for (Db db : dbs) {
            n += db == null ? 0 : db.volatileKeys();
        }
        return n;
    }

    long nowMillis() {
        return scheduler.nowMillis();
    }

    ExpiryScheduler scheduler() {
        return scheduler;
    }

    /** Database {@code index}, created on first use; the caller checks the index against the configured number. */
    Db db(int index) {
        Db[] a = dbs;
        if (index < a.length) {
            Db db = a[index];
            if (db != null) {
                return db;
            }
        }
        return create(index);
    }

    /** Database {@code index} if it exists (it may be empty), else null; creates nothing. */
    Db existing(int index) {
        return index < dbs.length ? dbs[index] : null;
    }

    /** The highest database number in use, plus one. */
    int databasesInUse() {
        return dbs.length;
    }

    private Db create(int index) {
        if (index >= dbs.length) {
            dbs = Arrays.copyOf(dbs, index + 1);
        }
        Db db = new Db(this, index);
        dbs[index] = db;
        return db;
    }

    /** Swaps the contents of two databases (SWAPDB), touching the watched keys of both. */
    void swap(int a, int b) {
        Db da = db(a);
        Db dbb = db(b);
        touchAllWatched(a, da, dbb);
        touchAllWatched(b, dbb, da);
        dbs[a] = dbb;
        dbs[b] = da;
        dbb.id = a;
        da.id = b;
    }

    /** Empties database {@code index} (FLUSHDB), touching its watched keys that existed. */
    void flush(int index) {
        Db db = existing(index);
        if (db != null) {
            touchAllWatched(index, db, null);
            db.clear();
        }
    }

    /** Empties every database (FLUSHALL). */
    void flushAll() {
        for (int i = 0; i < dbs.length; i++) {
            flush(i);
        }
    }

    // ---------------------------------------------------------------- WATCH

    /** Number of distinct keys watched by some client, for tests and monitoring. */
    int watchedKeys() {
        return watchedKeys;
    }

    /**
     * Adds a watch of the session's transaction on key {@code b[off, off+len)} in database {@code index}; false if it
     * already watches it. Remembers whether the key was already logically expired, as Redis 7.0 does.
     */
    @SuppressWarnings("unchecked")
    Transaction.Watch watch(Transaction tx, int index, byte[] b, int off, int len) {
        pruneDeadTransactions();
        for (Transaction.Watch w : tx.watches()) {
            if (w.db == index && Ascii.equals(b, off, len, w.key.array())) {
                return null;
            }
        }
        if (watched == null || watched.length < dbs.length || watched.length <= index) {
            watched = Arrays.copyOf(watched == null ? new Map[0] : watched, Math.max(dbs.length, index + 1));
        }
        if (watched[index] == null) {
            watched[index] = new HashMap<>();
        }
        ByteKey key = ByteKey.copyOf(b, off, len);
        Db.Entry e = existing(index) == null ? null : existing(index).find(b, off, len);
        Transaction.Watch w = new Transaction.Watch(tx.handle, index, key, e != null && e.isExpired(nowMillis()));
        List<Transaction.Watch> list = watched[index].computeIfAbsent(key, k -> new ArrayList<>(2));
        if (list.isEmpty()) {
            watchedKeys++;
        }
        list.add(w);
        tx.watches().add(w);
        return w;
    }

    /** A new client's transaction state, whose watches this keyspace drops if the client goes without unwatching. */
    Transaction newTransaction() {
        return new Transaction(deadTransactions);
    }

    /** Removes every watch of a transaction. */
    void unwatchAll(Transaction.Handle handle) {
        for (Transaction.Watch w : handle.watches) {
            unwatch(w);
        }
        handle.watches.clear();
    }

    private void pruneDeadTransactions() {
        Object dead;
        while ((dead = deadTransactions.poll()) != null) {
            unwatchAll((Transaction.Handle) dead);
        }
    }

    private void unwatch(Transaction.Watch w) {
        Map<ByteKey, List<Transaction.Watch>> m = watched[w.db];
        List<Transaction.Watch> list = m.get(w.key);
        if (list != null && list.remove(w) && list.isEmpty()) {
            m.remove(w.key);
            watchedKeys--;
        }
    }

    /**
     * A key in database {@code index} was modified (Redis's {@code signalModifiedKey}): every transaction watching it
     * will fail. Nothing but a field check while no key is watched, which keeps SET on its fast path.
     */
    void touch(int index, byte[] b, int off, int len) {
        if (watchedKeys == 0 || index >= watched.length || watched[index] == null) {
            return;
        }
        pruneDeadTransactions();
        List<Transaction.Watch> list = watched[index].get(probe.point(b, off, len));
        probe.release();
        if (list == null) {
            return;
        }
        for (Transaction.Watch w : List.copyOf(list)) {
            if (w.expired) {
                Db db = existing(index);
                if (db == null || db.find(b, off, len) == null) {
                    // A key already expired at WATCH time is now deleted: logically no change.
                    w.expired = false;
                    continue;
                }
            }
            markDirty(w);
        }
    }

    private void markDirty(Transaction.Watch w) {
        Transaction tx = w.owner.get();
        if (tx != null) {
            tx.markDirty(this);
        } else {
            unwatchAll(w.owner);
        }
    }

    /**
     * Redis's {@code touchAllWatchedKeysInDb}: database {@code index}, now {@code emptied}, is emptied or replaced
     * with {@code replacement}; a watch fails when its key exists on either side, except an expired key that stays
     * expired or disappears.
     */
    private void touchAllWatched(int index, Db emptied, Db replacement) {
        if (watchedKeys == 0 || index >= watched.length || watched[index] == null) {
            return;
        }
        long now = nowMillis();
        for (Map.Entry<ByteKey, List<Transaction.Watch>> m : List.copyOf(watched[index].entrySet())) {
            ByteKey k = m.getKey();
            boolean inEmptied = emptied.find(k.array(), 0, k.length()) != null;
            Db.Entry other = replacement == null ? null : replacement.find(k.array(), 0, k.length());
            if (!inEmptied && other == null) {
                continue;
            }
            for (Transaction.Watch w : List.copyOf(m.getValue())) {
                if (w.expired) {
                    if (other == null) {
                        w.expired = false;
                        continue;
                    } else if (other.isExpired(now)) {
                        continue;
                    }
                } else if (!inEmptied && other.isExpired(now)) {
                    w.expired = true;
                    continue;
                }
                markDirty(w);
            }
        }
    }

    /** Whether a key watched by {@code w}, alive when watched, is now past its deadline (checked at EXEC). */
    boolean watchedKeyExpired(Transaction.Watch w) {
        if (w.expired) {
            return false;
        }
        Db db = existing(w.db);
        Db.Entry e = db == null ? null : db.find(w.key.array(), 0, w.key.length());
        return e != null && e.isExpired(nowMillis());
    }
}
