package dev.ioloop.sample.resp;

import java.lang.ref.ReferenceQueue;
import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.List;

/**
 * A client's MULTI/EXEC state: the commands queued since MULTI, the keys it WATCHes, and whether EXEC must fail.
 * Created by MULTI or WATCH and dropped once it holds nothing again (after EXEC, DISCARD or UNWATCH), so a connection
 * that is not in a transaction pays one null field for them.
 *
 * <p>Threading: the event-loop thread only.
 */
final class Transaction {

    /**
     * What the keyspace's watch registry holds of a transaction: its watches, and the transaction itself only weakly.
     * The engine is not told when a connection closes, so a client that disconnects while watching keys leaves its
     * watches behind; once its session is collected, this handle comes out of the keyspace's reference queue and the
     * keyspace drops them.
     */
    static final class Handle extends WeakReference<Transaction> {
        final List<Watch> watches = new ArrayList<>(2);

        Handle(Transaction tx, ReferenceQueue<Transaction> queue) {
            super(tx, queue);
        }
    }

    /** A watched key: database number, key bytes, and whether it was already expired when watched (Redis 7.0). */
    static final class Watch {
        final Handle owner;
        final int db;
        final ByteKey key;
        boolean expired;

        Watch(Handle owner, int db, ByteKey key, boolean expired) {
            this.owner = owner;
            this.db = db;
            this.key = key;
            this.expired = expired;
        }
    }

    /** A queued command: its arguments copied out of the read buffer, as an {@link Args} to run at EXEC. */
    static Args copyOf(Args a) {
        int total = 0;
        for (int i = 0; i < a.count; i++) {
            total += a.len[i];
        }
        Args q = new Args();
        q.buf = new byte[total];
        int pos = 0;
        for (int i = 0; i < a.count; i++) {
            System.arraycopy(a.buf, a.off[i], q.buf, pos, a.len[i]);
            q.add(pos, a.len[i]);
            pos += a.len[i];
        }
        return q;
    }

    final Handle handle;
    private final List<Args> queued = new ArrayList<>();
    /** Inside MULTI. */
    boolean multi;
    /** A watched key was modified: EXEC answers a null array (Redis's CLIENT_DIRTY_CAS). */
    boolean dirtyCas;
    /** A command was refused while queuing: EXEC answers EXECABORT (Redis's CLIENT_DIRTY_EXEC). */
    boolean dirtyExec;

    Transaction(ReferenceQueue<Transaction> deadTransactions) {
        this.handle = new Handle(this, deadTransactions);
    }

    List<Watch> watches() {
        return handle.watches;
    }

    List<Args> queued() {
        return queued;
    }

    void queue(Args a) {
        queued.add(copyOf(a));
    }

    /**
     * A watched key changed: EXEC will fail, and the watches are dropped at once, since nothing can undo that (as
     * Redis's {@code touchWatchedKey}).
     */
    void markDirty(Keyspace keyspace) {
        dirtyCas = true;
        unwatchAll(keyspace);
    }

    void unwatchAll(Keyspace keyspace) {
        keyspace.unwatchAll(handle);
    }

    /** Ends the transaction, as Redis's {@code discardTransaction}: the queue, the flags and every watch go. */
    void discard(Keyspace keyspace) {
        queued.clear();
        multi = false;
        dirtyCas = false;
        dirtyExec = false;
        unwatchAll(keyspace);
    }

    @Override
    public String toString() {
        return "Transaction[multi=" + multi + ", queued=" + queued.size() + ", watches=" + handle.watches.size() + "]";
    }
}
