package dev.ioloop.boot.streams;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.assertj.core.api.Assertions.assertThat;

import com.jayway.jsonpath.JsonPath;
import dev.ioloop.IOLoop;
import dev.ioloop.IOLoopGroup;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.web.client.RestClient;

/**
 * {@code ioloop.loops=2}: the {@code StreamHandler} bean's connections spread over both loops, and the metrics,
 * health and endpoint show each loop.
 */
@SpringBootTest(
        webEnvironment = WebEnvironment.RANDOM_PORT,
        properties = {
            "ioloop.loops=2",
            "management.endpoints.web.exposure.include=health,metrics,ioloop",
            "management.endpoint.health.show-details=always"
        })
@DirtiesContext
@Timeout(60)
class LineApplicationGroupTests {

    @LocalServerPort
    private int httpPort;

    @Value("${local.ioloop.upper.port}")
    private int port;

    @Autowired
    private IOLoop loop;

    @Autowired
    private IOLoopGroup group;

    @Test
    void connectionsSpreadOverBothLoopsAndEachLoopIsObservable() throws IOException {
        assertThat(group.loops()).extracting(IOLoop::name).containsExactly("ioloop-0", "ioloop-1");
        assertThat(loop).isSameAs(group.loops().get(0)).isSameAs(IOLoop.instance());
        RestClient http = RestClient.create("http://localhost:" + httpPort);
        List<Socket> clients = new ArrayList<>();
        try {
            for (int i = 0; i < 10; i++) {
                Socket c = new Socket(InetAddress.getLoopbackAddress(), port);
                clients.add(c);
                c.getOutputStream().write(("line " + i + "\n").getBytes(US_ASCII));
                assertThat(new BufferedReader(new InputStreamReader(c.getInputStream(), US_ASCII)).readLine())
                        .isEqualTo("LINE " + i);
            }
            String endpoint = http.get().uri("/actuator/ioloop").retrieve().body(String.class);
            assertThat(JsonPath.<String>read(endpoint, "$.name")).isEqualTo("ioloop-0");
            assertThat(JsonPath.<String>read(endpoint, "$.thread")).isEqualTo("ioloop-0");
            assertThat(JsonPath.<List<String>>read(endpoint, "$.otherLoops[*].thread"))
                    .containsExactly("ioloop-1");
            assertThat(JsonPath.<List<String>>read(endpoint, "$.handlers[?(@.channel == 'SocketChannel')].channel"))
                    .hasSize(5);
            assertThat(JsonPath.<List<String>>read(
                            endpoint, "$.otherLoops[0].handlers[?(@.channel == 'SocketChannel')].channel"))
                    .hasSize(5);

            for (String name : List.of("ioloop-0", "ioloop-1")) {
                String latency = http.get()
                        .uri("/actuator/metrics/ioloop.latency?tag=loop:" + name)
                        .retrieve()
                        .body(String.class);
                assertThat(JsonPath.<List<Double>>read(latency, "$.measurements[?(@.statistic == 'COUNT')].value"))
                        .singleElement()
                        .satisfies(count -> assertThat(count).isPositive());
            }

            String health = http.get().uri("/actuator/health").retrieve().body(String.class);
            assertThat(JsonPath.<String>read(health, "$.components.ioloop.status"))
                    .isEqualTo("UP");
            assertThat(JsonPath.<Map<String, Object>>read(health, "$.components.ioloop.details.loops"))
                    .containsOnlyKeys("ioloop-0", "ioloop-1");
        } finally {
            for (Socket c : clients) {
                c.close();
            }
        }
    }
}
