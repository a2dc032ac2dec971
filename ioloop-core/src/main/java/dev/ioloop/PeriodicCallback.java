package dev.ioloop;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.DoubleSupplier;

/**
 * Runs a callback on a loop every {@code period} (Tornado's {@code PeriodicCallback}).
 *
 * <pre>{@code
 * PeriodicCallback heartbeat = new PeriodicCallback(loop, this::sendHeartbeat, Duration.ofSeconds(5));
 * heartbeat.start();
 * }</pre>
 *
 * <p>Schedule: the first run comes one period after {@link #start()}. Runs are on a fixed grid measured from
 * start to start: if a run overruns, the missed slots are skipped and the next run is the first grid slot
 * strictly after now, never two runs back to back. If the clock went backwards, the next run is the previous
 * deadline plus one period. With jitter {@code j}, each period is scaled by {@code 1 + j * (random - 0.5)},
 * which spreads out callbacks that would otherwise fire together. An exception from the callback goes to the
 * loop's {@link ErrorHandler} and the schedule goes on. There is never more than one pending run: a second
 * {@link #start()} is ignored, and {@link #stop()} then {@link #start()}, also from inside the callback, replaces
 * the schedule with a new one whose first run is one period later.
 *
 * <p>Threading: {@link #start()} and {@link #stop()} follow the loop's rule (the loop thread while it runs,
 * any one thread while it does not); {@link #isRunning()} is safe from any thread.
 */
public final class PeriodicCallback {

    private final IOLoop loop;
    private final Runnable callback;
    private final long periodNanos;
    private final double jitter;
    private final DoubleSupplier random;
    private volatile boolean running;
    private long nextDeadline;
    private Timeout timeout;

    /**
     * Creates a stopped periodic callback.
     *
     * @param loop the loop to run on
     * @param callback what to run
     * @param period the time between the starts of two runs; must be positive
     * @throws IllegalArgumentException if {@code period} is zero or negative
     */
    public PeriodicCallback(IOLoop loop, Runnable callback, Duration period) {
        this(loop, callback, period, 0.0);
    }

    /**
     * Creates a stopped periodic callback with jitter.
     *
     * @param jitter the fraction of the period by which each run may move, 0 for none (0.1 = +/- 5%)
     * @throws IllegalArgumentException if {@code period} is not positive or {@code jitter} is negative or not
     *     finite
     */
    public PeriodicCallback(IOLoop loop, Runnable callback, Duration period, double jitter) {
        this(loop, callback, period, jitter, () -> ThreadLocalRandom.current().nextDouble());
    }

    PeriodicCallback(IOLoop loop, Runnable callback, Duration period, double jitter, DoubleSupplier random) {
        this.loop = Objects.requireNonNull(loop, "loop");
        this.callback = Objects.requireNonNull(callback, "callback");
        Objects.requireNonNull(period, "period");
        if (period.isNegative() || period.isZero()) {
            throw new IllegalArgumentException("period must be > 0: " + period);
        }
        if (!(jitter >= 0) || Double.isInfinite(jitter)) {
            throw new IllegalArgumentException("jitter must be >= 0 and finite: " + jitter);
        }
        this.periodNanos = period.toNanos();
        this.jitter = jitter;
        this.random = random;
    }

    /**
     * Starts the schedule; the first run is one period from now. Ignored if already running. Called from
     * inside the callback after {@link #stop()}, it replaces the schedule: the run in progress schedules no
     * other.
     *
     * @throws IllegalStateException if called from another thread while the loop runs, or if the loop is closed;
     *     the callback then stays stopped, so a later {@code start()} is not ignored
     */
    public void start() {
        if (running) {
            return;
        }
        long now = loop.time();
        schedule(now, now);
        running = true;
    }

    /** Stops the schedule; a run already in progress finishes and schedules no other. Idempotent. */
    public void stop() {
        running = false;
        if (timeout != null) {
            timeout.cancel();
            timeout = null;
        }
    }

    /** Returns whether the schedule is started. */
    public boolean isRunning() {
        return running;
    }

    private void run() {
        if (!running) {
            return;
        }
        Timeout current = timeout;
        try {
            callback.run();
        } catch (Exception e) {
            loop.reportError(callback, e);
        } finally {
            // Not if the callback stopped the schedule, nor if it restarted it: start() scheduled the next run.
            if (running && timeout == current) {
                schedule(nextDeadline, loop.time());
            }
        }
    }

    /** Schedules the next run after {@code previous}; changes nothing if {@code callAt} throws. */
    private void schedule(long previous, long now) {
        long deadline = nextDeadline(previous, now, periodNanos, jitter, random.getAsDouble());
        timeout = loop.callAt(deadline, this::run);
        nextDeadline = deadline;
    }

    /**
     * The schedule as arithmetic (Tornado's {@code _update_next}).
     *
     * @param previous the previous deadline (at start: the start time)
     * @param now the current time
     * @param periodNanos the period
     * @param jitter the jitter fraction
     * @param random a uniform random number in [0, 1)
     * @return the next deadline, strictly after {@code now}
     */
    static long nextDeadline(long previous, long now, long periodNanos, double jitter, double random) {
        long period = periodNanos;
        if (jitter > 0) {
            period = Math.max(1, (long) (period * (1 + jitter * (random - 0.5))));
        }
        if (previous - now <= 0) {
            // Measured from start to start: skip the slots a long run missed, back onto the grid.
            return previous + ((now - previous) / period + 1) * period;
        }
        // The clock moved backwards: advance anyway rather than compute the same deadline again.
        return previous + period;
    }

    @Override
    public String toString() {
        return "PeriodicCallback[" + callback + " every " + Duration.ofNanos(periodNanos)
                + (jitter > 0 ? " jitter " + jitter : "") + (running ? ", running" : "") + "]";
    }
}
