package dev.ioloop;

import dev.ioloop.internal.CallbackRing;
import dev.ioloop.internal.MpscChunkedCallbackQueue;
import dev.ioloop.poller.Poller;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.function.LongSupplier;

/**
 * The loop's callbacks: the loop thread's own FIFO, the lock-free queue other threads add to, and the
 * <em>sleeping</em> flag through which a producer wakes a polling loop, at most once per sleep however many
 * callbacks arrive during it.
 *
 * <p>Each iteration {@link #take}s the callbacks other threads queued so far behind the loop thread's own and
 * {@link #run}s exactly those: a callback added meanwhile waits for the next iteration. Before a poll that may
 * block, the loop {@link #announceSleep announces} it and re-checks the queue, so that a producer either sees the
 * flag and wakes the poller, or its callback is seen and the poll does not block.
 *
 * <p>{@link #addRemote}, {@link #wake} and {@link #pending} are safe from any thread; everything else is loop
 * thread only. The fields producers read sit between paddings: apart from the one the loop writes every iteration,
 * and from whatever object the allocator or the garbage collector places just before this one.
 */
final class CallbackQueue extends CallbackQueueLoopFields {

    private static final long SPIN_BEFORE_SLEEP_NANOS = 20_000;

    @SuppressWarnings("unused") // keeps the loop's stores off the cache line of the next object
    private long q0, q1, q2, q3, q4, q5, q6, q7;

    CallbackQueue(Poller poller) {
        super(poller);
    }

    /** Adds a callback on the loop thread: no wakeup needed. */
    void addLocal(Runnable callback) {
        ring.add(callback);
    }

    /** Adds a callback from another thread and wakes the loop if it sleeps. */
    void addRemote(Runnable callback) {
        remote.offer(callback, stampClock);
        wake();
    }

    /**
     * Sets the clock producers stamp their callbacks with for latency sampling (see {@link LatencyListener}), or
     * {@code null} when nobody samples. Any thread.
     */
    void stampWith(LongSupplier clock) {
        stampClock = clock;
    }

    /** Wakes a sleeping loop; only the caller that clears the flag pays for the wakeup. Any thread. */
    void wake() {
        if (sleeping && SLEEPING.compareAndSet(this, true, false)) {
            poller.wakeup();
        }
    }

    /**
     * Step 1 of an iteration: moves the callbacks other threads queued so far behind the loop thread's own.
     *
     * @param drainStamp the latency stamp for a callback the drain leaves behind (see {@link LatencySampler#begin})
     * @return how many callbacks this iteration runs
     */
    int take(long drainStamp) {
        remoteTaken = remote.drainTo(ring, drainStamp);
        return ring.size();
    }

    /**
     * Step 3: runs the {@code count} callbacks taken in step 1, oldest first, telling the sampler when the first
     * and the last of those from other threads start.
     */
    int run(int count, LatencySampler latency, IOLoop loop) {
        int firstRemote = latency.isOn() ? count - remoteTaken : count;
        for (int i = 0; i < count; i++) {
            Runnable task = ring.poll();
            if (i >= firstRemote && (i == firstRemote || i == count - 1)) {
                latency.remoteCallbackStarting(i == firstRemote, i == count - 1);
            }
            loop.runTask(task);
        }
        return count;
    }

    /** Returns whether a callback waits, on the loop thread's ring or from another thread. */
    boolean hasWaiting() {
        return ring.size() > 0 || !remote.isEmpty();
    }

    /**
     * Before a poll that may block, after an iteration that ran callbacks from other threads: watches the queue
     * for up to 20 microseconds, since those threads may send more in a moment, and waiting here costs less than
     * the wakeup syscall each of their next callbacks would pay. An idle loop never spins.
     *
     * @return whether a callback arrived (the poll must not block)
     */
    boolean spinForMore(long startNanos) {
        if (remoteTaken == 0) {
            return false;
        }
        for (int i = 0; ; i++) {
            if (!remote.isEmpty()) {
                return true;
            }
            if ((i & 63) == 63 && System.nanoTime() - startNanos > SPIN_BEFORE_SLEEP_NANOS) {
                return false;
            }
            Thread.onSpinWait();
        }
    }

    /**
     * Announces that the loop is about to sleep in poll, then re-checks the queue: a producer that enqueued before
     * the announcement saw no sleeper to wake.
     *
     * @return whether a callback is waiting (the poll must not block)
     */
    boolean announceSleep() {
        SLEEPING.setVolatile(this, true);
        return !remote.isEmpty();
    }

    /** The poll that {@link #announceSleep} preceded has returned. */
    void sleepEnded() {
        SLEEPING.setVolatile(this, false);
    }

    /** Returns the callbacks queued and not yet run (approximate under races); any thread. */
    long pending() {
        return ring.size() + remote.size();
    }

    /** Drops every queued callback; for the loop's close. */
    void clear() {
        ring.clear();
        remote.clear();
    }
}

/** The padding before the fields producers read, so that no object before this one shares their cache line. */
@SuppressWarnings("unused")
abstract class CallbackQueueLeadPad {
    // The int fills the gap after the object header, where a subclass field would otherwise be placed.
    private int h0;
    private long p0, p1, p2, p3, p4, p5, p6, p7;
}

/**
 * What producers read on every {@code addCallback}: the queue, the poller to wake, the sleeping flag and the clock
 * to stamp with.
 */
abstract class CallbackQueueSharedFields extends CallbackQueueLeadPad {
    static final VarHandle SLEEPING;

    static {
        try {
            SLEEPING = MethodHandles.lookup().findVarHandle(CallbackQueueSharedFields.class, "sleeping", boolean.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    final MpscChunkedCallbackQueue remote = new MpscChunkedCallbackQueue();
    final CallbackRing ring = new CallbackRing(64);
    final Poller poller;
    volatile boolean sleeping;
    /** The loop's clock while latency is sampled, else {@code null}: beside what producers read anyway. */
    volatile LongSupplier stampClock;

    CallbackQueueSharedFields(Poller poller) {
        this.poller = poller;
    }
}

/** The padding between the producers' fields and the loop's. */
@SuppressWarnings("unused")
abstract class CallbackQueuePad extends CallbackQueueSharedFields {
    private int h1; // fills a gap before the longs, where a subclass field would otherwise be placed
    private long p0, p1, p2, p3, p4, p5, p6, p7;

    CallbackQueuePad(Poller poller) {
        super(poller);
    }
}

/** The field the loop writes every iteration. */
abstract class CallbackQueueLoopFields extends CallbackQueuePad {
    /** Callbacks from other threads taken in step 1 of this iteration. */
    int remoteTaken;

    CallbackQueueLoopFields(Poller poller) {
        super(poller);
    }
}
