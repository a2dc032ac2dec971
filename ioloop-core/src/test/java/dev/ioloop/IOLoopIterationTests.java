package dev.ioloop;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;

/** The order of one iteration, stepped on the test thread with a test clock. */
@org.junit.jupiter.api.Timeout(30)
class IOLoopIterationTests {

    @AutoClose
    private final SteppedLoop stepped = TestLoops.stepped();

    private final TestClock clock = stepped.clock;
    private final IOLoop loop = stepped.loop;
    private final List<String> log = new ArrayList<>();

    @Test
    void callbacksRunInFifoOrder() {
        for (int i = 0; i < 5; i++) {
            int n = i;
            loop.addCallback(() -> log.add("cb" + n));
        }
        loop.runOnce(Duration.ZERO);
        assertThat(log).containsExactly("cb0", "cb1", "cb2", "cb3", "cb4");
    }

    @Test
    void callbackAddedByACallbackWaitsForTheNextIteration() {
        loop.addCallback(() -> {
            log.add("first");
            loop.addCallback(() -> log.add("second"));
        });
        loop.runOnce(Duration.ZERO);
        assertThat(log).containsExactly("first");
        loop.runOnce(Duration.ZERO);
        assertThat(log).containsExactly("first", "second");
    }

    @Test
    void callbackAddedFromAnotherThreadDuringTheCallbacksWaitsForTheNextIteration() throws Exception {
        loop.addCallback(() -> {
            log.add("first");
            Thread producer = new Thread(() -> loop.addCallback(() -> log.add("from other thread")));
            producer.start();
            try {
                producer.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        assertThat(loop.runOnce(Duration.ZERO)).isOne();
        assertThat(log).containsExactly("first");
        assertThat(loop.runOnce(Duration.ZERO)).isOne();
        assertThat(log).containsExactly("first", "from other thread");
    }

    @Test
    void callbackThatReaddsItselfDoesNotStarveTimeouts() {
        Runnable[] self = new Runnable[1];
        self[0] = () -> {
            log.add("cb");
            loop.addCallback(self[0]);
        };
        loop.addCallback(self[0]);
        loop.callLater(Duration.ZERO, () -> log.add("timeout"));
        loop.runOnce(Duration.ZERO);
        assertThat(log).containsExactly("cb", "timeout");
    }

    @Test
    void callbacksRunBeforeDueTimeouts() {
        loop.callLater(Duration.ZERO, () -> log.add("timeout"));
        loop.addCallback(() -> log.add("callback"));
        loop.runOnce(Duration.ZERO);
        assertThat(log).containsExactly("callback", "timeout");
    }

    @Test
    void timeoutsWithEqualDeadlineRunInScheduleOrder() {
        long deadline = loop.time() + 100;
        for (int i = 0; i < 5; i++) {
            int n = i;
            loop.callAt(deadline, () -> log.add("t" + n));
        }
        loop.callAt(deadline - 1, () -> log.add("early"));
        clock.advance(Duration.ofNanos(100));
        loop.runOnce(Duration.ZERO);
        assertThat(log).containsExactly("early", "t0", "t1", "t2", "t3", "t4");
    }

    @Test
    void timeoutRunsOnlyOnceItsDeadlineHasPassed() {
        loop.callLater(Duration.ofSeconds(5), () -> log.add("timeout"));
        clock.advance(Duration.ofMillis(4999));
        loop.runOnce(Duration.ZERO);
        assertThat(log).isEmpty();
        clock.advance(Duration.ofMillis(1));
        loop.runOnce(Duration.ZERO);
        assertThat(log).containsExactly("timeout");
    }

    @Test
    void timeoutAddedByACallbackWaitsForTheNextIterationEvenIfDue() {
        loop.addCallback(() -> loop.callAt(loop.time() - 1, () -> log.add("overdue")));
        loop.runOnce(Duration.ZERO);
        assertThat(log).isEmpty();
        loop.runOnce(Duration.ZERO);
        assertThat(log).containsExactly("overdue");
    }

    @Test
    void dueTimeoutCancelledByACallbackOfTheSameStepDoesNotRun() {
        Timeout due = loop.callLater(Duration.ZERO, () -> log.add("cancelled timeout"));
        boolean[] cancelled = new boolean[1];
        loop.addCallback(() -> cancelled[0] = due.cancel());
        loop.runOnce(Duration.ZERO);
        assertThat(log).isEmpty();
        assertThat(cancelled[0]).as("cancel() stopped a pending run").isTrue();
        assertThat(due.isCancelled()).isTrue();
    }

    @Test
    void timeoutCancelledByAnEarlierTimeoutOfTheSameStepDoesNotRun() {
        Timeout[] second = new Timeout[1];
        loop.callLater(Duration.ZERO, () -> {
            log.add("first");
            second[0].cancel();
        });
        second[0] = loop.callLater(Duration.ZERO, () -> log.add("second"));
        loop.runOnce(Duration.ZERO);
        assertThat(log).containsExactly("first");
    }

    @Test
    void stopTakesEffectAfterTheIterationsCallbacksAndDueTimeouts() {
        loop.addCallback(() -> {
            log.add("stopper");
            loop.stop();
        });
        loop.addCallback(() -> log.add("same iteration"));
        loop.callLater(Duration.ZERO, () -> log.add("due timeout"));
        loop.start();
        assertThat(log).containsExactly("stopper", "same iteration", "due timeout");
        assertThat(loop.isRunning()).isFalse();
    }

    @Test
    void callbackQueuedWhenStoppedRunsOnTheNextStart() {
        loop.addCallback(() -> {
            loop.stop();
            loop.addCallback(() -> log.add("next start"));
        });
        loop.start();
        assertThat(log).isEmpty();
        loop.addCallback(loop::stop);
        loop.start();
        assertThat(log).containsExactly("next start");
    }

    @Test
    void timeoutHandleReportsItsAbsoluteDeadline() {
        long now = loop.time();
        Timeout timeout = loop.callLater(Duration.ofMillis(3), () -> {});
        assertThat(timeout.deadline()).isEqualTo(now + 3_000_000);
        assertThat(loop.addTimeout(now + 7, () -> {}).deadline()).isEqualTo(now + 7);
        assertThat(loop.addTimeout(Duration.ofNanos(9), () -> {}).deadline()).isEqualTo(now + 9);
    }

    @Test
    void runOnceReportsTheWorkItRan() {
        loop.addCallback(() -> {});
        loop.addCallback(() -> {});
        loop.callLater(Duration.ZERO, () -> {});
        assertThat(loop.runOnce(Duration.ZERO)).isEqualTo(3);
        assertThat(loop.runOnce(Duration.ZERO)).isZero();
    }
}
