package dev.ioloop;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * Cheap, lock-free statistics of one loop, readable from any thread (for metrics and health checks).
 *
 * <p>Counters only grow while the loop lives. Each getter is one or two plain memory reads: a reader never
 * blocks the loop, never allocates, and sees values at most one iteration old. Values are individually
 * consistent, not a snapshot of the whole set. Times are in nanoseconds of {@link System#nanoTime()} (wall
 * time, whatever clock the loop's timers use). Get it from {@link IOLoop#stats()}.
 */
public final class IOLoopStats {

    private static final VarHandle LONG_ARRAY = MethodHandles.arrayElementVarHandle(long[].class);

    private static final int ITERATIONS = 0;
    private static final int EVENTS = 1;
    private static final int ERRORS = 2;
    private static final int BUSY = 3;
    private static final int IDLE = 4;
    private static final int CALLBACKS_RUN = 5;
    private static final int TIMEOUTS_RUN = 6;
    private static final int LATENCY_SAMPLES = 7;
    private static final int HANDLERS = 8;
    private static final int HANDLERS_CLOSED = 9;

    private final IOLoop loop;
    // Written by the loop thread only (opaque stores: no fence on the hot path), read by anyone.
    private final long[] counters = new long[10];
    private volatile long blocked;
    // Non-zero while the loop works: when the current stretch of work began (System.nanoTime). Read by the
    // watchdog.
    volatile long stretchStartNanos;
    // Non-zero while the loop sleeps in poll: when that sleep began.
    volatile long sleepStartNanos;

    IOLoopStats(IOLoop loop) {
        this.loop = loop;
    }

    /** Returns the number of channels with a handler now. */
    public int handlers() {
        return (int) get(HANDLERS);
    }

    /** Returns the number of callbacks queued and not yet run (from any thread; approximate under races). */
    public long pendingCallbacks() {
        return loop.pendingCallbacks();
    }

    /** Returns the number of timeouts scheduled and neither run nor cancelled (approximate under races). */
    public long pendingTimeouts() {
        return loop.pendingTimeouts();
    }

    /** Returns the number of loop iterations (polls) so far. */
    public long iterations() {
        return get(ITERATIONS);
    }

    /** Returns the number of I/O events dispatched to handlers. */
    public long events() {
        return get(EVENTS);
    }

    /** Returns the number of callbacks run. */
    public long callbacksRun() {
        return get(CALLBACKS_RUN);
    }

    /** Returns the number of timeouts run. */
    public long timeoutsRun() {
        return get(TIMEOUTS_RUN);
    }

    /** Returns the number of exceptions from callbacks, timeouts and handlers passed to the error handler. */
    public long errors() {
        return get(ERRORS);
    }

    /** Returns the number of latency samples produced (iterations that ran work). */
    public long latencySamples() {
        return get(LATENCY_SAMPLES);
    }

    /**
     * Returns the number of channels the loop closed because their handler failed too many times in a row
     * ({@link IOLoop.Builder#handlerFailureLimit}).
     */
    public long handlersClosed() {
        return get(HANDLERS_CLOSED);
    }

    /** Returns the number of blocked stretches the watchdog has noticed. */
    public long blocked() {
        return blocked;
    }

    /** Returns the time spent working (outside poll) in nanoseconds, including the current stretch. */
    public long busyNanos() {
        long start = stretchStartNanos;
        long busy = get(BUSY);
        return start == 0 ? busy : busy + Math.max(0, System.nanoTime() - start);
    }

    /** Returns the time spent waiting in poll in nanoseconds, including the current wait. */
    public long idleNanos() {
        long start = sleepStartNanos;
        long idle = get(IDLE);
        return start == 0 ? idle : idle + Math.max(0, System.nanoTime() - start);
    }

    /**
     * Returns how long the current stretch of work (since the last poll returned) has lasted, in nanoseconds,
     * or 0 if the loop is polling or not running. A value above the blocked threshold means the loop is blocked.
     */
    public long currentStretchNanos() {
        long start = stretchStartNanos;
        return start == 0 ? 0 : Math.max(0, System.nanoTime() - start);
    }

    void handlers(int n) {
        LONG_ARRAY.setOpaque(counters, HANDLERS, (long) n);
    }

    void iteration(int events) {
        add(ITERATIONS, 1);
        if (events != 0) {
            add(EVENTS, events);
        }
    }

    void ran(int callbacks, int timeouts) {
        if (callbacks != 0) {
            add(CALLBACKS_RUN, callbacks);
        }
        if (timeouts != 0) {
            add(TIMEOUTS_RUN, timeouts);
        }
    }

    void error() {
        add(ERRORS, 1);
    }

    void handlerClosed() {
        add(HANDLERS_CLOSED, 1);
    }

    void latencySample() {
        add(LATENCY_SAMPLES, 1);
    }

    void busy(long nanos) {
        add(BUSY, nanos);
    }

    void idle(long nanos) {
        add(IDLE, nanos);
    }

    void blockedOnce() {
        blocked++; // the watchdog thread is the only writer
    }

    private long get(int i) {
        return (long) LONG_ARRAY.getOpaque(counters, i);
    }

    private void add(int i, long delta) {
        LONG_ARRAY.setOpaque(counters, i, (long) LONG_ARRAY.getOpaque(counters, i) + delta);
    }

    @Override
    public String toString() {
        return "IOLoopStats[handlers=" + handlers() + ", pendingCallbacks=" + pendingCallbacks()
                + ", pendingTimeouts=" + pendingTimeouts() + ", iterations=" + iterations() + ", events=" + events()
                + ", errors=" + errors() + ", handlersClosed=" + handlersClosed() + ", blocked=" + blocked() + "]";
    }
}
