package dev.ioloop;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * Where a loop thread's time goes: <em>stretches</em> of work (from a poll's return, or the loop's start, to the
 * next poll) and <em>sleeps</em> in poll. It keeps the busy and idle totals of {@link IOLoopStats} and the stamp
 * of the current stretch that the watchdog reads to find a blocked loop; it also puts a loop with a blocked
 * threshold on the watchdog's list, and wakes a dormant watchdog when a stretch begins.
 *
 * <p>The loop thread is the only writer, except of the count of blocked stretches, which the watchdog keeps here.
 * The two stamps are {@code System.nanoTime()} values, 0 when there is no
 * stretch (or no sleep) in progress (a real stamp of 0 is stored as 1). The stretch stamp is one half of the
 * hand-off with a dormant watchdog: the loop writes it, then reads the watchdog's flag (see {@link Watchdog}).
 */
final class LoopActivity extends LoopActivityFields {

    @SuppressWarnings("unused") // keeps the loop's stores off the cache line of the next object
    private long q0, q1, q2, q3, q4, q5, q6, q7;

    /**
     * The loop thread entered {@code start()} or {@code runOnce()}: a stretch begins. The first time, a loop with
     * a blocked threshold joins the watchdog (once per loop until close, not per start: {@code runOnce} steps
     * must not pay for it each time); afterwards a dormant watchdog is woken to look again.
     */
    void entered(IOLoop loop, ListenerList<BlockedLoopListener> blockedListeners) {
        stretchStartNanos = nonZero(System.nanoTime());
        if (watched) {
            Watchdog.wakeIfDormant();
        } else if (loop.blockedThresholdNanos() > 0) {
            watched = true;
            Watchdog.get().watch(loop, this, blockedListeners);
        }
    }

    /** The loop is closed: the watchdog forgets it. */
    void closed(IOLoop loop) {
        if (watched) {
            Watchdog.get().unwatch(loop);
            watched = false;
        }
    }

    /** The loop thread leaves {@code start()} or {@code runOnce()}: the stretch ends, and no sleep goes on. */
    void exited() {
        long start = stretchStartNanos;
        if (start != 0) {
            addBusy(System.nanoTime() - start);
        }
        stretchStartNanos = 0;
        sleepStartNanos = 0;
    }

    /**
     * The stretch ends because the loop is about to poll.
     *
     * @return the clock read that ended it, the poll's start
     */
    long workEnded() {
        long pollStart = System.nanoTime();
        addBusy(pollStart - stretchStartNanos);
        stretchStartNanos = 0;
        return pollStart;
    }

    /** The poll that started at {@code pollStart} may block: the loop is asleep from then on. */
    void sleeping(long pollStart) {
        sleepStartNanos = nonZero(pollStart);
    }

    /** The poll that started at {@code pollStart} returned: the time since was idle, and a stretch begins. */
    void pollReturned(long pollStart) {
        long pollEnd = System.nanoTime();
        sleepStartNanos = 0;
        addIdle(pollEnd - pollStart);
        stretchStartNanos = nonZero(pollEnd);
        if (watched) {
            Watchdog.wakeIfDormant(); // after the stretch stamp's volatile write: see Watchdog's class comment
        }
    }

    /** When the current stretch began, or 0 while the loop polls or does not run; any thread. */
    long stretchStartNanos() {
        return stretchStartNanos;
    }

    /** Busy nanoseconds so far, the current stretch included; any thread. */
    long busyNanos() {
        long start = stretchStartNanos;
        long busy = (long) TOTALS.getOpaque(totals, BUSY);
        return start == 0 ? busy : busy + Math.max(0, System.nanoTime() - start);
    }

    /** Idle nanoseconds so far, the current sleep included; any thread. */
    long idleNanos() {
        long start = sleepStartNanos;
        long idle = (long) TOTALS.getOpaque(totals, IDLE);
        return start == 0 ? idle : idle + Math.max(0, System.nanoTime() - start);
    }

    /** Blocked stretches the watchdog has noticed; any thread. */
    long blocked() {
        return blocked;
    }

    /** Counts one blocked stretch; the watchdog thread is the only caller. */
    void blockedOnce() {
        blocked++;
    }

    /** How long the current stretch has lasted, or 0 while the loop polls or does not run; any thread. */
    long currentStretchNanos() {
        long start = stretchStartNanos;
        return start == 0 ? 0 : Math.max(0, System.nanoTime() - start);
    }

    private void addBusy(long nanos) {
        TOTALS.setOpaque(totals, BUSY, (long) TOTALS.getOpaque(totals, BUSY) + nanos);
    }

    private void addIdle(long nanos) {
        TOTALS.setOpaque(totals, IDLE, (long) TOTALS.getOpaque(totals, IDLE) + nanos);
    }

    private static long nonZero(long nanos) {
        return nanos == 0 ? 1 : nanos;
    }
}

/** The padding before {@link LoopActivity}'s fields, which the loop thread writes twice per iteration. */
@SuppressWarnings("unused")
abstract class LoopActivityPad {
    private long p0, p1, p2, p3, p4, p5, p6, p7;
}

/** {@link LoopActivity}'s fields, between two pads. */
abstract class LoopActivityFields extends LoopActivityPad {
    static final VarHandle TOTALS = MethodHandles.arrayElementVarHandle(long[].class);
    static final int BUSY = 0;
    static final int IDLE = 1;

    final long[] totals = new long[2];
    volatile long stretchStartNanos;
    volatile long sleepStartNanos;
    /** Whether the loop is on the watchdog's list; loop thread only. */
    boolean watched;
    /** Written by the watchdog thread only. */
    volatile long blocked;
}
