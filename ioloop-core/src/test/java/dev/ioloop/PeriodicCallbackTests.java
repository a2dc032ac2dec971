package dev.ioloop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;

/** PeriodicCallback's schedule, first as arithmetic (as Tornado tests it), then on a stepped loop. */
class PeriodicCallbackTests {

    private static final long P = 1_000; // period, in clock units

    @AutoClose
    private final SteppedLoop stepped = TestLoops.stepped();

    private final TestClock clock = stepped.clock;
    private final IOLoop loop = stepped.loop;

    @Test
    void nextRunIsOnePeriodAfterTheLastWhenOnTime() {
        assertThat(PeriodicCallback.nextDeadline(0, 0, P, 0, 0.5)).isEqualTo(P);
        assertThat(PeriodicCallback.nextDeadline(P, P + 10, P, 0, 0.5)).isEqualTo(2 * P);
    }

    @Test
    void periodicCallbackSkipsMissedSlots() {
        // A run that ended at 3.5 periods past its slot resumes on the grid, strictly after now.
        assertThat(PeriodicCallback.nextDeadline(P, P + 3 * P + P / 2, P, 0, 0.5))
                .isEqualTo(5 * P);
        // Exactly on a slot boundary: the next slot, never the current instant (no back-to-back run).
        assertThat(PeriodicCallback.nextDeadline(P, 3 * P, P, 0, 0.5)).isEqualTo(4 * P);
    }

    @Test
    void clockGoingBackwardsAdvancesByOnePeriod() {
        assertThat(PeriodicCallback.nextDeadline(10 * P, 2 * P, P, 0, 0.5)).isEqualTo(11 * P);
    }

    @Test
    void jitterScalesThePeriod() {
        // 1 + 0.2 * (random - 0.5): random 0 -> 0.9 P, random 1 -> 1.1 P, random 0.5 -> P.
        assertThat(PeriodicCallback.nextDeadline(0, 0, P, 0.2, 0.0)).isEqualTo(900);
        assertThat(PeriodicCallback.nextDeadline(0, 0, P, 0.2, 1.0)).isEqualTo(1100);
        assertThat(PeriodicCallback.nextDeadline(0, 0, P, 0.2, 0.5)).isEqualTo(P);
    }

    @Test
    void periodMustBePositive() {
        assertThatThrownBy(() -> new PeriodicCallback(loop, () -> {}, Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("period must be > 0: PT0S");
        assertThatThrownBy(() -> new PeriodicCallback(loop, () -> {}, Duration.ofMillis(-5)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("PT-0.005S");
        assertThatThrownBy(() -> new PeriodicCallback(loop, () -> {}, Duration.ofSeconds(1), -0.1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("-0.1");
    }

    @Test
    void firstRunComesOnePeriodAfterStartThenOnTheGrid() {
        List<Long> runs = new ArrayList<>();
        long start = clock.getAsLong();
        PeriodicCallback pc =
                new PeriodicCallback(loop, () -> runs.add(clock.getAsLong() - start), Duration.ofSeconds(1));
        pc.start();
        assertThat(pc.isRunning()).isTrue();
        stepped.advanceAndStep(Duration.ofMillis(999));
        assertThat(runs).isEmpty();
        stepped.advanceAndStep(Duration.ofMillis(1));
        stepped.advanceAndStep(Duration.ofSeconds(1));
        // The loop was late by 2.5 periods: slots 3 and 4 are skipped, not run back to back.
        stepped.advanceAndStep(Duration.ofMillis(3500));
        stepped.advanceAndStep(Duration.ZERO);
        assertThat(runs).containsExactly(1_000_000_000L, 2_000_000_000L, 5_500_000_000L);
        stepped.advanceAndStep(Duration.ofMillis(500));
        assertThat(runs).last().isEqualTo(6_000_000_000L);
    }

    @Test
    void doubleStartDoesNotCreateTwoChains() {
        int[] runs = new int[1];
        PeriodicCallback pc = new PeriodicCallback(loop, () -> runs[0]++, Duration.ofSeconds(1));
        pc.start();
        pc.start();
        stepped.advanceAndStep(Duration.ofSeconds(1));
        stepped.advanceAndStep(Duration.ofSeconds(1));
        assertThat(runs[0]).isEqualTo(2);
        assertThat(loop.stats().pendingTimeouts()).isOne();
    }

    @Test
    void stopEndsTheScheduleAndCancelsThePendingRun() {
        int[] runs = new int[1];
        PeriodicCallback pc = new PeriodicCallback(loop, () -> runs[0]++, Duration.ofSeconds(1));
        pc.start();
        stepped.advanceAndStep(Duration.ofSeconds(1));
        pc.stop();
        assertThat(pc.isRunning()).isFalse();
        assertThat(loop.stats().pendingTimeouts()).isZero();
        stepped.advanceAndStep(Duration.ofSeconds(5));
        assertThat(runs[0]).isOne();
    }

    @Test
    void exceptionInTheCallbackIsReportedAndTheScheduleGoesOn() {
        int[] runs = new int[1];
        PeriodicCallback pc = new PeriodicCallback(
                loop,
                () -> {
                    runs[0]++;
                    throw new IllegalStateException("periodic failure");
                },
                Duration.ofSeconds(1));
        pc.start();
        stepped.advanceAndStep(Duration.ofSeconds(1));
        stepped.advanceAndStep(Duration.ofSeconds(1));
        assertThat(runs[0]).isEqualTo(2);
        assertThat(loop.stats().errors()).isEqualTo(2);
    }
}
