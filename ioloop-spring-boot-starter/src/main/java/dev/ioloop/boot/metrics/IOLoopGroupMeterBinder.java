package dev.ioloop.boot.metrics;

import dev.ioloop.IOLoop;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.List;

/**
 * Binds the loop meters of {@link IOLoopMeterBinder} for the other loops of an {@link dev.ioloop.IOLoopGroup} (the
 * first loop has its own binder, which also binds the {@code @IoHandler} meters): every meter tagged
 * {@code loop=<that loop's name>}, so {@code /actuator/metrics/ioloop.latency?tag=loop:ioloop-1} shows one loop, and
 * the meter without the tag the sum (or, for the timer, the whole) over the loops. {@link #close()} removes the
 * binders' latency listeners.
 */
public class IOLoopGroupMeterBinder implements MeterBinder, AutoCloseable {

    private final List<IOLoopMeterBinder> binders;

    /**
     * Creates a binder.
     *
     * @param loops the loops to measure, each with its own {@link IOLoopMeterBinder}
     */
    public IOLoopGroupMeterBinder(List<IOLoop> loops) {
        this.binders = loops.stream().map(l -> new IOLoopMeterBinder(l, null)).toList();
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        binders.forEach(b -> b.bindTo(registry));
    }

    @Override
    public void close() {
        binders.forEach(IOLoopMeterBinder::close);
    }
}
