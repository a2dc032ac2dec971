package dev.ioloop.sample;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The sample as Spring AOT built it: the repackaged jar (with the classes {@code process-aot} generated) started in a
 * child JVM with {@code -Dspring.aot.enabled=true}, driven by Jedis and read over HTTP. It runs in failsafe, after
 * {@code package}; the system property {@code sample.jar} names the jar.
 *
 * <p>That the app really ran from the generated code is checked three ways: Boot says "Starting AOT-processed"; the
 * JVM's class-load log shows the generated {@code __BeanDefinitions} classes of the sample and of the starter being
 * loaded and Spring's {@code ConditionEvaluator} never being loaded (a context refreshed the usual way evaluates every
 * {@code @Conditional} with it); and two settings that drive conditions are given on the command line and must change
 * nothing, because in AOT mode their conditions were decided at build time: {@code ioloop.loops=2} (the regular app
 * would run an {@code IOLoopGroup} of two loops) and {@code management.health.ioloop.enabled=false} (it would have no
 * {@code ioloop} health contributor). A setting read at run time, {@code ioloop.name}, still applies.
 */
@Timeout(120)
class SampleAotTests {

    private static final Pattern HTTP_PORT = Pattern.compile("Jetty started on port (\\d+)");

    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private SampleProcess app;

    @AfterEach
    void stopApp() throws InterruptedException {
        if (app != null) {
            app.close(); // SIGTERM: Boot's graceful shutdown
        }
    }

    @Test
    void aotProcessedJarServesRespAndLoopMetricsWithConditionsFixedAtBuildTime(@TempDir Path dir) throws Exception {
        Path jar = Path.of(System.getProperty("sample.jar", "target/sample-app.jar"));
        assertThat(jar).as("the repackaged sample (run mvn verify)").isRegularFile();
        Path classLog = dir.resolve("class-load.log");
        app = SampleProcess.java(
                "-Dspring.aot.enabled=true",
                "-Xlog:class+load=info:file=" + classLog,
                "-jar",
                jar.toString(),
                "--sample.port=0",
                "--server.port=0",
                "--spring.main.banner-mode=off",
                "--ioloop.name=aot",
                "--ioloop.loops=2",
                "--management.health.ioloop.enabled=false");
        app.awaitLine("Started SampleApplication");
        int respPort = app.port();
        int httpPort = app.number(HTTP_PORT);

        assertThat(app.lines()).anyMatch(l -> l.contains("Starting AOT-processed SampleApplication"));
        String loaded = Files.readString(classLog);
        assertThat(loaded)
                .contains("dev.ioloop.sample.RespListener__BeanDefinitions ")
                .contains("dev.ioloop.boot.autoconfigure.IOLoopAutoConfiguration__BeanDefinitions ")
                .doesNotContain("org.springframework.context.annotation.ConditionEvaluator ");

        try (Jedis jedis = new Jedis("127.0.0.1", respPort, 10_000)) {
            assertThat(jedis.ping()).isEqualTo("PONG");
            assertThat(jedis.set("aot", "yes")).isEqualTo("OK");
            assertThat(jedis.get("aot")).isEqualTo("yes");
            assertThat(jedis.info("ioloop")).contains("loop_name:aot");
        }

        JsonNode latency = get(httpPort, "/actuator/metrics/ioloop.latency");
        assertThat(latency.get("name").asString()).isEqualTo("ioloop.latency");
        assertThat(latency.get("availableTags").get(0).get("values").get(0).asString())
                .isEqualTo("aot");
        assertThat(statistic(latency, "COUNT"))
                .as("latency samples from the commands just served")
                .isPositive();

        JsonNode loop = get(httpPort, "/actuator/ioloop");
        assertThat(loop.get("name").asString()).isEqualTo("aot");
        assertThat(loop.get("otherLoops"))
                .as("ioloop.loops=2 given at run time: still one loop")
                .isEmpty();
        assertThat(loop.get("handlers").findValuesAsString("handler")).contains("resp");

        JsonNode health = get(httpPort, "/actuator/health/ioloop");
        assertThat(health.get("status").asString())
                .as("management.health.ioloop.enabled=false given at run time: the contributor is still there")
                .isEqualTo("UP");
    }

    private JsonNode get(int port, String path) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(10))
                .build();
        HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode())
                .as("GET %s: %s", path, response.body())
                .isEqualTo(200);
        return JsonMapper.shared().readTree(response.body());
    }

    private static double statistic(JsonNode metric, String name) {
        for (JsonNode measurement : metric.get("measurements")) {
            if (measurement.get("statistic").asString().equals(name)) {
                return measurement.get("value").asDouble();
            }
        }
        throw new AssertionError("no " + name + " in " + metric);
    }
}
