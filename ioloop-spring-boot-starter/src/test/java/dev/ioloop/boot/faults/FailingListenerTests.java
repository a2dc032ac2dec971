package dev.ioloop.boot.faults;

import static dev.ioloop.boot.faults.FaultsTestSupport.read;
import static dev.ioloop.boot.faults.FaultsTestSupport.send;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.jayway.jsonpath.JsonPath;
import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.test.annotation.DirtiesContext;

/**
 * Hardening, failing listener: an {@code @IoHandler} listener that fails on every event is closed by the loop's
 * handler failure limit, which the health shows (DOWN, naming the bean) while the other handlers keep serving.
 */
@SpringBootTest(
        classes = FaultsApplication.class,
        webEnvironment = WebEnvironment.RANDOM_PORT,
        properties = {
            "ioloop.handler-failure-limit=5",
            "management.endpoints.web.exposure.include=health,metrics,ioloop",
            "management.endpoint.health.show-details=always"
        })
@DirtiesContext
@Timeout(60)
class FailingListenerTests {

    @Value("${local.server.port}")
    private int httpPort;

    @Value("${local.ioloop.faulty.port}")
    private int port;

    @Value("${local.ioloop.fragile.port}")
    private int fragilePort;

    @AfterEach
    void heal() {
        FragileListener.failing = false;
    }

    @Test
    void aListenerClosedForFailingTurnsHealthDownNamingItWhileOtherHandlersServe() throws IOException {
        FaultsTestSupport app = new FaultsTestSupport(httpPort, port);
        assertThat(app.healthStatus()).isEqualTo("UP");

        FragileListener.failing = true;
        try (Socket pending = new Socket(InetAddress.getLoopbackAddress(), fragilePort)) {
            await().atMost(Duration.ofSeconds(10)).until(app::healthStatus, "DOWN"::equals);
        }
        String health = app.get("/actuator/health");
        assertThat(JsonPath.<List<String>>read(health, "$.components.ioloop.details.closedListeners"))
                .containsExactly("fragile");
        assertThat(JsonPath.<String>read(health, "$.components.ioloop.details.reason"))
                .isEqualTo("the listening channel of @IoHandler [fragile] was closed");
        assertThat(app.counter("ioloop.handlers.closed")).isEqualTo(1.0);
        assertThat(app.counter("ioloop.errors")).isEqualTo(5.0);
        assertThat(JsonPath.<List<String>>read(app.get("/actuator/ioloop"), "$.handlers[*].handler"))
                .contains("faulty")
                .doesNotContain("fragile");

        try (Socket client = app.connect()) {
            send(client, "still.");
            assertThat(read(client, 6)).isEqualTo("still.");
        }
    }
}
