package dev.ioloop.boot.metrics;

import dev.ioloop.IOLoop;
import dev.ioloop.IOLoopStats;
import dev.ioloop.ListenerRegistration;
import dev.ioloop.boot.IoHandlerRegistrar;
import dev.ioloop.boot.IoHandlerRegistration;
import dev.ioloop.net.TCPServer;
import dev.ioloop.stream.StreamCounters;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.BaseUnits;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.function.ToDoubleFunction;
import org.jspecify.annotations.Nullable;

/**
 * Binds the meters of one {@link IOLoop}, each tagged {@code loop=<loop name>}:
 * <ul>
 *   <li>{@code ioloop.latency} (timer): how late the loop started ready work, one sample per iteration that
 *       ran work, fed by a {@code LatencyListener} added to the loop (other listeners on the loop keep working); an idle loop records nothing and is never woken
 *       to measure. It publishes no histogram by default; switched on with Boot's
 *       {@code management.metrics.distribution.percentiles-histogram.ioloop.latency=true} (as the Grafana dashboard's
 *       percentiles need), its buckets span 1 &micro;s to 10 s.</li>
 *   <li>{@code ioloop.handlers}, {@code ioloop.callbacks.pending}, {@code ioloop.timeouts.pending} (gauges).</li>
 *   <li>{@code ioloop.iterations}, {@code ioloop.events}, {@code ioloop.errors}, {@code ioloop.blocked},
 *       {@code ioloop.handlers.closed} (function counters).</li>
 *   <li>{@code ioloop.busy.time}, {@code ioloop.idle.time} (function counters, seconds): the loop's time spent
 *       working and waiting in poll since it was created. A backend computes utilization over any interval from
 *       their rates: {@code rate(busy) / (rate(busy) + rate(idle))}.</li>
 *   <li>{@code ioloop.utilization} (gauge, 0..1): busy time over busy plus idle time over the last complete window of
 *       10 s (until the first window ends: since the binder was created). Reading it has no effect: every reader,
 *       in every registry, sees the same value.</li>
 *   <li>{@code ioloop.handler.calls} (function counter, extra tag {@code handler=<bean name>}): calls of each
 *       {@code @IoHandler} bean that is an {@code FdHandler}; for a {@code StreamHandler} bean, the connections it
 *       was handed.</li>
 *   <li>For each {@code @IoHandler} bean that is a {@code StreamHandler}, tagged {@code handler=<bean name>} too:
 *       {@code ioloop.streams.open} (gauge: its connections open now), {@code ioloop.streams.bytes.read} and
 *       {@code ioloop.streams.bytes.written} (function counters, base unit bytes: read from and handed to the
 *       kernel over all its connections, closed ones included).</li>
 * </ul>
 * Reading a meter reads the loop's lock-free {@link IOLoopStats}: it never blocks the loop, never wakes it,
 * and starts no thread.
 */
public class IOLoopMeterBinder implements MeterBinder {

    /** The window {@code ioloop.utilization} is computed over. */
    static final Duration UTILIZATION_WINDOW = Duration.ofSeconds(10);

    /** The smallest bucket of {@code ioloop.latency}'s percentile histogram, when one is published. */
    static final Duration LATENCY_HISTOGRAM_MIN = Duration.ofNanos(1_000);

    /** The largest finite bucket of {@code ioloop.latency}'s percentile histogram, when one is published. */
    static final Duration LATENCY_HISTOGRAM_MAX = Duration.ofSeconds(10);

    private final IOLoop loop;
    private final @Nullable IoHandlerRegistrar registrar;
    private final List<Timer> latencyTimers = new CopyOnWriteArrayList<>();
    private @Nullable ListenerRegistration latencyListener; // guarded by this: one listener for every registry
    private final LongSupplier clock;
    private final long windowNanos;
    // The utilization window, guarded by this.
    private long windowStart;
    private long windowBusy;
    private long windowIdle;
    private double lastUtilization = Double.NaN;

    /**
     * Creates a binder.
     *
     * @param loop the loop to measure
     * @param registrar whose {@code @IoHandler} beans get an {@code ioloop.handler.calls} counter, or
     *     {@code null}
     */
    public IOLoopMeterBinder(IOLoop loop, @Nullable IoHandlerRegistrar registrar) {
        this(loop, registrar, System::nanoTime, UTILIZATION_WINDOW);
    }

    /** A binder whose utilization windows are {@code window} long on {@code clock}; for tests. */
    IOLoopMeterBinder(IOLoop loop, @Nullable IoHandlerRegistrar registrar, LongSupplier clock, Duration window) {
        this.loop = loop;
        this.registrar = registrar;
        this.clock = clock;
        this.windowNanos = window.toNanos();
        this.windowStart = clock.getAsLong();
        this.windowBusy = loop.stats().busyNanos();
        this.windowIdle = loop.stats().idleNanos();
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        Tags tags = Tags.of("loop", loop.name());
        // No histogram unless the application asks for one (Boot's
        // management.metrics.distribution.percentiles-histogram.ioloop.latency); when it does, its buckets span the
        // loop's range, microseconds to seconds, rather than a timer's default of 1 ms to 30 s, whose first bucket
        // would hold nearly every sample of a healthy loop.
        latencyTimers.add(Timer.builder("ioloop.latency")
                .description("How late the loop started work that was ready, one sample per iteration that ran work")
                .tags(tags)
                .minimumExpectedValue(LATENCY_HISTOGRAM_MIN)
                .maximumExpectedValue(LATENCY_HISTOGRAM_MAX)
                .register(registry));
        synchronized (this) {
            if (latencyListener == null) {
                latencyListener = loop.addLatencyListener(this::recordLatency);
            }
        }
        gauge(registry, tags, "ioloop.handlers", "Channels with a handler registered now", null, s -> s.handlers());
        gauge(
                registry,
                tags,
                "ioloop.callbacks.pending",
                "Callbacks queued and not yet run",
                BaseUnits.TASKS,
                IOLoopStats::pendingCallbacks);
        gauge(
                registry,
                tags,
                "ioloop.timeouts.pending",
                "Timeouts scheduled and neither run nor cancelled",
                BaseUnits.TASKS,
                IOLoopStats::pendingTimeouts);
        counter(registry, tags, "ioloop.iterations", "Loop iterations (polls)", null, IOLoopStats::iterations);
        counter(registry, tags, "ioloop.events", "I/O events dispatched to handlers", null, IOLoopStats::events);
        counter(
                registry,
                tags,
                "ioloop.errors",
                "Exceptions from callbacks, timeouts and handlers",
                null,
                IOLoopStats::errors);
        counter(
                registry,
                tags,
                "ioloop.blocked",
                "Stretches of work that ran past the blocked threshold",
                null,
                IOLoopStats::blocked);
        counter(
                registry,
                tags,
                "ioloop.handlers.closed",
                "Channels closed by the loop because their handler failed too many times in a row",
                null,
                IOLoopStats::handlersClosed);
        counter(
                registry,
                tags,
                "ioloop.busy.time",
                "Time the loop spent working (callbacks, timeouts, handlers) since it was created",
                "seconds",
                st -> st.busyNanos() / 1e9);
        counter(
                registry,
                tags,
                "ioloop.idle.time",
                "Time the loop spent waiting in poll since it was created",
                "seconds",
                st -> st.idleNanos() / 1e9);
        Gauge.builder("ioloop.utilization", this, IOLoopMeterBinder::utilization)
                .description("Busy time over busy plus idle time of the loop over the last complete window of 10 s, "
                        + "0..1")
                .tags(tags)
                .strongReference(true)
                .register(registry);
        if (registrar != null) {
            registrar.whenRegistered(registration -> handlerCalls(registry, tags, registration));
        }
    }

    /**
     * Returns the share of time the loop was busy, 0..1, over the last complete utilization window (10 s; until the
     * first window ends, since the binder was created); 0 when no loop time passed, for example while the loop does
     * not run. A read changes nothing: every caller within one window gets the same value.
     */
    public synchronized double utilization() {
        IOLoopStats stats = loop.stats();
        long now = clock.getAsLong();
        if (now - windowStart >= windowNanos || Double.isNaN(lastUtilization)) {
            long busy = stats.busyNanos();
            long idle = stats.idleNanos();
            long busyDelta = busy - windowBusy;
            long total = busyDelta + (idle - windowIdle);
            double value = total <= 0 ? 0.0 : Math.min(1.0, Math.max(0.0, (double) busyDelta / total));
            if (now - windowStart >= windowNanos) {
                windowStart = now;
                windowBusy = busy;
                windowIdle = idle;
                lastUtilization = value;
            } else {
                return value; // the first window is not over: the ratio since the binder was created
            }
        }
        return lastUtilization;
    }

    /**
     * Takes the binder's latency listener off the loop (the meters stay registered and stop recording latency);
     * Spring calls it when the context closes. Binding again adds it back.
     */
    public synchronized void close() {
        if (latencyListener != null) {
            latencyListener.remove();
            latencyListener = null;
        }
    }

    private void recordLatency(long nanos) {
        for (Timer timer : latencyTimers) {
            timer.record(nanos, TimeUnit.NANOSECONDS);
        }
    }

    private void gauge(
            MeterRegistry registry,
            Tags tags,
            String name,
            String description,
            @Nullable String unit,
            ToDoubleFunction<IOLoopStats> value) {
        Gauge.builder(name, loop.stats(), value)
                .description(description)
                .baseUnit(unit)
                .tags(tags)
                .strongReference(true)
                .register(registry);
    }

    private void counter(
            MeterRegistry registry,
            Tags tags,
            String name,
            String description,
            @Nullable String unit,
            ToDoubleFunction<IOLoopStats> value) {
        FunctionCounter.builder(name, loop.stats(), value)
                .description(description)
                .baseUnit(unit)
                .tags(tags)
                .register(registry);
    }

    private static void handlerCalls(MeterRegistry registry, Tags tags, IoHandlerRegistration registration) {
        Tags handlerTags = tags.and("handler", registration.beanName());
        FunctionCounter.builder("ioloop.handler.calls", registration, IoHandlerRegistration::calls)
                .description("Times the loop called the @IoHandler bean with ready events (for a StreamHandler: "
                        + "connections handed to it)")
                .tags(handlerTags)
                .register(registry);
        TCPServer server = registration.streamServer();
        if (server == null) {
            return;
        }
        StreamCounters counters = server.counters();
        Gauge.builder("ioloop.streams.open", counters, StreamCounters::open)
                .description("Connections of the @IoHandler StreamHandler bean open now")
                .tags(handlerTags)
                .register(registry);
        FunctionCounter.builder("ioloop.streams.bytes.read", counters, StreamCounters::bytesRead)
                .description("Bytes read from the connections of the @IoHandler StreamHandler bean")
                .baseUnit("bytes")
                .tags(handlerTags)
                .register(registry);
        FunctionCounter.builder("ioloop.streams.bytes.written", counters, StreamCounters::bytesWritten)
                .description("Bytes the kernel took for the connections of the @IoHandler StreamHandler bean")
                .baseUnit("bytes")
                .tags(handlerTags)
                .register(registry);
    }
}
