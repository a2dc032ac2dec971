package dev.ioloop.boot.streams;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.jayway.jsonpath.JsonPath;
import dev.ioloop.IOLoop;
import dev.ioloop.IOLoopGroup;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.web.client.RestClient;
import org.springframework.web.client.RestClientResponseException;

/**
 * Faults on one loop of two: a blocked loop, then a loop whose thread died. The health turns DOWN naming that loop,
 * and the other loop goes on serving.
 */
@SpringBootTest(
        webEnvironment = WebEnvironment.RANDOM_PORT,
        properties = {
            "ioloop.loops=2",
            "ioloop.blocked-threshold=200ms",
            "management.endpoints.web.exposure.include=health",
            "management.endpoint.health.show-details=always"
        })
@DirtiesContext
@Timeout(60)
class LineApplicationGroupFaultTests {

    @LocalServerPort
    private int httpPort;

    @Value("${local.ioloop.upper.port}")
    private int port;

    @Autowired
    private IOLoopGroup group;

    @Test
    void aBlockedThenDeadLoopTurnsHealthDownNamingItWhileTheOtherServes() throws Exception {
        RestClient http = RestClient.create("http://localhost:" + httpPort);
        IOLoop second = group.loops().get(1);
        CountDownLatch release = new CountDownLatch(1);
        second.addCallback(() -> {
            try {
                release.await(30, TimeUnit.SECONDS); // holds the loop: blocked past the threshold
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        try {
            await().atMost(Duration.ofSeconds(10))
                    .untilAsserted(() -> assertThat(health(http))
                            .contains("\"status\":\"DOWN\"")
                            .contains("loop 'ioloop-1': busy for"));
            // Loop 0 accepts; every other connection goes to the blocked loop, so use the first one it keeps.
            assertThat(exchangeOnLoop0()).isEqualTo("SERVED");
        } finally {
            release.countDown();
        }
        await().atMost(Duration.ofSeconds(10))
                .untilAsserted(() -> assertThat(JsonPath.<String>read(health(http), "$.status"))
                        .isEqualTo("UP"));

        second.addCallback(() -> {
            throw new StackOverflowError("simulated: an Error out of a callback ends the loop's thread");
        });
        await().atMost(Duration.ofSeconds(10))
                .untilAsserted(() -> assertThat(health(http))
                        .contains("loop 'ioloop-1': the loop thread died: java.lang.StackOverflowError"));
        assertThat(exchangeOnLoop0()).isEqualTo("SERVED");
    }

    /** Opens connections until one lands on loop 0 (round-robin: within two) and exchanges a line on it. */
    private String exchangeOnLoop0() throws IOException {
        for (int i = 0; i < 2; i++) {
            try (Socket c = new Socket(InetAddress.getLoopbackAddress(), port)) {
                c.setSoTimeout(1000);
                c.getOutputStream().write("served\n".getBytes(US_ASCII));
                try {
                    return new BufferedReader(new InputStreamReader(c.getInputStream(), US_ASCII)).readLine();
                } catch (java.net.SocketTimeoutException e) {
                    // this one went to the other loop: try the next
                }
            }
        }
        return null;
    }

    private static String health(RestClient http) {
        try {
            return http.get().uri("/actuator/health").retrieve().body(String.class);
        } catch (RestClientResponseException e) {
            return e.getResponseBodyAsString(); // 503 while DOWN
        }
    }
}
