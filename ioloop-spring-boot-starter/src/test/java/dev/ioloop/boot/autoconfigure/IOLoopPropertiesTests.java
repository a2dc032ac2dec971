package dev.ioloop.boot.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import com.jayway.jsonpath.JsonPath;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class IOLoopPropertiesTests {

    @Test
    void rejectsAnUnknownPollerNamingTheAvailableOnes() {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> properties("epoll-please", Duration.ofSeconds(1), Duration.ofSeconds(10)))
                .withMessage("unknown poller 'epoll-please' (available: [selector])");
    }

    @Test
    void acceptsZeroBlockedThresholdButNoNegativeDurations() {
        assertThat(properties("selector", Duration.ZERO, Duration.ofSeconds(1)).blockedThreshold())
                .isZero();
        assertThatIllegalArgumentException()
                .isThrownBy(() -> properties("selector", Duration.ofMillis(-1), Duration.ofSeconds(1)))
                .withMessageContaining("ioloop.blocked-threshold must be >= 0");
        assertThatIllegalArgumentException()
                .isThrownBy(() -> properties("selector", Duration.ZERO, Duration.ofSeconds(-1)))
                .withMessageContaining("ioloop.shutdown-timeout must be > 0");
    }

    @Test
    void configurationProcessorDescribedEveryPropertyWithItsDefault() throws Exception {
        Path classes = Path.of(IOLoopProperties.class
                .getProtectionDomain()
                .getCodeSource()
                .getLocation()
                .toURI());
        String json = Files.readString(classes.resolve("META-INF/spring-configuration-metadata.json"));
        List<Map<String, Object>> properties = JsonPath.read(json, "$.properties[?(@.name =~ /ioloop\\.[a-z-]+/)]");
        assertThat(properties)
                .extracting(p -> p.get("name"))
                .containsExactlyInAnyOrder(
                        "ioloop.enabled",
                        "ioloop.name",
                        "ioloop.thread-name",
                        "ioloop.poller",
                        "ioloop.blocked-threshold",
                        "ioloop.shutdown-timeout",
                        "ioloop.handler-failure-limit",
                        "ioloop.loops");
        assertThat(properties).allSatisfy(p -> {
            assertThat((String) p.get("description")).matches("(Whether|Name|Time|Maximum|Consecutive|Number) .*\\.");
            assertThat(p.get("defaultValue")).isNotNull();
        });
        assertThat(JsonPath.<List<Object>>read(
                        json, "$.properties[?(@.name == 'ioloop.blocked-threshold')].defaultValue"))
                .containsExactly("1s");
        assertThat(Files.exists(classes.resolve("META-INF/spring-autoconfigure-metadata.properties")))
                .isTrue();
    }

    @Test
    void metadataDescribesTheHealthSwitchAndHintsThePollers() throws Exception {
        Path classes = Path.of(IOLoopProperties.class
                .getProtectionDomain()
                .getCodeSource()
                .getLocation()
                .toURI());
        String json = Files.readString(classes.resolve("META-INF/spring-configuration-metadata.json"));
        assertThat(JsonPath.<List<Object>>read(
                        json, "$.properties[?(@.name == 'management.health.ioloop.enabled')].defaultValue"))
                .containsExactly(true);
        assertThat(JsonPath.<List<String>>read(json, "$.hints[?(@.name == 'ioloop.poller')].values[*].value"))
                .containsExactlyElementsOf(dev.ioloop.poller.Pollers.available());
    }

    @Test
    void acceptsAZeroHandlerFailureLimitButNoNegativeOne() {
        assertThat(new IOLoopProperties(
                                true, "ioloop", "ioloop", "selector", Duration.ZERO, Duration.ofSeconds(1), 0, 1)
                        .handlerFailureLimit())
                .isZero();
        assertThatIllegalArgumentException()
                .isThrownBy(() -> new IOLoopProperties(
                        true, "ioloop", "ioloop", "selector", Duration.ZERO, Duration.ofSeconds(1), -3, 1))
                .withMessage("ioloop.handler-failure-limit must be >= 0 (0 turns it off): -3");
    }

    private static IOLoopProperties properties(String poller, Duration blocked, Duration shutdown) {
        return new IOLoopProperties(true, "ioloop", "ioloop", poller, blocked, shutdown, 10, 1);
    }
}
