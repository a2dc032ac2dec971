package dev.ioloop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The blocked-loop watchdog, with a real loop thread and a short threshold. */
@Timeout(30)
class WatchdogTests {

    private record Report(Thread thread, long nanos, StackTraceElement[] stack) {
    }

    @Test
    void stretchOfWorkLongerThanTheThresholdIsReportedOnceWithTheLoopThreadsStack() throws Exception {
        LinkedBlockingQueue<Report> reports = new LinkedBlockingQueue<>();
        IOLoop loop = IOLoop.builder().name("watched").blockedThreshold(Duration.ofMillis(50))
                .blockedListener((l, t, nanos) -> reports.add(new Report(t, nanos, t.getStackTrace()))).build();
        try (LoopThread running = LoopThread.start(loop)) {
            CountDownLatch reported = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            loop.setBlockedListener((l, t, nanos) -> {
                reports.add(new Report(t, nanos, t.getStackTrace()));
                reported.countDown();
            });
            loop.addCallback(() -> awaitQuietly(release));
            assertThat(reported.await(10, TimeUnit.SECONDS)).isTrue();
            Report report = reports.take();
            assertThat(report.thread()).isSameAs(running.thread);
            assertThat(report.nanos()).isGreaterThan(50_000_000L);
            assertThat(report.stack()).anyMatch(e -> e.getMethodName().equals("awaitQuietly"));
            assertThat(loop.stats().blocked()).isOne();
            assertThat(loop.stats().currentStretchNanos()).isGreaterThan(50_000_000L);

            // Still the same stretch: no second report however long it lasts.
            long checks = Watchdog.get().checks();
            await().atMost(Duration.ofSeconds(10)).until(() -> Watchdog.get().checks() >= checks + 5);
            assertThat(reports).isEmpty();
            assertThat(loop.stats().blocked()).isOne();
            release.countDown();
            running.call(() -> null);
        }
    }

    @Test
    void timeIdleInPollNeverCountsAsBlocked() throws Exception {
        CountDownLatch blocked = new CountDownLatch(1);
        IOLoop loop = IOLoop.builder().blockedThreshold(Duration.ofMillis(200))
                .blockedListener((l, t, nanos) -> blocked.countDown()).build();
        try (LoopThread running = LoopThread.start(loop)) {
            // Idle for 1.5 s (seven thresholds) waiting for a timeout.
            CompletableFuture<Void> fired = new CompletableFuture<>();
            running.call(() -> loop.callLater(Duration.ofMillis(1500), () -> fired.complete(null)));
            fired.get(5, TimeUnit.SECONDS);
            assertThat(blocked.getCount()).isOne();
            assertThat(loop.stats().blocked()).isZero();
            assertThat(loop.stats().idleNanos()).isGreaterThan(1_000_000_000L);
        }
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await(20, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
