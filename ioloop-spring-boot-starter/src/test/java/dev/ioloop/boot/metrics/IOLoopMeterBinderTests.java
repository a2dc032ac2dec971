package dev.ioloop.boot.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.ioloop.IOLoop;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.distribution.CountAtBucket;
import io.micrometer.core.instrument.distribution.DistributionStatisticConfig;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The binder on a loop stepped by the test thread with {@code runOnce}: no loop thread, no Spring. */
@Timeout(30)
class IOLoopMeterBinderTests {

    private final IOLoop loop =
            IOLoop.builder().name("stepped").blockedThreshold(Duration.ZERO).build();
    private final IOLoopMeterBinder binder = new IOLoopMeterBinder(loop, null);

    @AfterEach
    void closeLoop() {
        loop.close();
    }

    @Test
    void utilizationIsOverFixedWindowsAndReadingItChangesNothing() {
        AtomicLong now = new AtomicLong();
        IOLoopMeterBinder windowed = new IOLoopMeterBinder(loop, null, now::get, Duration.ofSeconds(10));
        MeterRegistry first = new SimpleMeterRegistry();
        MeterRegistry second = new SimpleMeterRegistry();
        CompositeMeterRegistry composite = new CompositeMeterRegistry();
        composite.add(first);
        composite.add(second);
        windowed.bindTo(composite);
        assertThat(first.get("ioloop.utilization").gauge().value())
                .as("no loop time yet")
                .isZero();

        loop.addCallback(() -> spin(Duration.ofMillis(20)));
        loop.runOnce(Duration.ZERO);
        loop.runOnce(Duration.ofMillis(20)); // nothing to do: idle in poll
        double sinceStart = (double) loop.stats().busyNanos()
                / (loop.stats().busyNanos() + loop.stats().idleNanos());
        // Within the first window: the ratio since the binder was created, the same for every reader and read.
        for (int i = 0; i < 3; i++) {
            assertThat(first.get("ioloop.utilization").gauge().value()).isCloseTo(sinceStart, within(0.01));
            assertThat(second.get("ioloop.utilization").gauge().value()).isCloseTo(sinceStart, within(0.01));
        }

        now.addAndGet(Duration.ofSeconds(10).toNanos()); // the first window ends
        double window1 = first.get("ioloop.utilization").gauge().value();
        assertThat(window1).isCloseTo(sinceStart, within(0.01));
        // 50 ms of work in the second window: not seen until it ends, whoever reads meanwhile.
        loop.addCallback(() -> spin(Duration.ofMillis(50)));
        loop.runOnce(Duration.ZERO);
        assertThat(second.get("ioloop.utilization").gauge().value()).isEqualTo(window1);
        assertThat(first.get("ioloop.utilization").gauge().value()).isEqualTo(window1);
        now.addAndGet(Duration.ofSeconds(10).toNanos());
        double window2 = second.get("ioloop.utilization").gauge().value();
        assertThat(window2).as("only the second window's work").isGreaterThan(0.9);
        assertThat(first.get("ioloop.utilization").gauge().value()).isEqualTo(window2);
    }

    @Test
    void busyAndIdleTimeAreMonotonicCountersInSeconds() {
        MeterRegistry registry = new SimpleMeterRegistry();
        binder.bindTo(registry);
        loop.addCallback(() -> spin(Duration.ofMillis(20)));
        loop.runOnce(Duration.ZERO);
        loop.runOnce(Duration.ofMillis(20));
        FunctionCounter busy = registry.get("ioloop.busy.time").functionCounter();
        FunctionCounter idle = registry.get("ioloop.idle.time").functionCounter();
        assertThat(busy.getId().getBaseUnit()).isEqualTo("seconds");
        assertThat(busy.count()).isGreaterThanOrEqualTo(0.019);
        assertThat(idle.count()).isGreaterThanOrEqualTo(0.019);
        double before = busy.count();
        assertThat(busy.count()).as("reading changes nothing").isEqualTo(before);
        assertThat(registry.get("ioloop.blocked").functionCounter().getId().getBaseUnit())
                .as("no unit that Prometheus would append to the name")
                .isNull();
        assertThat(registry.get("ioloop.handlers.closed")
                        .functionCounter()
                        .getId()
                        .getBaseUnit())
                .isNull();
    }

    @Test
    void latencySamplesReachEveryRegistryTheBinderIsBoundTo() {
        MeterRegistry first = new SimpleMeterRegistry();
        MeterRegistry second = new SimpleMeterRegistry();
        binder.bindTo(first);
        binder.bindTo(second);
        loop.addCallback(() -> {});
        loop.runOnce(Duration.ZERO);
        assertThat(first.get("ioloop.latency").tag("loop", "stepped").timer().count())
                .isEqualTo(1);
        assertThat(second.get("ioloop.latency").tag("loop", "stepped").timer().count())
                .isEqualTo(1);
    }

    @Test
    void latencyPublishesNoHistogramUnlessAskedAndThenSpansMicrosecondsToSeconds() {
        // A registry for a backend that aggregates percentiles from buckets (a simple registry publishes none).
        MeterRegistry plain = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        binder.bindTo(plain);
        assertThat(plain.get("ioloop.latency").timer().takeSnapshot().histogramCounts())
                .isEmpty();

        MeterRegistry histogram = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        // What Boot's management.metrics.distribution.percentiles-histogram.ioloop.latency=true installs.
        histogram.config().meterFilter(new MeterFilter() {
            @Override
            public DistributionStatisticConfig configure(Meter.Id id, DistributionStatisticConfig config) {
                return DistributionStatisticConfig.builder()
                        .percentilesHistogram(true)
                        .build()
                        .merge(config);
            }
        });
        binder.bindTo(histogram);
        loop.addCallback(() -> {});
        loop.runOnce(Duration.ZERO);
        CountAtBucket[] buckets =
                histogram.get("ioloop.latency").timer().takeSnapshot().histogramCounts();
        assertThat(buckets).isNotEmpty();
        assertThat(buckets[0].bucket(TimeUnit.NANOSECONDS)).isEqualTo(1_000);
        assertThat(buckets[buckets.length - 1].bucket(TimeUnit.SECONDS)).isEqualTo(10);
        assertThat(buckets[buckets.length - 1].count()).as("the one sample").isEqualTo(1);
    }

    @Test
    void idleLoopRecordsNoLatency() {
        MeterRegistry registry = new SimpleMeterRegistry();
        binder.bindTo(registry);
        loop.runOnce(Duration.ofMillis(5));
        assertThat(registry.get("ioloop.latency").timer().count()).isZero();
        assertThat(registry.get("ioloop.iterations").functionCounter().count()).isEqualTo(1);
    }

    private static void spin(Duration duration) {
        long end = System.nanoTime() + duration.toNanos();
        while (System.nanoTime() - end < 0) {
            Thread.onSpinWait();
        }
    }
}
