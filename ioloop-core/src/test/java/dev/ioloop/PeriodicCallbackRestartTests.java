package dev.ioloop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * PeriodicCallback's state when {@code start()} fails, and when the callback stops and starts itself: there is
 * never more than one schedule, and a failed start leaves it stopped.
 */
class PeriodicCallbackRestartTests {

    private static final Duration PERIOD = Duration.ofSeconds(1);

    private final TestClock clock = new TestClock();
    private final IOLoop loop =
            IOLoop.builder().clock(clock).blockedThreshold(Duration.ZERO).build();

    @AfterEach
    void close() {
        loop.close();
    }

    @Test
    void startOnAClosedLoopThrowsAndLeavesTheCallbackStopped() {
        PeriodicCallback pc = new PeriodicCallback(loop, () -> {}, PERIOD);
        loop.close();
        assertThatThrownBy(pc::start).isInstanceOf(IllegalStateException.class).hasMessage("IOLoop is closed");
        assertThat(pc.isRunning()).isFalse();
        // Not ignored as "already running": it fails again for the same reason.
        assertThatThrownBy(pc::start).isInstanceOf(IllegalStateException.class).hasMessage("IOLoop is closed");
        assertThat(pc.isRunning()).isFalse();
    }

    @Test
    @Timeout(20)
    void startFromAnotherThreadWhileTheLoopRunsThrowsAndAStartOnTheLoopThreadStillWorks() throws Exception {
        IOLoop running = IOLoop.builder()
                .name("periodic-restart")
                .blockedThreshold(Duration.ZERO)
                .build();
        AtomicInteger runs = new AtomicInteger();
        PeriodicCallback pc = new PeriodicCallback(running, runs::incrementAndGet, Duration.ofMillis(10));
        try (LoopThread thread = LoopThread.start(running)) {
            assertThatThrownBy(pc::start)
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("use addCallback");
            assertThat(pc.isRunning()).isFalse();

            running.addCallback(pc::start);
            await().atMost(Duration.ofSeconds(10)).until(() -> runs.get() >= 2);
            assertThat(pc.isRunning()).isTrue();

            thread.call(() -> {
                pc.stop();
                return null;
            });
            assertThat(pc.isRunning()).isFalse();
            assertThat(thread.failure.get()).isNull();
        }
    }

    @Test
    void restartInsideItsOwnCallbackLeavesOneSchedule() {
        int[] runs = new int[1];
        PeriodicCallback pc = restartingOnItsFirstRun(runs);
        pc.start();
        step(PERIOD);
        assertThat(runs[0]).isOne();
        assertThat(pc.isRunning()).isTrue();
        assertThat(loop.stats().pendingTimeouts()).isOne();

        for (int period = 1; period <= 10; period++) {
            step(PERIOD);
            assertThat(runs[0]).as("runs after %d more periods", period).isEqualTo(1 + period);
            assertThat(loop.stats().pendingTimeouts()).isOne();
        }

        pc.stop();
        assertThat(loop.stats().pendingTimeouts()).isZero();
        step(PERIOD.multipliedBy(5));
        assertThat(runs[0]).isEqualTo(11);
    }

    @Test
    void restartFromOutsideAfterARestartInsideGivesOneRunPerPeriod() {
        int[] runs = new int[1];
        PeriodicCallback pc = restartingOnItsFirstRun(runs);
        pc.start();
        step(PERIOD);
        pc.stop();
        pc.start();
        for (int period = 1; period <= 10; period++) {
            step(PERIOD);
        }
        assertThat(runs[0]).as("the first run, then one per period").isEqualTo(1 + 10);
        pc.stop();
        assertThat(loop.stats().pendingTimeouts()).isZero();
    }

    @Test
    void restartInsideACallbackThatThrowsLeavesOneSchedule() {
        int[] runs = new int[1];
        PeriodicCallback pc = selfAware(self -> {
            runs[0]++;
            self.stop();
            self.start();
            throw new IllegalStateException("restarted, then failed");
        });
        pc.start();
        for (int period = 1; period <= 3; period++) {
            step(PERIOD);
            assertThat(runs[0]).isEqualTo(period);
            assertThat(loop.stats().pendingTimeouts()).isOne();
        }
        assertThat(loop.stats().errors()).isEqualTo(3);
        pc.stop();
        assertThat(loop.stats().pendingTimeouts()).isZero();
    }

    @Test
    void stopInsideItsOwnCallbackEndsTheSchedule() {
        int[] runs = new int[1];
        PeriodicCallback pc = selfAware(self -> {
            runs[0]++;
            self.stop();
        });
        pc.start();
        step(PERIOD);
        assertThat(pc.isRunning()).isFalse();
        assertThat(loop.stats().pendingTimeouts()).isZero();
        step(PERIOD.multipliedBy(3));
        assertThat(runs[0]).isOne();
    }

    private void step(Duration advance) {
        clock.advance(advance);
        loop.runOnce(Duration.ZERO);
    }

    /** A callback that counts its runs in {@code runs[0]} and, in its first run, stops and starts itself. */
    private PeriodicCallback restartingOnItsFirstRun(int[] runs) {
        return selfAware(self -> {
            if (++runs[0] == 1) {
                self.stop();
                self.start();
            }
        });
    }

    /** A callback of {@code PERIOD} on the loop whose body is handed the callback itself. */
    private PeriodicCallback selfAware(Consumer<PeriodicCallback> body) {
        PeriodicCallback[] self = new PeriodicCallback[1];
        self[0] = new PeriodicCallback(loop, () -> body.accept(self[0]), PERIOD);
        return self[0];
    }
}
