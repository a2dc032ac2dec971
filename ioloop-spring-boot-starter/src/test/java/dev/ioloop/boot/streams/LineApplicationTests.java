package dev.ioloop.boot.streams;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.jayway.jsonpath.JsonPath;
import dev.ioloop.boot.IoHandlerRegistrar;
import dev.ioloop.net.TCPServer;
import dev.ioloop.stream.StreamOptions;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.Socket;
import java.time.Duration;
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

/**
 * A {@code StreamHandler} bean as a user runs it: real clients over TCP, the {@code ioloop.stream.*} limits applied
 * to its streams, and the {@code ioloop.streams.*} meters over real HTTP.
 */
@SpringBootTest(
        webEnvironment = WebEnvironment.RANDOM_PORT,
        properties = {
            "management.endpoints.web.exposure.include=health,metrics,ioloop",
            "ioloop.stream.max-buffer-size=4KB",
            "ioloop.stream.write-water-marks.low=1KB",
            "ioloop.stream.write-water-marks.high=2KB"
        })
@DirtiesContext
@Timeout(60)
class LineApplicationTests {

    @LocalServerPort
    private int httpPort;

    @Value("${local.ioloop.upper.port}")
    private int port;

    @Autowired
    private IoHandlerRegistrar registrar;

    @Autowired
    private StreamOptions streamOptions;

    @Test
    void servesEachConnectionAsAStreamAndTheActuatorCountsThem() throws IOException {
        RestClient http = RestClient.create("http://localhost:" + httpPort);
        await().atMost(Duration.ofSeconds(10))
                .untilAsserted(() ->
                        assertThat(value(http, "ioloop.streams.open", "VALUE")).isZero());
        double read = value(http, "ioloop.streams.bytes.read", "COUNT");
        double written = value(http, "ioloop.streams.bytes.written", "COUNT");
        double handed = value(http, "ioloop.handler.calls", "COUNT");
        try (Socket a = connect();
                Socket b = connect()) {
            assertThat(exchange(a, "hello")).isEqualTo("HELLO");
            assertThat(exchange(b, "world")).isEqualTo("WORLD");
            assertThat(exchange(a, "again")).isEqualTo("AGAIN");

            assertThat(value(http, "ioloop.streams.open", "VALUE")).isEqualTo(2.0);
            assertThat(value(http, "ioloop.streams.bytes.read", "COUNT") - read).isEqualTo(18.0);
            assertThat(value(http, "ioloop.streams.bytes.written", "COUNT") - written)
                    .isEqualTo(18.0);
            assertThat(value(http, "ioloop.handler.calls", "COUNT") - handed)
                    .as("connections handed over")
                    .isEqualTo(2.0);
            String endpoint = get(http, "/actuator/ioloop");
            assertThat(JsonPath.<List<String>>read(endpoint, "$.handlers[?(@.handler == 'upper')].channel"))
                    .containsExactly("ServerSocketChannel");
        }
        await().atMost(Duration.ofSeconds(10))
                .untilAsserted(() ->
                        assertThat(value(http, "ioloop.streams.open", "VALUE")).isZero());
    }

    @Test
    void theStreamPropertiesBoundEveryConnection() throws IOException {
        assertThat(streamOptions.maxBufferSize()).isEqualTo(4096);
        assertThat(streamOptions.writeWaterMarkLow()).isEqualTo(1024);
        assertThat(streamOptions.writeWaterMarkHigh()).isEqualTo(2048);
        assertThat(streamOptions.maxWriteBufferSize()).isEqualTo(Long.MAX_VALUE);
        try (Socket client = connect()) {
            // 8 KB without a newline: past ioloop.stream.max-buffer-size, so the server closes this connection.
            client.getOutputStream().write("x".repeat(8192).getBytes(US_ASCII));
            assertThat(client.getInputStream().read()).as("end of stream").isEqualTo(-1);
        }
        try (Socket other = connect()) {
            assertThat(exchange(other, "still served")).isEqualTo("STILL SERVED");
        }
    }

    @Test
    void theRegistrationExposesTheServer() {
        TCPServer server = registrar.registrations().stream()
                .filter(r -> r.beanName().equals("upper"))
                .findFirst()
                .orElseThrow()
                .streamServer();
        assertThat(server).isNotNull();
        assertThat(server.boundAddresses()).hasSize(1);
    }

    private Socket connect() throws IOException {
        return new Socket(InetAddress.getLoopbackAddress(), port);
    }

    private static String exchange(Socket socket, String line) throws IOException {
        socket.getOutputStream().write((line + "\n").getBytes(US_ASCII));
        return new BufferedReader(new InputStreamReader(socket.getInputStream(), US_ASCII)).readLine();
    }

    private static double value(RestClient http, String meter, String statistic) {
        String json = get(http, "/actuator/metrics/" + meter + "?tag=handler:upper");
        List<Double> values = JsonPath.read(json, "$.measurements[?(@.statistic == '" + statistic + "')].value");
        assertThat(values).hasSize(1);
        return values.get(0);
    }

    private static String get(RestClient http, String path) {
        return http.get().uri(path).retrieve().body(String.class);
    }
}
