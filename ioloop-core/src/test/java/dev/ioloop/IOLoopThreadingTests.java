package dev.ioloop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.channels.Pipe;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** What other threads may do while the loop runs, and how they wake it. */
@Timeout(30)
class IOLoopThreadingTests {

    @Test
    void callbackAddedFromOtherThreadWakesBlockedPoll() throws Exception {
        try (LoopThread running = LoopThread.start()) {
            // Let the loop reach an indefinite poll (no timers, no callbacks).
            running.call(() -> null);
            CompletableFuture<Long> ranAfter = new CompletableFuture<>();
            long sent = System.nanoTime();
            running.loop.addCallback(() -> ranAfter.complete(System.nanoTime() - sent));
            long nanos = ranAfter.get(5, TimeUnit.SECONDS);
            assertThat(running.thread.isAlive()).isTrue();
            assertThat(nanos)
                    .as("woken within 5 s, not left in an indefinite poll")
                    .isPositive();
        }
    }

    @Test
    void manyCallbacksDuringOneSleepCostOneWakeup() throws Exception {
        IOLoop loop = TestLoops.unwatched().poller("counting").build();
        try (LoopThread running = LoopThread.start(loop)) {
            // Hold the loop inside a callback while another thread queues 1,000 callbacks: the loop is
            // not asleep, so none of them may wake it.
            CountDownLatch holding = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            loop.addCallback(() -> {
                holding.countDown();
                await(release);
            });
            assertThat(holding.await(5, TimeUnit.SECONDS)).isTrue();
            int before = CountingPollerProvider.WAKEUPS.get();
            CountDownLatch all = new CountDownLatch(1000);
            for (int i = 0; i < 1000; i++) {
                loop.addCallback(all::countDown);
            }
            assertThat(CountingPollerProvider.WAKEUPS.get() - before).isZero();
            release.countDown();
            assertThat(all.await(5, TimeUnit.SECONDS)).isTrue();

            // While the loop goes in and out of sleep, it is woken at most once per sleep.
            int wakeups = CountingPollerProvider.WAKEUPS.get();
            int polls = CountingPollerProvider.POLLS.get();
            CountDownLatch more = new CountDownLatch(10_000);
            for (int i = 0; i < 10_000; i++) {
                loop.addCallback(more::countDown);
            }
            assertThat(more.await(5, TimeUnit.SECONDS)).isTrue();
            assertThat(CountingPollerProvider.WAKEUPS.get() - wakeups)
                    .isLessThanOrEqualTo(CountingPollerProvider.POLLS.get() - polls + 1);
        }
    }

    @Test
    void callbacksFromFourThreadsAllRunOnTheLoopThread() throws Exception {
        try (LoopThread running = LoopThread.start()) {
            int perThread = 20_000;
            CountDownLatch done = new CountDownLatch(4 * perThread);
            AtomicInteger offLoop = new AtomicInteger();
            Thread[] producers = new Thread[4];
            for (int t = 0; t < 4; t++) {
                producers[t] = new Thread(() -> {
                    for (int i = 0; i < perThread; i++) {
                        running.loop.addCallback(() -> {
                            if (Thread.currentThread() != running.thread) {
                                offLoop.incrementAndGet();
                            }
                            done.countDown();
                        });
                    }
                });
                producers[t].start();
            }
            for (Thread p : producers) {
                p.join();
            }
            assertThat(done.await(20, TimeUnit.SECONDS)).isTrue();
            assertThat(offLoop.get()).isZero();
        }
    }

    @Test
    void callbacksFromOneThreadRunInTheOrderTheyWereAdded() throws Exception {
        try (LoopThread running = LoopThread.start()) {
            int[] last = {-1};
            AtomicInteger outOfOrder = new AtomicInteger();
            CountDownLatch done = new CountDownLatch(10_000);
            for (int i = 0; i < 10_000; i++) {
                int n = i;
                running.loop.addCallback(() -> {
                    if (n != last[0] + 1) {
                        outOfOrder.incrementAndGet();
                    }
                    last[0] = n;
                    done.countDown();
                });
            }
            assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
            assertThat(outOfOrder.get()).isZero();
        }
    }

    @Test
    void stopFromAnotherThreadWakesASleepingLoop() throws Exception {
        LoopThread running = LoopThread.start();
        IOLoop loop = running.loop;
        running.call(() -> loop.callLater(Duration.ofHours(1), () -> {}));
        loop.stop();
        running.thread.join(5_000);
        assertThat(running.thread.isAlive()).isFalse();
        assertThat(loop.isRunning()).isFalse();
        running.close();
    }

    @Test
    void loopOnlyMethodsFromAnotherThreadFailFastWhileTheLoopRuns() throws Exception {
        try (LoopThread running = LoopThread.start();
                Pipe.SourceChannel source = Pipe.open().source()) {
            IOLoop loop = running.loop;
            source.configureBlocking(false);
            assertThatThrownBy(() -> loop.addHandler(source, (ch, e) -> {}, IOLoop.READ))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("use addCallback");
            assertThatThrownBy(() -> loop.removeHandler(source))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("use addCallback");
            assertThatThrownBy(() -> loop.updateHandler(source, IOLoop.READ))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("use addCallback");
            assertThatThrownBy(() -> loop.callLater(Duration.ZERO, () -> {}))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("use addCallback");
            assertThatThrownBy(() -> loop.callAt(0, () -> {}))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("use addCallback");
            assertThatThrownBy(loop::start)
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("already running");
            assertThatThrownBy(loop::close)
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("running");
            assertThat(running.call(() -> loop.removeHandler(source))).isFalse();
        }
    }

    @Test
    void timeoutCancelledFromAnotherThreadNeverRuns() throws Exception {
        try (LoopThread running = LoopThread.start()) {
            AtomicInteger runs = new AtomicInteger();
            CountDownLatch cancelled = new CountDownLatch(1);
            CompletableFuture<dev.ioloop.Timeout> scheduled = new CompletableFuture<>();
            running.loop.addCallback(() -> {
                scheduled.complete(running.loop.callLater(Duration.ofMillis(50), runs::incrementAndGet));
                // Holds the loop until this thread has cancelled: a test thread descheduled for more than 50 ms
                // on a loaded machine must not let the timeout come due first.
                await(cancelled);
            });
            dev.ioloop.Timeout timeout = scheduled.get(5, TimeUnit.SECONDS);
            assertThat(timeout.cancel()).isTrue();
            assertThat(timeout.cancel()).isFalse();
            cancelled.countDown();
            // A later timeout proves the loop went past the cancelled one's deadline.
            CompletableFuture<Void> later = new CompletableFuture<>();
            running.call(() -> running.loop.callLater(Duration.ofMillis(100), () -> later.complete(null)));
            later.get(5, TimeUnit.SECONDS);
            assertThat(runs.get()).isZero();
            assertThat(running.loop.stats().pendingTimeouts()).isZero();
        }
    }

    @Test
    void timeAndStatsAreReadableFromAnyThread() throws Exception {
        try (LoopThread running = LoopThread.start()) {
            long before = System.nanoTime();
            assertThat(running.loop.time()).isGreaterThanOrEqualTo(before);
            assertThat(running.loop.isRunning()).isTrue();
            running.call(() -> null); // runs in an iteration after the one that ran the start-up callback
            assertThat(running.loop.stats().iterations()).isPositive();
            assertThat(running.loop.thread()).isSameAs(running.thread);
        }
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
