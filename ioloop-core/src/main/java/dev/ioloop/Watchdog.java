package dev.ioloop;

import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The blocked-loop watchdog: one daemon thread per process that looks at every running loop with a blocked
 * threshold and reports a stretch of work (between two polls) that lasts longer than that threshold, once per
 * stretch. Time a loop spends idle in poll never counts.
 *
 * <p>A loop is watched from its first start until it is closed. The thread parks indefinitely while no loop is
 * watched; otherwise it checks every quarter of the smallest threshold while some loop is at work, and once per
 * threshold while every loop sleeps in poll (at least 10 ms, at most 1 s apart). It never wakes a loop.
 */
final class Watchdog implements Runnable {

    private static final Logger log = LoggerFactory.getLogger(Watchdog.class);
    private static final Watchdog INSTANCE = new Watchdog();

    private final CopyOnWriteArrayList<IOLoop> loops = new CopyOnWriteArrayList<>();
    private final java.util.concurrent.atomic.AtomicLong checks = new java.util.concurrent.atomic.AtomicLong();
    private Thread thread;

    static Watchdog get() {
        return INSTANCE;
    }

    void watch(IOLoop loop) {
        loops.add(loop);
        synchronized (this) {
            if (thread == null || !thread.isAlive()) {
                thread = new Thread(this, "ioloop-watchdog");
                thread.setDaemon(true);
                thread.start();
            } else {
                LockSupport.unpark(thread);
            }
        }
    }

    /** Returns how many loop checks the watchdog has made; for tests that wait for it to look. */
    long checks() {
        return checks.get();
    }

    void unwatch(IOLoop loop) {
        loops.remove(loop);
    }

    @Override
    public void run() {
        while (true) {
            long interval = Long.MAX_VALUE;
            boolean allPolling = true;
            for (IOLoop loop : loops) {
                check(loop);
                checks.incrementAndGet();
                boolean polling = loop.stats().stretchStartNanos == 0;
                allPolling &= polling;
                interval = Math.min(interval, loop.blockedThresholdNanos());
            }
            if (interval == Long.MAX_VALUE) {
                LockSupport.park(this);
                continue;
            }
            // A loop at work is looked at every quarter threshold; when every loop sleeps in poll, once per
            // threshold is enough (a stretch that starts meanwhile is still caught, at most one threshold late),
            // which keeps an idle process's wakeups down.
            long wait = allPolling ? interval : interval / 4;
            LockSupport.parkNanos(this, Math.max(TimeUnit.MILLISECONDS.toNanos(10),
                    Math.min(wait, TimeUnit.SECONDS.toNanos(1))));
        }
    }

    private static void check(IOLoop loop) {
        IOLoopStats stats = loop.stats();
        // Loops stay watched from their first start until close; one that is not running has no stretch.
        long start = stats.stretchStartNanos;
        if (start == 0 || start == loop.lastBlockedStretch) {
            return;
        }
        long stretch = System.nanoTime() - start;
        if (stretch <= loop.blockedThresholdNanos()) {
            return;
        }
        Thread loopThread = loop.thread();
        if (loopThread == null || stats.stretchStartNanos != start) {
            return; // the stretch ended while we looked
        }
        loop.lastBlockedStretch = start;
        stats.blockedOnce();
        Throwable where = new Throwable("stack of " + loopThread.getName());
        where.setStackTrace(loopThread.getStackTrace());
        log.warn("IOLoop '{}' is blocked: one stretch of work has run for {} ms (threshold {} ms) on thread {}",
                loop.name(), TimeUnit.NANOSECONDS.toMillis(stretch),
                TimeUnit.NANOSECONDS.toMillis(loop.blockedThresholdNanos()), loopThread.getName(), where);
        BlockedLoopListener listener = loop.blockedListener();
        if (listener != null) {
            try {
                listener.onBlocked(loop, loopThread, stretch);
            } catch (RuntimeException e) {
                log.warn("BlockedLoopListener {} failed", listener, e);
            }
        }
    }
}
