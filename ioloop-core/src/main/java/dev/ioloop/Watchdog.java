package dev.ioloop;

import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The blocked-loop watchdog: one daemon thread per process that looks at every running loop with a blocked
 * threshold and reports a stretch of work (between two polls) that lasts longer than that threshold, once per
 * stretch. Time a loop spends idle in poll never counts.
 *
 * <p>A loop is watched from its first start until it is closed. While some loop is at work the thread checks
 * every quarter of the smallest threshold, and once per threshold while every loop sleeps in poll (at least
 * 10 ms, at most 1 s apart). It never wakes a loop.
 *
 * <p><b>Dormant.</b> Once every watched loop has been quiet (polling or not running, with no iteration) for at
 * least its threshold, the thread parks with no deadline, so an idle process pays no periodic wakeup. A loop
 * needs no watching then: a stretch of work can only start when the loop returns from poll (or starts), and
 * at that point the loop reads {@link #wakeIfDormant()}'s flag and unparks the watchdog, which then checks
 * as above: a stretch that starts while the watchdog is dormant is still reported within about the
 * threshold (plus a quarter). The hand-off is a Dekker pair on two volatiles: the loop writes its
 * {@link LoopActivity}'s stretch stamp then reads {@link #dormant}; the watchdog writes {@code dormant} then re-reads
 * every loop's stretch stamp, and parks only if all are still 0; so either the loop sees the flag and
 * unparks, or the watchdog sees the stretch and does not park. Requiring a quiet threshold first bounds the
 * unparks a loop pays to about one per threshold: a loop that wakes often keeps the watchdog on its timed
 * checks instead, and pays a volatile read per poll.
 */
final class Watchdog implements Runnable {

    private static final Logger log = LoggerFactory.getLogger(Watchdog.class);
    private static final Watchdog INSTANCE = new Watchdog();
    private static final long MIN_WAIT_NANOS = TimeUnit.MILLISECONDS.toNanos(10);
    private static final long MAX_WAIT_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final CopyOnWriteArrayList<Watched> loops = new CopyOnWriteArrayList<>();
    private final AtomicLong checks = new AtomicLong();
    private final AtomicLong loopWakeups = new AtomicLong();
    /** True while the thread is parked (or about to park) with no deadline; see the class comment. */
    private volatile boolean dormant;

    private volatile Thread thread;

    /** A watched loop and, for the watchdog thread only, since when it has been quiet and what it reported. */
    private static final class Watched {
        final IOLoop loop;
        final LoopActivity activity;
        final ListenerList<BlockedLoopListener> listeners;
        long iterations = -1;
        long quietSinceNanos;
        /** The stamp of the stretch reported last: each stretch is reported once. */
        long lastBlockedStretch;

        Watched(IOLoop loop, LoopActivity activity, ListenerList<BlockedLoopListener> listeners) {
            this.loop = loop;
            this.activity = activity;
            this.listeners = listeners;
        }
    }

    static Watchdog get() {
        return INSTANCE;
    }

    void watch(IOLoop loop, LoopActivity activity, ListenerList<BlockedLoopListener> listeners) {
        loops.add(new Watched(loop, activity, listeners));
        synchronized (this) {
            if (thread == null || !thread.isAlive()) {
                Thread t = new Thread(this, "ioloop-watchdog");
                t.setDaemon(true);
                thread = t;
                t.start();
            } else {
                LockSupport.unpark(thread);
            }
        }
    }

    void unwatch(IOLoop loop) {
        loops.removeIf(w -> w.loop == loop);
    }

    /**
     * Called by a watched loop's thread right after the loop's {@code stretchStartNanos} became non-zero (poll
     * returned, or the loop started): unparks a dormant watchdog. One volatile read when it is not dormant.
     */
    static void wakeIfDormant() {
        Watchdog w = INSTANCE;
        if (w.dormant) {
            w.dormant = false;
            w.loopWakeups.incrementAndGet();
            LockSupport.unpark(w.thread);
        }
    }

    /** Returns how many loop checks the watchdog has made; for tests that wait for it to look. */
    long checks() {
        return checks.get();
    }

    /** Returns whether the watchdog is parked with no deadline because every loop is quiet; for tests. */
    boolean isDormant() {
        return dormant;
    }

    /** Returns how many times a loop unparked the dormant watchdog; for tests. */
    long loopWakeups() {
        return loopWakeups.get();
    }

    @Override
    public void run() {
        while (true) {
            long interval = Long.MAX_VALUE;
            boolean allPolling = true;
            boolean allQuiet = true;
            for (Watched w : loops) {
                IOLoop loop = w.loop;
                check(w);
                checks.incrementAndGet();
                long now = System.nanoTime();
                long iterations = loop.stats().iterations();
                if (iterations != w.iterations) {
                    w.iterations = iterations;
                    w.quietSinceNanos = now;
                }
                boolean polling = w.activity.stretchStartNanos() == 0;
                allPolling &= polling;
                allQuiet &= polling && now - w.quietSinceNanos >= loop.blockedThresholdNanos();
                interval = Math.min(interval, loop.blockedThresholdNanos());
            }
            if (allQuiet) {
                // No loop (park until watch()), or every loop quiet for a threshold: park until a loop wakes.
                dormant = true;
                if (allPolling()) {
                    LockSupport.park(this);
                }
                dormant = false;
                continue;
            }
            // A loop at work is looked at every quarter threshold; when every loop sleeps in poll, once per
            // threshold is enough (a stretch that starts meanwhile is still caught, at most one threshold late).
            long wait = allPolling ? interval : interval / 4;
            LockSupport.parkNanos(this, Math.max(MIN_WAIT_NANOS, Math.min(wait, MAX_WAIT_NANOS)));
        }
    }

    /** The watchdog's half of the Dekker pair: re-reads every loop's stretch after {@code dormant} was set. */
    private boolean allPolling() {
        for (Watched w : loops) {
            if (w.activity.stretchStartNanos() != 0) {
                return false;
            }
        }
        return true;
    }

    private static void check(Watched w) {
        IOLoop loop = w.loop;
        // Loops stay watched from their first start until close; one that is not running has no stretch.
        long start = w.activity.stretchStartNanos();
        if (start == 0 || start == w.lastBlockedStretch) {
            return;
        }
        long stretch = System.nanoTime() - start;
        if (stretch <= loop.blockedThresholdNanos()) {
            return;
        }
        Thread loopThread = loop.thread();
        if (loopThread == null || w.activity.stretchStartNanos() != start) {
            return; // the stretch ended while we looked
        }
        w.lastBlockedStretch = start;
        w.activity.blockedOnce();
        Throwable where = new Throwable("stack of " + loopThread.getName());
        where.setStackTrace(loopThread.getStackTrace());
        log.warn(
                "IOLoop '{}' is blocked: one stretch of work has run for {} ms (threshold {} ms) on thread {}",
                loop.name(),
                TimeUnit.NANOSECONDS.toMillis(stretch),
                TimeUnit.NANOSECONDS.toMillis(loop.blockedThresholdNanos()),
                loopThread.getName(),
                where);
        for (Object target : w.listeners.array()) {
            BlockedLoopListener listener = (BlockedLoopListener) target;
            try {
                listener.onBlocked(loop, loopThread, stretch);
            } catch (RuntimeException e) {
                log.warn("BlockedLoopListener {} failed", listener, e);
            }
        }
    }
}
