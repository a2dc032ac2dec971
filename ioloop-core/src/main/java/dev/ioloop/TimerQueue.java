package dev.ioloop;

import dev.ioloop.internal.TimerHeap;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;

/**
 * The loop's timeouts: a heap ordered by {@code (deadline, insertion)}, the collection of due timeouts for an
 * iteration, the accounting of timeouts cancelled from other threads, and the deadline part of the poll timeout.
 *
 * <p>Loop thread only (or the one thread using a loop that is not running), except {@link #cancelledElsewhere},
 * which any thread may call: another thread may not touch the heap, so it leaves the cancelled entry in place
 * as a tombstone, counted here, that due-collection drops and that a rebuild clears once tombstones are both
 * many and most of the heap (Tornado's rule), so that adding and cancelling far-future timeouts from other
 * threads keeps memory bounded.
 */
final class TimerQueue {

    /** Tombstones must pass this count, and half the heap, before the heap is rebuilt without them. */
    static final int CANCELLED_COMPACT_MIN = 512;

    private final TimerHeap heap = new TimerHeap();
    private final AtomicInteger cancelledInHeap = new AtomicInteger();
    private TimeoutImpl[] due = new TimeoutImpl[16];
    private long sequence;

    /** Schedules {@code callback} at {@code deadlineNanos}; after every timeout added before with that deadline. */
    TimeoutImpl add(IOLoop loop, long deadlineNanos, Runnable callback) {
        TimeoutImpl timeout = new TimeoutImpl(loop, deadlineNanos, sequence++, callback);
        heap.add(timeout);
        return timeout;
    }

    /**
     * Takes every timeout with {@code deadline <= now} off the heap, in run order, dropping cancelled ones; they
     * are then run by {@link #runDue}. Timeouts added after this call wait for the next collection.
     *
     * @return how many were collected
     */
    int collectDue(long now) {
        int cancelled = cancelledInHeap.get();
        if (cancelled > CANCELLED_COMPACT_MIN && cancelled > heap.size() / 2) {
            heap.removeIf(e -> ((TimeoutImpl) e).isCancelled());
            cancelledInHeap.set(0);
        }
        int count = 0;
        TimerHeap.Entry first;
        while ((first = heap.peek()) != null && ((TimeoutImpl) first).deadline() - now <= 0) {
            heap.poll();
            TimeoutImpl timeout = (TimeoutImpl) first;
            if (timeout.isCancelled()) {
                decrementCancelled();
                continue;
            }
            if (count == due.length) {
                due = Arrays.copyOf(due, count * 2);
            }
            due[count++] = timeout;
        }
        return count;
    }

    /**
     * Runs the {@code count} timeouts of the last {@link #collectDue} in order, skipping one cancelled since by
     * earlier work of the iteration.
     *
     * @return how many ran
     */
    int runDue(int count, LatencySampler latency, IOLoop loop) {
        int ran = 0;
        for (int i = 0; i < count; i++) {
            TimeoutImpl timeout = due[i];
            due[i] = null;
            if (timeout.markRun()) {
                latency.timeoutStarting(timeout.deadline());
                ran++;
                loop.runTask(timeout.callback);
            }
        }
        return ran;
    }

    /**
     * Returns the nanoseconds until the earliest deadline (0 if it has passed), or -1 if there is no timeout; reads
     * {@code clock} only if there is one.
     */
    long nanosUntilFirst(LongSupplier clock) {
        TimerHeap.Entry first = heap.peek();
        return first == null ? -1 : Math.max(0, ((TimeoutImpl) first).deadline() - clock.getAsLong());
    }

    /** A timeout was cancelled on the loop thread (or while the loop does not run): removes it, O(log n). */
    void cancelledHere(TimeoutImpl timeout) {
        heap.remove(timeout);
    }

    /** A timeout was cancelled on another thread while the loop runs: counts its tombstone. Any thread. */
    void cancelledElsewhere(TimeoutImpl timeout) {
        if (timeout.inHeap()) {
            cancelledInHeap.incrementAndGet();
        }
    }

    /** Returns the entries in the heap, tombstones included. */
    int heapSize() {
        return heap.size();
    }

    /** Returns the timeouts neither run nor cancelled (approximate under races); any thread. */
    long pending() {
        return Math.max(0, heap.size() - cancelledInHeap.get());
    }

    /** Forgets every timeout; for {@code close()}. */
    void clear() {
        heap.clear();
        cancelledInHeap.set(0);
    }

    private void decrementCancelled() {
        if (cancelledInHeap.get() > 0) {
            cancelledInHeap.decrementAndGet();
        }
    }
}
