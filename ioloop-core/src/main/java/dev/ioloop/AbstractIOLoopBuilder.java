package dev.ioloop;

import dev.ioloop.poller.Pollers;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.function.LongSupplier;

/**
 * The options of a new {@link IOLoop} (Tornado's {@code configure}), set through {@link IOLoop.Builder}, which
 * is the only subclass: {@code IOLoop.builder().name("io").blockedThreshold(Duration.ofMillis(200)).build()}.
 * Every option has a default, so {@code IOLoop.builder().build()} equals {@code new IOLoop()}.
 *
 * <p>A builder is not thread-safe; each option is checked when it is set, the poller name when the loop is built.
 *
 * @param <B> the builder type each setter returns
 */
public abstract class AbstractIOLoopBuilder<B extends AbstractIOLoopBuilder<B>> {

    String name;
    String poller = Pollers.DEFAULT;
    LongSupplier clock;
    ErrorHandler errorHandler;
    Executor defaultExecutor;
    LatencyListener latencyListener;
    BlockedLoopListener blockedListener;
    Duration blockedThreshold = Duration.ofSeconds(1);
    int handlerFailureLimit = IOLoop.DEFAULT_HANDLER_FAILURE_LIMIT;

    AbstractIOLoopBuilder() {}

    /** Sets the loop's name, used in logs, metric tags and thread names (default {@code ioloop-N}). */
    public B name(String name) {
        Objects.requireNonNull(name, "name");
        if (name.isBlank()) {
            throw new IllegalArgumentException("name must not be blank: '" + name + "'");
        }
        this.name = name;
        return self();
    }

    /**
     * Chooses the poller backend by name (default {@code "selector"}); see
     * {@link dev.ioloop.poller.Pollers#available()}. An unknown name fails in {@link IOLoop.Builder#build()} with the list
     * of available ones.
     */
    public B poller(String name) {
        this.poller = Objects.requireNonNull(name, "poller");
        return self();
    }

    /**
     * Sets the clock of {@link IOLoop#time()} and of timeouts, in nanoseconds (default
     * {@link System#nanoTime()}); for tests. It must be monotonic and safe from any thread.
     */
    public B clock(LongSupplier nanoClock) {
        this.clock = Objects.requireNonNull(nanoClock, "clock");
        return self();
    }

    /** Sets the error handler (default {@link ErrorHandler#logging()}). */
    public B errorHandler(ErrorHandler handler) {
        this.errorHandler = Objects.requireNonNull(handler, "errorHandler");
        return self();
    }

    /**
     * Sets the executor of {@link IOLoop#runInExecutor} with {@code null} (default: a pool of 5 x CPUs
     * daemon threads, created on first use and shut down by {@link IOLoop#close()}).
     */
    public B defaultExecutor(Executor executor) {
        this.defaultExecutor = Objects.requireNonNull(executor, "defaultExecutor");
        return self();
    }

    /**
     * Sets a listener of loop-latency samples (default none), the one {@link IOLoop#setLatencyListener} later
     * replaces; {@link IOLoop#addLatencyListener} adds more. See {@link LatencyListener}.
     */
    public B latencyListener(LatencyListener listener) {
        this.latencyListener = listener;
        return self();
    }

    /**
     * Sets how many times in a row an {@link FdHandler} may throw before the loop takes its channel off the
     * loop and closes it (default {@value IOLoop#DEFAULT_HANDLER_FAILURE_LIMIT}); 0 turns the policy off.
     *
     * <p>Why: the loop is level-triggered, so a handler that throws before it consumes its channel's
     * readiness is called again on the next iteration, and the next, spinning the loop thread for as long as
     * the channel stays ready. Every failure still goes to the {@linkplain #errorHandler error handler} first;
     * a call that returns normally resets the count. When the limit is reached the loop removes the handler,
     * closes the channel, counts it in {@link IOLoopStats#handlersClosed()} and logs one WARN (rate-limited
     * like the error log). With 0 the loop behaves like Tornado and calls a failing handler forever. A
     * handler whose failures are expected and transient (e.g. {@code accept} failing with "Too many open
     * files") should catch them itself rather than rely on this policy.
     *
     * @param limit consecutive failures, {@code >= 0}
     * @throws IllegalArgumentException if {@code limit} is negative
     */
    public B handlerFailureLimit(int limit) {
        if (limit < 0) {
            throw new IllegalArgumentException("handlerFailureLimit must be >= 0 (0 turns it off): " + limit);
        }
        this.handlerFailureLimit = limit;
        return self();
    }

    /**
     * Sets a listener told of blocked stretches (default none; stretches are logged and counted either way), the one
     * {@link IOLoop#setBlockedListener} later replaces; {@link IOLoop#addBlockedListener} adds more.
     */
    public B blockedListener(BlockedLoopListener listener) {
        this.blockedListener = listener;
        return self();
    }

    /**
     * Sets how long one stretch of work between two polls may run before the watchdog logs the loop
     * thread's stack and counts it (default 1 s); {@link Duration#ZERO} turns the watchdog off.
     * A stretch is reported within about the threshold plus a quarter of it (at least 10 ms). The watchdog thread
     * checks every quarter threshold while a loop works, and sleeps without a deadline once every loop
     * has been idle for a threshold (the loop wakes it when poll returns), so an idle process pays no
     * periodic wakeups for it.
     *
     * @throws IllegalArgumentException if negative
     */
    public B blockedThreshold(Duration threshold) {
        Objects.requireNonNull(threshold, "blockedThreshold");
        if (threshold.isNegative()) {
            throw new IllegalArgumentException("blockedThreshold must be >= 0: " + threshold);
        }
        this.blockedThreshold = threshold;
        return self();
    }

    abstract B self();

    /** Copies every option but the name to {@code target}; for {@link IOLoopGroup}, which builds one loop each. */
    final IOLoop.Builder copyTo(IOLoop.Builder target) {
        target.poller = poller;
        target.clock = clock;
        target.errorHandler = errorHandler;
        target.defaultExecutor = defaultExecutor;
        target.latencyListener = latencyListener;
        target.blockedListener = blockedListener;
        target.blockedThreshold = blockedThreshold;
        target.handlerFailureLimit = handlerFailureLimit;
        return target;
    }
}
