package dev.ioloop.boot.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ioloop.IOLoop;
import dev.ioloop.boot.IOLoopLifecycle;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;

@Timeout(30)
class IOLoopHealthIndicatorTests {

    private final IOLoop loop = IOLoop.builder()
            .name("health")
            .blockedThreshold(Duration.ofMillis(200))
            .build();
    private final IOLoopLifecycle lifecycle = new IOLoopLifecycle(loop, null, "health-io", Duration.ofSeconds(5));
    private final IOLoopHealthIndicator indicator = new IOLoopHealthIndicator(loop, lifecycle);

    @AfterEach
    void stop() {
        lifecycle.stop();
        loop.close();
    }

    @Test
    void upWhileTheLoopRunsWithItsDetails() {
        lifecycle.start();
        Health health = indicator.health();
        assertThat(health.getStatus()).isEqualTo(Status.UP);
        assertThat(health.getDetails())
                .containsEntry("running", true)
                .containsEntry("thread", "health-io")
                .containsEntry("poller", "selector")
                .containsEntry("blockedFor", 0L)
                .containsEntry("handlers", 0)
                .containsEntry("pendingCallbacks", 0L)
                .containsEntry("pendingTimeouts", 0L);
    }

    @Test
    void downWhenTheLoopIsNotRunning() {
        Health health = indicator.health();
        assertThat(health.getStatus()).isEqualTo(Status.DOWN);
        assertThat(health.getDetails())
                .containsEntry("running", false)
                .containsEntry("thread", "none")
                .containsEntry("reason", "the loop is not running");
    }

    @Test
    void downWhileBlockedPastTheThresholdAndUpAgainAfterwards() {
        lifecycle.start();
        CountDownLatch gate = new CountDownLatch(1);
        loop.addCallback(() -> {
            try {
                gate.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        await().until(() -> indicator.health().getStatus().equals(Status.DOWN));
        Health blocked = indicator.health();
        assertThat(blocked.getDetails().get("reason").toString()).contains("blocked threshold of 200 ms");
        assertThat((Long) blocked.getDetails().get("blockedFor")).isGreaterThanOrEqualTo(200L);
        gate.countDown();
        await().until(() -> indicator.health().getStatus().equals(Status.UP));
    }

    @Test
    void downWithTheErrorWhenTheLoopThreadDied() {
        lifecycle.start();
        loop.addCallback(() -> {
            throw new AssertionError("loop killed by the test");
        });
        await().until(() -> lifecycle.failure() != null);
        Health health = indicator.health();
        assertThat(health.getStatus()).isEqualTo(Status.DOWN);
        assertThat(health.getDetails())
                .containsEntry("reason", "the loop thread died")
                .containsEntry("error", "java.lang.AssertionError: loop killed by the test");
    }
}
