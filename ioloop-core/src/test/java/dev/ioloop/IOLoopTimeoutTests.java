package dev.ioloop;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Timeout handles, cancellation and the memory bound of cancelled timeouts. */
@org.junit.jupiter.api.Timeout(30)
class IOLoopTimeoutTests {

    @Test
    void cancelReturnsTrueOnlyWhenItStoppedAPendingRun() {
        try (SteppedLoop stepped = TestLoops.stepped()) {
            IOLoop loop = stepped.loop;
            List<String> ran = new ArrayList<>();
            Timeout pending = loop.callLater(Duration.ofSeconds(1), () -> ran.add("pending"));
            Timeout runs = loop.callLater(Duration.ofSeconds(1), () -> ran.add("runs"));
            assertThat(pending.cancel()).isTrue();
            assertThat(pending.cancel()).isFalse();
            assertThat(pending.isCancelled()).isTrue();
            stepped.advanceAndStep(Duration.ofSeconds(1));
            assertThat(ran).containsExactly("runs");
            assertThat(runs.cancel()).isFalse();
            assertThat(runs.isCancelled()).isFalse();
        }
    }

    @Test
    void removeTimeoutIsANoOpWhenAlreadyRunOrCancelled() {
        try (SteppedLoop stepped = TestLoops.stepped()) {
            IOLoop loop = stepped.loop;
            Timeout t = loop.callLater(Duration.ZERO, () -> {});
            stepped.step();
            loop.removeTimeout(t);
            loop.removeTimeout(t);
            loop.removeTimeout(null);
            Timeout u = loop.callLater(Duration.ofSeconds(1), () -> {});
            loop.removeTimeout(u);
            loop.removeTimeout(u);
            assertThat(u.isCancelled()).isTrue();
            assertThat(loop.stats().pendingTimeouts()).isZero();
        }
    }

    @Test
    void cancellingOnTheLoopRemovesTheTimeoutAtOnce() {
        try (SteppedLoop stepped = TestLoops.stepped()) {
            IOLoop loop = stepped.loop;
            List<Timeout> timeouts = new ArrayList<>();
            for (int i = 0; i < 1000; i++) {
                timeouts.add(loop.callLater(Duration.ofHours(1), () -> {}));
            }
            assertThat(loop.stats().pendingTimeouts()).isEqualTo(1000);
            timeouts.forEach(Timeout::cancel);
            assertThat(loop.stats().pendingTimeouts()).isZero();
        }
    }

    @Test
    void addingAndCancellingMillionsOfFarFutureTimeoutsFromAnotherThreadKeepsMemoryBounded() throws Exception {
        IOLoop loop = TestLoops.unwatched().clock(new TestClock()).build();
        try (LoopThread running = LoopThread.start(loop)) {
            // Schedule on the loop, cancel from the test thread: cancelled entries stay in the heap as
            // tombstones until the loop compacts them (Tornado's rule: more than 512 and half the heap).
            int maxHeap = 0;
            for (int round = 0; round < 200; round++) {
                List<Timeout> batch = running.call(() -> {
                    List<Timeout> list = new ArrayList<>(10_000);
                    for (int i = 0; i < 10_000; i++) {
                        list.add(loop.callLater(Duration.ofDays(1), () -> {}));
                    }
                    return list;
                });
                for (Timeout t : batch) {
                    t.cancel();
                }
                maxHeap = Math.max(maxHeap, running.call(loop::timerHeapSize));
            }
            assertThat(maxHeap)
                    .as("entries in the timer heap after 2,000,000 adds and cancels")
                    .isLessThanOrEqualTo(30_000);
            assertThat(loop.stats().pendingTimeouts()).isZero();
        }
    }

    @Test
    void timeoutsRunOnTheLoopInDeadlineOrderWithTheRealClock() throws Exception {
        IOLoop loop = TestLoops.unwatched().build();
        try (LoopThread running = LoopThread.start(loop)) {
            List<Integer> order = new ArrayList<>();
            CompletableFuture<Void> done = new CompletableFuture<>();
            running.call(() -> {
                loop.callLater(Duration.ofMillis(30), () -> {
                    order.add(3);
                    done.complete(null);
                });
                loop.callLater(Duration.ofMillis(10), () -> order.add(1));
                loop.callLater(Duration.ofMillis(20), () -> order.add(2));
                return null;
            });
            done.get(5, TimeUnit.SECONDS);
            assertThat(running.call(() -> List.copyOf(order))).containsExactly(1, 2, 3);
        }
    }

    @Test
    void loopWaitingForATimeoutDoesNotSpin() throws Exception {
        IOLoop loop = TestLoops.unwatched().build();
        try (LoopThread running = LoopThread.start(loop)) {
            CompletableFuture<Long> iterations = new CompletableFuture<>();
            long start = running.call(() -> {
                long s = loop.stats().iterations();
                loop.callLater(
                        Duration.ofMillis(200),
                        () -> iterations.complete(loop.stats().iterations() - s));
                return s;
            });
            assertThat(start).isNotNegative();
            // A 200 ms wait is one poll (a few if the wait is cut short), never thousands of zero-timeout polls.
            assertThat(iterations.get(5, TimeUnit.SECONDS)).isLessThan(10);
        }
    }
}
