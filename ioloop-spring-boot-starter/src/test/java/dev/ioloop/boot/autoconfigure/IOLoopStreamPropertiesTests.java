package dev.ioloop.boot.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import com.jayway.jsonpath.JsonPath;
import dev.ioloop.boot.autoconfigure.IOLoopStreamProperties.WriteWaterMarks;
import dev.ioloop.stream.StreamOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.util.unit.DataSize;

class IOLoopStreamPropertiesTests {

    private final ApplicationContextRunner runner =
            new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(IOLoopAutoConfiguration.class));

    @Test
    void theDefaultsAreTheStreamDefaults() {
        runner.run(context -> assertThat(context.getBean(StreamOptions.class)).isEqualTo(StreamOptions.defaults()));
    }

    @Test
    void everyPropertyReachesTheStreamOptions() {
        runner.withPropertyValues(
                        "ioloop.stream.max-buffer-size=1MB",
                        "ioloop.stream.max-write-buffer-size=8MB",
                        "ioloop.stream.read-chunk-size=16KB",
                        "ioloop.stream.write-water-marks.low=4KB",
                        "ioloop.stream.write-water-marks.high=128KB",
                        "ioloop.stream.handshake-timeout=3s")
                .run(context -> {
                    StreamOptions options = context.getBean(StreamOptions.class);
                    assertThat(options.maxBufferSize()).isEqualTo(1 << 20);
                    assertThat(options.maxWriteBufferSize()).isEqualTo(8 << 20);
                    assertThat(options.readChunkSize()).isEqualTo(16 << 10);
                    assertThat(options.writeWaterMarkLow()).isEqualTo(4 << 10);
                    assertThat(options.writeWaterMarkHigh()).isEqualTo(128 << 10);
                    assertThat(options.handshakeTimeout()).isEqualTo(java.time.Duration.ofSeconds(3));
                });
    }

    @Test
    void aBadValueFailsStartupNamingTheProperty() {
        runner.withPropertyValues("ioloop.stream.write-water-marks.low=1MB")
                .run(context -> assertThat(context.getStartupFailure())
                        .rootCause()
                        .hasMessage("ioloop.stream.write-water-marks.low (1048576B) must not be above "
                                + "ioloop.stream.write-water-marks.high (65536B)"));
        runner.withPropertyValues("ioloop.stream.max-buffer-size=3GB")
                .run(context -> assertThat(context.getStartupFailure())
                        .rootCause()
                        .hasMessage("ioloop.stream.max-buffer-size must be between 1 byte and 2GB: 3221225472B"));
        assertThatIllegalArgumentException()
                .isThrownBy(() -> new IOLoopStreamProperties(
                        DataSize.ofMegabytes(1),
                        DataSize.ofBytes(0),
                        DataSize.ofKilobytes(64),
                        new WriteWaterMarks(DataSize.ofKilobytes(1), DataSize.ofKilobytes(2)),
                        java.time.Duration.ofSeconds(10),
                        null))
                .withMessage("ioloop.stream.max-write-buffer-size must be at least 1 byte: 0B");
        runner.withPropertyValues("ioloop.stream.handshake-timeout=0s")
                .run(context -> assertThat(context.getStartupFailure())
                        .rootCause()
                        .hasMessage("ioloop.stream.handshake-timeout must be positive: PT0S"));
        runner.withPropertyValues("ioloop.stream.tls-provider=NoSuchTls")
                .run(context -> assertThat(context.getStartupFailure())
                        .rootCause()
                        .hasMessageStartingWith("ioloop.stream.tls-provider=NoSuchTls: no JCA provider has that name "
                                + "(registered: SUN, SunRsaSign")
                        .hasMessageEndingWith("use Conscrypt, register the provider with "
                                + "java.security.Security.addProvider before the application starts, or leave the "
                                + "property unset for the JDK's own TLS"));
    }

    @Test
    void configurationProcessorDescribedEveryStreamProperty() throws Exception {
        Path classes = Path.of(IOLoopStreamProperties.class
                .getProtectionDomain()
                .getCodeSource()
                .getLocation()
                .toURI());
        String json = Files.readString(classes.resolve("META-INF/spring-configuration-metadata.json"));
        List<Map<String, Object>> properties = JsonPath.read(json, "$.properties[?(@.name =~ /ioloop\\.stream\\..*/)]");
        assertThat(properties)
                .extracting(p -> p.get("name"))
                .containsExactlyInAnyOrder(
                        "ioloop.stream.max-buffer-size",
                        "ioloop.stream.max-write-buffer-size",
                        "ioloop.stream.read-chunk-size",
                        "ioloop.stream.write-water-marks.low",
                        "ioloop.stream.write-water-marks.high",
                        "ioloop.stream.handshake-timeout",
                        "ioloop.stream.tls-provider");
        assertThat(properties)
                .allSatisfy(p -> assertThat((String) p.get("description")).matches("(Most|Queued|The) .*\\."));
        assertThat(JsonPath.<List<Object>>read(
                        json, "$.properties[?(@.name == 'ioloop.stream.max-buffer-size')].defaultValue"))
                .containsExactly("100MB");
        assertThat(JsonPath.<List<Object>>read(
                        json, "$.properties[?(@.name == 'ioloop.stream.write-water-marks.high')].defaultValue"))
                .containsExactly("64KB");
    }
}
