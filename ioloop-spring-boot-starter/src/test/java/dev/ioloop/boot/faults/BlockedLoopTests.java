package dev.ioloop.boot.faults;

import static dev.ioloop.boot.faults.FaultsTestSupport.occurrences;
import static dev.ioloop.boot.faults.FaultsTestSupport.read;
import static dev.ioloop.boot.faults.FaultsTestSupport.send;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.jayway.jsonpath.JsonPath;
import java.io.IOException;
import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.test.annotation.DirtiesContext;

/**
 * Hardening, blocked loop: a handler that blocks the loop thread for twice {@code ioloop.blocked-threshold}
 * yields exactly one WARN with the loop thread's stack (naming the blocking method), one count in
 * {@code ioloop.blocked}, and a health that is DOWN while blocked and UP after, all seen over real HTTP.
 */
@SpringBootTest(
        classes = FaultsApplication.class,
        webEnvironment = WebEnvironment.RANDOM_PORT,
        properties = {
            "ioloop.blocked-threshold=200ms",
            "management.endpoints.web.exposure.include=health,metrics,ioloop",
            "management.endpoint.health.show-details=always"
        })
@ExtendWith(OutputCaptureExtension.class)
@DirtiesContext
@Timeout(60)
class BlockedLoopTests {

    private static final Duration THRESHOLD = Duration.ofMillis(200);

    @Value("${local.server.port}")
    private int httpPort;

    @Value("${local.ioloop.faulty.port}")
    private int port;

    private FaultsTestSupport app;

    @BeforeEach
    void arm() {
        app = new FaultsTestSupport(httpPort, port);
        FaultyServer.release = new CountDownLatch(1);
        FaultyServer.blocking = new CountDownLatch(1);
    }

    @AfterEach
    void release() {
        FaultyServer.release.countDown(); // never leave the loop blocked, even when an assertion failed
    }

    @Test
    void aHandlerBlockingForTwiceTheThresholdIsLoggedOnceWithItsStackCountedAndMakesHealthDownThenUp(
            CapturedOutput output) throws IOException, InterruptedException {
        assertThat(app.healthStatus()).isEqualTo("UP");
        double blockedBefore = app.counter("ioloop.blocked");

        try (Socket client = app.connect()) {
            send(client, "block.");
            assertThat(FaultyServer.blocking.await(10, TimeUnit.SECONDS))
                    .as("handler started blocking")
                    .isTrue();
            long blockedAt = System.nanoTime();

            await().atMost(Duration.ofSeconds(10)).until(app::healthStatus, "DOWN"::equals);
            String health = app.get("/actuator/health");
            assertThat(JsonPath.<String>read(health, "$.components.ioloop.details.reason"))
                    .contains("blocked threshold of 200 ms");
            assertThat(JsonPath.<Integer>read(health, "$.components.ioloop.details.blockedFor"))
                    .isGreaterThan(200);
            await().atMost(Duration.ofSeconds(10)).until(() -> output.getOut().contains("is blocked"));
            // Keep it blocked for at least twice the threshold: the watchdog looks every quarter threshold, and
            // must still report this one stretch once.
            await().atMost(Duration.ofSeconds(10))
                    .pollInterval(Duration.ofMillis(20))
                    .until(() -> System.nanoTime() - blockedAt >= 2 * THRESHOLD.toNanos());
            assertThat(app.healthStatus()).isEqualTo("DOWN");

            FaultyServer.release.countDown();
            assertThat(read(client, 6))
                    .as("the blocked request is answered after the release")
                    .isEqualTo("block.");
        }

        await().atMost(Duration.ofSeconds(10)).until(app::healthStatus, "UP"::equals);
        assertThat(app.counter("ioloop.blocked") - blockedBefore).isEqualTo(1.0);
        String log = output.getOut();
        assertThat(occurrences(log, "is blocked"))
                .as("blocked warnings in:%n%s", log)
                .isOne();
        String warning = log.substring(log.lastIndexOf('\n', log.indexOf("is blocked")) + 1);
        assertThat(warning.lines().findFirst().orElseThrow())
                .contains("WARN")
                .contains("IOLoop 'ioloop' is blocked")
                .contains("threshold 200 ms")
                .contains("on thread ioloop");
        assertThat(warning)
                .contains("java.lang.Throwable: stack of ioloop")
                .contains("dev.ioloop.boot.faults.FaultyServer.blockUntilReleased(FaultyServer.java");
    }
}
