package dev.ioloop.sample;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import redis.clients.jedis.Jedis;

/** The actuator of the running sample, over real HTTP, while real clients use the RESP port. */
@Timeout(60)
class SampleActuatorTests extends SampleServerTestSupport {

    private final HttpClient http = HttpClient.newHttpClient();

    private String get(String path) throws Exception {
        HttpResponse<String> response = http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + path))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(path).isEqualTo(200);
        return response.body();
    }

    private static double firstValue(String metricJson) {
        Matcher m = Pattern.compile("\"value\"\\s*:\\s*([0-9.Ee+-]+)").matcher(metricJson);
        assertThat(m.find()).as(metricJson).isTrue();
        return Double.parseDouble(m.group(1));
    }

    @Test
    void handlerCallsOfTheAcceptorGrowAsClientsConnect() throws Exception {
        double before = firstValue(get("/actuator/metrics/ioloop.handler.calls?tag=handler:resp"));
        for (int i = 0; i < 5; i++) {
            try (Jedis client = newClient()) {
                assertThat(client.ping()).isEqualTo("PONG");
            }
        }
        double after = firstValue(get("/actuator/metrics/ioloop.handler.calls?tag=handler:resp"));
        assertThat(after).isGreaterThanOrEqualTo(before + 1);
    }

    @Test
    void latencyHandlersHealthAndTheLoopEndpointShowTheServer() throws Exception {
        jedis.set("a", "1");
        assertThat(get("/actuator/metrics/ioloop.latency")).contains("\"COUNT\"");
        assertThat(firstValue(get("/actuator/metrics/ioloop.handlers"))).isGreaterThanOrEqualTo(2);
        assertThat(get("/actuator/health")).contains("\"status\":\"UP\"").contains("ioloop");
        String endpoint = get("/actuator/ioloop");
        assertThat(endpoint).contains("\"resp\"").contains("\"running\":true");
        assertThat(get("/actuator/info")).contains("RESP");
    }
}
