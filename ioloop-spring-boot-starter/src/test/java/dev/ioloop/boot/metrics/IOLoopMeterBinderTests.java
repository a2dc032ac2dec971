package dev.ioloop.boot.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.ioloop.IOLoop;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
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
    void utilizationIsBusyOverBusyPlusIdleSinceThePreviousRead() {
        MeterRegistry registry = new SimpleMeterRegistry();
        binder.bindTo(registry);
        assertThat(registry.get("ioloop.utilization").gauge().value())
                .as("no loop time yet")
                .isZero();
        loop.addCallback(() -> spin(Duration.ofMillis(20)));
        loop.runOnce(Duration.ZERO);
        loop.runOnce(Duration.ofMillis(20)); // nothing to do: idle in poll
        double first = registry.get("ioloop.utilization").gauge().value();
        assertThat(first).isStrictlyBetween(0.0, 1.0);
        double busy = (double) loop.stats().busyNanos()
                / (loop.stats().busyNanos() + loop.stats().idleNanos());
        assertThat(first).as("the first read covers the time since start").isCloseTo(busy, within(0.01));
        assertThat(registry.get("ioloop.utilization").gauge().value())
                .as("nothing since the previous read")
                .isZero();
        // 50 ms of work against a poll that does not wait: a preemption inside that poll (which counts as idle)
        // would need more than 5 ms to bring the ratio under 0.9, on however loaded a machine.
        loop.addCallback(() -> spin(Duration.ofMillis(50)));
        loop.runOnce(Duration.ZERO);
        assertThat(registry.get("ioloop.utilization").gauge().value())
                .as("only work since the previous read")
                .isGreaterThan(0.9);
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
