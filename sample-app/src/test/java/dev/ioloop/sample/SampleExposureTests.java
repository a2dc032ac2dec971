package dev.ioloop.sample;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;

/**
 * Hardening, exposure: with its default configuration the sample listens on loopback only (RESP and HTTP), the
 * actuator exposes health, metrics, prometheus, ioloop and info and nothing else, and no secret in the configuration
 * shows up in what it exposes.
 */
@SpringBootTest(
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {
            "sample.port=0",
            "spring.datasource.password=hunter2-datasource",
            "sample.api-key=hunter2-api-key",
            "ioloop.secret-token=hunter2-token"
        })
@Timeout(60)
class SampleExposureTests {

    private static final List<String> SECRETS = List.of("hunter2");

    @Value("${local.ioloop.resp.port}")
    private int respPort;

    @Value("${local.server.port}")
    private int httpPort;

    private final HttpClient http = HttpClient.newHttpClient();

    private HttpResponse<String> get(String path) throws Exception {
        return http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + path))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void theRespPortAndTheActuatorListenOnLoopbackOnly() throws Exception {
        String endpoint = get("/actuator/ioloop").body();
        assertThat(endpoint).contains("\"localAddress\":\"/127.0.0.1:" + respPort + "\"");
        try (Socket local = new Socket(InetAddress.getLoopbackAddress(), respPort)) {
            assertThat(local.isConnected()).isTrue();
        }
        // The kernel's table of listening sockets: each port is bound to 127.0.0.1 only, not to 0.0.0.0 or ::.
        for (int port : new int[] {respPort, httpPort}) {
            assertThat(listeningAddresses(port))
                    .as("listening sockets of port %d", port)
                    .containsExactly("127.0.0.1");
        }
    }

    @Test
    void theActuatorExposesHealthMetricsPrometheusIoloopAndInfoOnly() throws Exception {
        HttpResponse<String> index = get("/actuator");
        assertThat(index.statusCode()).isEqualTo(200);
        TreeSet<String> links = new TreeSet<>();
        Matcher m = Pattern.compile("\"([A-Za-z-]+)\"\\s*:\\s*\\{\\s*\"href\"").matcher(index.body());
        while (m.find()) {
            links.add(m.group(1));
        }
        assertThat(links)
                .containsExactly(
                        "health",
                        "health-path",
                        "info",
                        "ioloop",
                        "metrics",
                        "metrics-requiredMetricName",
                        "prometheus",
                        "self");
        for (String hidden : List.of(
                "env",
                "beans",
                "configprops",
                "heapdump",
                "threaddump",
                "loggers",
                "mappings",
                "scheduledtasks",
                "conditions",
                "shutdown",
                "startup",
                "sbom")) {
            assertThat(get("/actuator/" + hidden).statusCode())
                    .as("/actuator/%s", hidden)
                    .isEqualTo(404);
        }
        HttpResponse<String> shutdown = http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/actuator/shutdown"))
                        .POST(HttpRequest.BodyPublishers.noBody())
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(shutdown.statusCode()).isEqualTo(404);
    }

    @Test
    void nothingExposedCarriesASecretFromTheConfiguration() throws Exception {
        for (String path : List.of(
                "/actuator",
                "/actuator/ioloop",
                "/actuator/health",
                "/actuator/info",
                "/actuator/metrics",
                "/actuator/metrics/ioloop.handlers",
                "/actuator/prometheus")) {
            HttpResponse<String> response = get(path);
            assertThat(response.statusCode()).as(path).isEqualTo(200);
            for (String secret : SECRETS) {
                assertThat(response.body()).as(path).doesNotContain(secret);
            }
        }
    }

    /** The local addresses of the sockets listening on {@code port}, from {@code /proc/net/tcp} and {@code tcp6}. */
    private static List<String> listeningAddresses(int port) throws IOException {
        List<String> addresses = new ArrayList<>();
        for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
            for (String line : Files.readAllLines(Path.of(table))) {
                String[] f = line.trim().split("\\s+");
                // sl local_address rem_address st ...; st 0A is LISTEN; addresses are hex, port after ':'
                if (f.length < 4 || !f[3].equals("0A")) {
                    continue;
                }
                String[] local = f[1].split(":");
                if (Integer.parseInt(local[1], 16) == port) {
                    addresses.add(decode(local[0]));
                }
            }
        }
        return addresses;
    }

    /** Decodes a /proc/net address: IPv4 as one little-endian word, IPv6 as four. */
    private static String decode(String hex) throws IOException {
        byte[] bytes = new byte[hex.length() / 2];
        for (int word = 0; word < bytes.length / 4; word++) {
            for (int i = 0; i < 4; i++) {
                int at = (word * 4 + 3 - i) * 2;
                bytes[word * 4 + i] = (byte) Integer.parseInt(hex.substring(at, at + 2), 16);
            }
        }
        return InetAddress.getByAddress(bytes).getHostAddress();
    }
}
