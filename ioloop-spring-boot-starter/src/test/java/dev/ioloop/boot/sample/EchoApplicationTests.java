package dev.ioloop.boot.sample;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.assertj.core.api.Assertions.assertThat;

import com.jayway.jsonpath.JsonPath;
import dev.ioloop.IOLoop;
import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.web.client.RestClient;

/** The application as a user runs it: a real echo client, then real HTTP requests to the actuator. */
@SpringBootTest(
        webEnvironment = WebEnvironment.RANDOM_PORT,
        properties = {
            "management.endpoints.web.exposure.include=health,metrics,ioloop",
            "management.endpoint.health.show-details=always"
        })
@DirtiesContext
@Timeout(60)
class EchoApplicationTests {

    @LocalServerPort
    private int httpPort;

    @Value("${local.ioloop.echo.port}")
    private int echoPort;

    @Autowired
    private IOLoop loop;

    @Test
    void echoesARealClientAndTheActuatorShowsWhatTheLoopIsDoing() throws IOException {
        try (Socket client = new Socket(InetAddress.getLoopbackAddress(), echoPort)) {
            client.getOutputStream().write("ping".getBytes(US_ASCII));
            assertThat(new String(client.getInputStream().readNBytes(4), US_ASCII))
                    .isEqualTo("ping");

            RestClient http = RestClient.create("http://localhost:" + httpPort);
            String latency = get(http, "/actuator/metrics/ioloop.latency");
            assertThat(JsonPath.<List<Double>>read(latency, "$.measurements[?(@.statistic == 'COUNT')].value"))
                    .singleElement()
                    .satisfies(count -> assertThat(count).isPositive());
            assertThat(JsonPath.<List<String>>read(latency, "$.availableTags[?(@.tag == 'loop')].values[0]"))
                    .containsExactly("ioloop");

            String handlers = get(http, "/actuator/metrics/ioloop.handlers");
            assertThat(JsonPath.<List<Double>>read(handlers, "$.measurements[?(@.statistic == 'VALUE')].value"))
                    .singleElement()
                    .satisfies(value -> assertThat(value).isGreaterThanOrEqualTo(1.0));

            String calls = get(http, "/actuator/metrics/ioloop.handler.calls?tag=handler:echo");
            assertThat(JsonPath.<List<Double>>read(calls, "$.measurements[?(@.statistic == 'COUNT')].value"))
                    .singleElement()
                    .satisfies(count -> assertThat(count).isGreaterThanOrEqualTo(1.0));

            String health = get(http, "/actuator/health");
            assertThat(JsonPath.<String>read(health, "$.status")).isEqualTo("UP");
            assertThat(JsonPath.<String>read(health, "$.components.ioloop.status"))
                    .isEqualTo("UP");
            assertThat(JsonPath.<Boolean>read(health, "$.components.ioloop.details.running"))
                    .isTrue();
            assertThat(JsonPath.<String>read(health, "$.components.ioloop.details.thread"))
                    .isEqualTo("ioloop");
            assertThat(JsonPath.<Integer>read(health, "$.components.ioloop.details.handlers"))
                    .isGreaterThanOrEqualTo(1);

            String endpoint = get(http, "/actuator/ioloop");
            assertThat(JsonPath.<Boolean>read(endpoint, "$.running")).isTrue();
            assertThat(JsonPath.<List<String>>read(endpoint, "$.handlers[?(@.handler == 'echo')].channel"))
                    .containsExactly("ServerSocketChannel");
            assertThat(JsonPath.<List<String>>read(endpoint, "$.handlers[?(@.handler == 'echo')].localAddress"))
                    .containsExactly("/127.0.0.1:" + echoPort);
            assertThat(JsonPath.<List<String>>read(endpoint, "$.handlers[?(@.channel == 'SocketChannel')].handler"))
                    .containsExactly(EchoConnection.class.getName());
        }
        assertThat(IOLoop.instance()).isSameAs(loop);
    }

    private static String get(RestClient http, String path) {
        return http.get().uri(path).retrieve().body(String.class);
    }
}
