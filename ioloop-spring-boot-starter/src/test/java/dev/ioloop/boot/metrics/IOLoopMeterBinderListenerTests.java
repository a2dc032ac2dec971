package dev.ioloop.boot.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ioloop.IOLoop;
import dev.ioloop.ListenerRegistration;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The binder adds its latency listener next to the user's own listeners on the same loop instead of replacing them.
 * The loop is stepped by the test thread with {@code runOnce} on a clock the test moves: no loop thread, no Spring.
 */
@Timeout(30)
class IOLoopMeterBinderListenerTests {

    private static final long LATENESS = 15_000_000L;

    private final AtomicLong now = new AtomicLong(1_000_000_000L);
    private final IOLoop loop = IOLoop.builder()
            .name("shared")
            .clock(now::get)
            .blockedThreshold(Duration.ZERO)
            .build();
    private final MeterRegistry registry = new SimpleMeterRegistry();
    private final List<Long> setByUser = new ArrayList<>();
    private final List<Long> addedByUser = new ArrayList<>();

    @AfterEach
    void closeLoop() {
        loop.close(true);
    }

    @Test
    void userListenersSetAndAddedBeforeBindingKeepReceivingSamplesAndTheTimerRecordsThemToo() {
        loop.setLatencyListener(setByUser::add);
        loop.addLatencyListener(addedByUser::add);
        new IOLoopMeterBinder(loop, null).bindTo(registry);

        lateTimeoutStep();

        assertThat(setByUser).containsExactly(LATENESS);
        assertThat(addedByUser).containsExactly(LATENESS);
        assertThat(latencyTimer().count()).isOne();
        assertThat(latencyTimer().totalTime(TimeUnit.NANOSECONDS)).isEqualTo((double) LATENESS);

        lateTimeoutStep();
        assertThat(setByUser).hasSize(2);
        assertThat(addedByUser).hasSize(2);
        assertThat(latencyTimer().count()).isEqualTo(2);
    }

    @Test
    void userListenerSetAfterBindingDoesNotReplaceTheBindersListener() {
        new IOLoopMeterBinder(loop, null).bindTo(registry);
        loop.setLatencyListener(setByUser::add);
        ListenerRegistration added = loop.addLatencyListener(addedByUser::add);

        lateTimeoutStep();
        assertThat(setByUser).containsExactly(LATENESS);
        assertThat(addedByUser).containsExactly(LATENESS);
        assertThat(latencyTimer().count()).isOne();

        // The user takes their listeners off again: the binder's stays.
        loop.setLatencyListener(null);
        added.remove();
        lateTimeoutStep();
        assertThat(setByUser).hasSize(1);
        assertThat(addedByUser).hasSize(1);
        assertThat(latencyTimer().count()).isEqualTo(2);
        assertThat(latencyTimer().totalTime(TimeUnit.NANOSECONDS)).isEqualTo(2.0 * LATENESS);
    }

    @Test
    void userListenerFromTheBuilderKeepsReceivingSamplesOnceTheBinderIsBound() {
        List<Long> fromBuilder = new ArrayList<>();
        MeterRegistry own = new SimpleMeterRegistry();
        try (IOLoop built = IOLoop.builder()
                .name("built")
                .clock(now::get)
                .blockedThreshold(Duration.ZERO)
                .latencyListener(fromBuilder::add)
                .build()) {
            new IOLoopMeterBinder(built, null).bindTo(own);
            built.callLater(Duration.ofMillis(10), () -> {});
            now.addAndGet(Duration.ofMillis(25).toNanos());
            assertThat(built.runOnce(Duration.ZERO)).isOne();

            assertThat(fromBuilder).containsExactly(LATENESS);
            Timer timer = own.get("ioloop.latency").tag("loop", "built").timer();
            assertThat(timer.count()).isOne();
            assertThat(timer.totalTime(TimeUnit.NANOSECONDS)).isEqualTo((double) LATENESS);
        }
    }

    /** One step whose only work is a timeout that starts {@link #LATENESS} late. */
    private void lateTimeoutStep() {
        loop.callLater(Duration.ofMillis(10), () -> {});
        now.addAndGet(Duration.ofMillis(25).toNanos());
        assertThat(loop.runOnce(Duration.ZERO)).isOne();
    }

    private Timer latencyTimer() {
        return registry.get("ioloop.latency").tag("loop", "shared").timer();
    }
}
