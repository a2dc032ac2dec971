package dev.ioloop;

/**
 * Told when a loop has been busy with one stretch of work (between two polls) for longer than its blocked
 * threshold; see {@link IOLoop.Builder#blockedThreshold}.
 *
 * <p>Called once per blocked stretch, on the watchdog thread (a daemon thread named {@code ioloop-watchdog},
 * one per process), while the loop may still be blocked: do not wait for the loop here. The watchdog logs the
 * loop thread's stack and counts the stretch in {@link IOLoopStats#blocked()} whether or not a listener is set.
 * A {@link RuntimeException} from the listener is logged and otherwise ignored.
 */
@FunctionalInterface
public interface BlockedLoopListener {

    /**
     * Reports one blocked stretch.
     *
     * @param loop the blocked loop
     * @param loopThread the thread running it; its stack shows what blocks it
     * @param blockedNanos how long the current stretch of work had lasted when it was noticed, in nanoseconds
     *     of {@link System#nanoTime()} (whatever clock the loop's timers use)
     */
    void onBlocked(IOLoop loop, Thread loopThread, long blockedNanos);
}
