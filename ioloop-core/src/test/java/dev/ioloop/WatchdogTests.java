package dev.ioloop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The blocked-loop watchdog, with a real loop thread and a short threshold. */
@Timeout(30)
class WatchdogTests {

    private record Report(Thread thread, long nanos, StackTraceElement[] stack) {}

    @Test
    void stretchOfWorkLongerThanTheThresholdIsReportedOnceWithTheLoopThreadsStack() throws Exception {
        LinkedBlockingQueue<Report> reports = new LinkedBlockingQueue<>();
        IOLoop loop = IOLoop.builder()
                .name("watched")
                .blockedThreshold(Duration.ofMillis(50))
                .blockedListener((l, t, nanos) -> reports.add(new Report(t, nanos, t.getStackTrace())))
                .build();
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
        IOLoop loop = IOLoop.builder()
                .blockedThreshold(Duration.ofMillis(200))
                .blockedListener((l, t, nanos) -> blocked.countDown())
                .build();
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

    @Test
    void watchdogParksWhileEveryLoopSleepsAndStillReportsAStretchThatStartsMeanwhile() throws Exception {
        CountDownLatch reported = new CountDownLatch(1);
        AtomicLong reportedNanos = new AtomicLong();
        IOLoop loop = IOLoop.builder()
                .name("dormant")
                .blockedThreshold(Duration.ofMillis(50))
                .blockedListener((l, t, nanos) -> {
                    reportedNanos.set(nanos);
                    reported.countDown();
                })
                .build();
        try (LoopThread running = LoopThread.start(loop)) {
            // The loop sleeps in poll with nothing scheduled: after a quiet threshold the watchdog stops looking.
            await().atMost(Duration.ofSeconds(10)).until(Watchdog.get()::isDormant);
            long checks = Watchdog.get().checks();
            // Ten thresholds without a single check (the timed checks made one every threshold).
            await().during(Duration.ofMillis(500))
                    .atMost(Duration.ofSeconds(2))
                    .until(() -> Watchdog.get().checks() == checks);

            long wakeups = Watchdog.get().loopWakeups();
            CountDownLatch release = new CountDownLatch(1);
            loop.addCallback(() -> awaitQuietly(release)); // wakes the loop, which wakes the watchdog
            try {
                assertThat(reported.await(10, TimeUnit.SECONDS))
                        .as("blocked stretch reported")
                        .isTrue();
            } finally {
                release.countDown();
            }
            assertThat(reportedNanos.get()).isBetween(50_000_000L, 5_000_000_000L);
            assertThat(Watchdog.get().loopWakeups()).isGreaterThan(wakeups);
            assertThat(loop.stats().blocked()).isOne();
            running.call(() -> null);
        }
    }

    @Test
    void loopStartedWhileTheWatchdogIsDormantIsWatchedFromItsFirstIteration() throws Exception {
        CountDownLatch reported = new CountDownLatch(1);
        try (IOLoop loop = IOLoop.builder()
                .name("stepped")
                .blockedThreshold(Duration.ofMillis(50))
                .blockedListener((l, t, nanos) -> reported.countDown())
                .build()) {
            loop.runOnce(Duration.ZERO); // now watched, and not running between steps
            await().atMost(Duration.ofSeconds(10)).until(Watchdog.get()::isDormant);

            // The step runs on this thread and blocks until the watchdog has reported it.
            loop.addCallback(() -> awaitQuietly(reported));
            loop.runOnce(Duration.ZERO);
            assertThat(reported.getCount()).as("blocked step reported").isZero();
            assertThat(loop.stats().blocked()).isOne();
        }
    }

    @Test
    void loopThatWakesOftenKeepsTheWatchdogOnTimedChecksInsteadOfUnparkingIt() throws Exception {
        IOLoop loop = IOLoop.builder()
                .name("chatty")
                .blockedThreshold(Duration.ofMillis(100))
                .build();
        try (LoopThread running = LoopThread.start(loop)) {
            AtomicLong ticks = new AtomicLong();
            PeriodicCallback tick = new PeriodicCallback(loop, ticks::incrementAndGet, Duration.ofMillis(2));
            running.call(() -> {
                tick.start();
                return null;
            });
            long wakeups = Watchdog.get().loopWakeups();
            // 200 short sleeps in poll: never quiet for a threshold, so the loop never has to unpark the watchdog
            // (a watchdog that parked whenever it saw every loop polling would be unparked about once per tick).
            await().atMost(Duration.ofSeconds(20)).until(() -> ticks.get() >= 200);
            assertThat(Watchdog.get().loopWakeups() - wakeups).isLessThanOrEqualTo(2);
            running.call(() -> {
                tick.stop();
                return null;
            });
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
