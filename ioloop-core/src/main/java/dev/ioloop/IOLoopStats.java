package dev.ioloop;

/**
 * Cheap, lock-free statistics of one loop, readable from any thread (for metrics and health checks): a read-only
 * view of the loop's counters and of where its thread's time went.
 *
 * <p>Counters only grow while the loop lives. Each getter is one or two plain memory reads: a reader never
 * blocks the loop, never allocates, and sees values at most one iteration old. Values are individually
 * consistent, not a snapshot of the whole set. Times are in nanoseconds of {@link System#nanoTime()} (wall
 * time, whatever clock the loop's timers use). Get it from {@link IOLoop#stats()}.
 */
public final class IOLoopStats {

    private final LoopCounters counters;
    private final LoopActivity activity;
    private final CallbackQueue callbacks;
    private final TimerQueue timers;

    IOLoopStats(LoopCounters counters, LoopActivity activity, CallbackQueue callbacks, TimerQueue timers) {
        this.counters = counters;
        this.activity = activity;
        this.callbacks = callbacks;
        this.timers = timers;
    }

    /** Returns the number of channels with a handler now. */
    public int handlers() {
        return counters.handlers();
    }

    /** Returns the number of callbacks queued and not yet run (from any thread; approximate under races). */
    public long pendingCallbacks() {
        return callbacks.pending();
    }

    /** Returns the number of timeouts scheduled and neither run nor cancelled (approximate under races). */
    public long pendingTimeouts() {
        return timers.pending();
    }

    /** Returns the number of loop iterations (polls) so far. */
    public long iterations() {
        return counters.iterations();
    }

    /** Returns the number of I/O events dispatched to handlers. */
    public long events() {
        return counters.events();
    }

    /** Returns the number of callbacks run. */
    public long callbacksRun() {
        return counters.callbacksRun();
    }

    /** Returns the number of timeouts run. */
    public long timeoutsRun() {
        return counters.timeoutsRun();
    }

    /**
     * Returns the number of exceptions from callbacks, timeouts, handlers and latency listeners passed to the
     * error handler.
     */
    public long errors() {
        return counters.errors();
    }

    /** Returns the number of latency samples produced (iterations that ran work while a listener was set). */
    public long latencySamples() {
        return counters.latencySamples();
    }

    /**
     * Returns the number of channels the loop closed because their handler failed too many times in a row
     * ({@link IOLoop.Builder#handlerFailureLimit}).
     */
    public long handlersClosed() {
        return counters.handlersClosed();
    }

    /** Returns the number of blocked stretches the watchdog has noticed. */
    public long blocked() {
        return activity.blocked();
    }

    /** Returns the time spent working (outside poll) in nanoseconds, including the current stretch. */
    public long busyNanos() {
        return activity.busyNanos();
    }

    /** Returns the time spent waiting in poll in nanoseconds, including the current wait. */
    public long idleNanos() {
        return activity.idleNanos();
    }

    /**
     * Returns how long the current stretch of work (since the last poll returned) has lasted, in nanoseconds,
     * or 0 if the loop is polling or not running. A value above the blocked threshold means the loop is blocked.
     */
    public long currentStretchNanos() {
        return activity.currentStretchNanos();
    }

    @Override
    public String toString() {
        return "IOLoopStats[handlers=" + handlers() + ", pendingCallbacks=" + pendingCallbacks()
                + ", pendingTimeouts=" + pendingTimeouts() + ", iterations=" + iterations() + ", events=" + events()
                + ", errors=" + errors() + ", handlersClosed=" + handlersClosed() + ", blocked=" + blocked() + "]";
    }
}
