package dev.ioloop.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** {@link StreamOptions}: the defaults, validation at the builder, and the clamping of the read chunk size. */
class StreamOptionsTests {

    @Test
    void defaultsAreTornadosAndNettysNumbers() {
        StreamOptions defaults = StreamOptions.defaults();
        assertThat(defaults.maxBufferSize()).isEqualTo(104_857_600);
        assertThat(defaults.readChunkSize()).isEqualTo(65_536);
        assertThat(defaults.maxWriteBufferSize()).isEqualTo(Long.MAX_VALUE);
        assertThat(defaults.writeWaterMarkLow()).isEqualTo(32 * 1024);
        assertThat(defaults.writeWaterMarkHigh()).isEqualTo(64 * 1024);
        assertThat(defaults.handshakeTimeout()).isEqualTo(Duration.ofSeconds(10));
        assertThat(StreamOptions.builder().build()).isEqualTo(defaults);
    }

    @Test
    void theBuilderSetsEveryOption() {
        StreamOptions options = StreamOptions.builder()
                .maxBufferSize(1_000_000)
                .readChunkSize(4096)
                .maxWriteBufferSize(5_000_000_000L)
                .writeWaterMarks(1000, 2000)
                .handshakeTimeout(Duration.ofMillis(1500))
                .build();
        assertThat(options.maxBufferSize()).isEqualTo(1_000_000);
        assertThat(options.readChunkSize()).isEqualTo(4096);
        assertThat(options.maxWriteBufferSize()).isEqualTo(5_000_000_000L);
        assertThat(options.writeWaterMarkLow()).isEqualTo(1000);
        assertThat(options.writeWaterMarkHigh()).isEqualTo(2000);
        assertThat(options.handshakeTimeout()).isEqualTo(Duration.ofMillis(1500));
    }

    @Test
    void toBuilderStartsFromTheOptionsItCameFrom() {
        StreamOptions options = StreamOptions.builder()
                .maxBufferSize(1_000_000)
                .writeWaterMarks(10, 20)
                .build();
        assertThat(options.toBuilder().build()).isEqualTo(options);
        StreamOptions changed = options.toBuilder().readChunkSize(100).build();
        assertThat(changed.readChunkSize()).isEqualTo(100);
        assertThat(changed.maxBufferSize()).isEqualTo(1_000_000);
        assertThat(changed.writeWaterMarkHigh()).isEqualTo(20);
        assertThat(options.readChunkSize()).as("the original is immutable").isEqualTo(65_536);
    }

    @Test
    void theReadChunkSizeIsClampedToHalfTheMaxBufferSizeButAtLeastOne() {
        assertThat(StreamOptions.builder().maxBufferSize(1000).build().readChunkSize())
                .isEqualTo(500);
        assertThat(StreamOptions.builder()
                        .readChunkSize(100_000)
                        .maxBufferSize(1000)
                        .build()
                        .readChunkSize())
                .as("whichever is set first")
                .isEqualTo(500);
        assertThat(StreamOptions.builder()
                        .maxBufferSize(1000)
                        .readChunkSize(100)
                        .build()
                        .readChunkSize())
                .as("a smaller chunk stays")
                .isEqualTo(100);
        assertThat(StreamOptions.builder().maxBufferSize(1).build().readChunkSize())
                .isEqualTo(1);
        assertThat(StreamOptions.builder().maxBufferSize(3).build().readChunkSize())
                .isEqualTo(1);
    }

    @Test
    void zeroOrNegativeSizesAreRejectedWithTheValue() {
        assertThatThrownBy(() -> StreamOptions.builder().maxBufferSize(0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("0");
        assertThatThrownBy(() -> StreamOptions.builder().maxBufferSize(-5))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("-5");
        assertThatThrownBy(() -> StreamOptions.builder().readChunkSize(0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("0");
        assertThatThrownBy(() -> StreamOptions.builder().readChunkSize(-6))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("-6");
        assertThatThrownBy(() -> StreamOptions.builder().maxWriteBufferSize(-7))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("-7");
        assertThatThrownBy(() -> StreamOptions.builder().writeWaterMarks(-8, 100))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("-8");
    }

    @Test
    void aLowWaterMarkAboveTheHighOneIsRejectedWithBoth() {
        assertThatThrownBy(() -> StreamOptions.builder().writeWaterMarks(2000, 1000))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("2000")
                .hasMessageContaining("1000");
        assertThat(StreamOptions.builder().writeWaterMarks(1000, 1000).build().writeWaterMarkLow())
                .as("equal marks are allowed")
                .isEqualTo(1000);
    }

    @Test
    void aNullHandshakeTimeoutIsRejected() {
        assertThatThrownBy(() -> StreamOptions.builder().handshakeTimeout(null))
                .isInstanceOf(NullPointerException.class)
                .hasMessageContaining("handshakeTimeout");
    }
}
