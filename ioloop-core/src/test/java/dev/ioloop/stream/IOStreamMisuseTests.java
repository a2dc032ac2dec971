package dev.ioloop.stream;

import static dev.ioloop.stream.ConnectedPair.ascii;
import static dev.ioloop.stream.ConnectedPair.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Misuse throws at the call, with the bad value or the parameter's name in the message, and changes nothing. */
@Timeout(30)
class IOStreamMisuseTests {

    @AutoClose
    private final ConnectedPair pair = ConnectedPair.open();

    private final IOStream stream = pair.stream;

    IOStreamMisuseTests() throws Exception {}

    @Test
    void aSecondReadWhileOneIsPendingThrowsAlreadyReading() throws Exception {
        CompletableFuture<byte[]> first = pair.call(() -> {
            CompletableFuture<byte[]> f = stream.readBytes(3);
            assertThatThrownBy(() -> stream.readBytes(1))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("already reading");
            assertThatThrownBy(() -> stream.readUntil(ascii("\n")))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("already reading");
            assertThatThrownBy(() -> stream.readUntilRegex(Pattern.compile("x"), 10))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("already reading");
            assertThatThrownBy(() -> stream.readInto(ByteBuffer.allocate(1), true))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("already reading");
            assertThatThrownBy(stream::readUntilClose)
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("already reading");
            return f;
        });
        pair.send("abc");
        assertThat(ascii(await(first))).as("the pending read, undisturbed").isEqualTo("abc");
    }

    @Test
    void nullArgumentsThrowNullPointerExceptionNamingTheParameter() throws Exception {
        pair.run(() -> {
            assertThatThrownBy(() -> stream.readUntil(null))
                    .isInstanceOf(NullPointerException.class)
                    .hasMessageContaining("delim");
            assertThatThrownBy(() -> stream.readUntil(null, 10))
                    .isInstanceOf(NullPointerException.class)
                    .hasMessageContaining("delim");
            assertThatThrownBy(() -> stream.readUntilRegex(null, 10))
                    .isInstanceOf(NullPointerException.class)
                    .hasMessageContaining("regex");
            assertThatThrownBy(() -> stream.readInto(null, false))
                    .isInstanceOf(NullPointerException.class)
                    .hasMessageContaining("dst");
            assertThatThrownBy(() -> stream.write((byte[]) null))
                    .isInstanceOf(NullPointerException.class)
                    .hasMessageContaining("data");
            assertThatThrownBy(() -> stream.write((ByteBuffer) null))
                    .isInstanceOf(NullPointerException.class)
                    .hasMessageContaining("data");
            assertThatThrownBy(() -> IOStream.connect(pair.ioLoop(), (SocketAddress) null))
                    .isInstanceOf(NullPointerException.class)
                    .hasMessageContaining("remote");
            try (SocketChannel unconnected = SocketChannel.open()) {
                assertThatThrownBy(() -> IOStream.of(null, unconnected))
                        .isInstanceOf(NullPointerException.class)
                        .hasMessageContaining("loop");
            }
        });
        assertThat(stream.isClosed()).isFalse();
        assertThat(pair.call(stream::isReading)).isFalse();
    }

    @Test
    void negativeSizesThrowIllegalArgumentExceptionWithTheValue() throws Exception {
        pair.run(() -> {
            assertThatThrownBy(() -> stream.readBytes(-1))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("-1");
            assertThatThrownBy(() -> stream.readBytes(-2, true))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("-2");
            assertThatThrownBy(() -> stream.readUntil(ascii("\n"), -3))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("-3");
            assertThatThrownBy(() -> stream.readUntilRegex(Pattern.compile("\n"), -4))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("-4");
        });
        assertThat(stream.isClosed()).isFalse();
        assertThat(pair.call(stream::isReading))
                .as("a rejected read is not pending")
                .isFalse();
        pair.send("ok");
        assertThat(ascii(await(pair.call(() -> stream.readBytes(2))))).isEqualTo("ok");
    }

    @Test
    void aZeroMaxBytesIsRejectedWithTheValue() throws Exception {
        // No result, not even the delimiter, fits in zero bytes.
        pair.run(() -> {
            assertThatThrownBy(() -> stream.readUntil(ascii("\n"), 0))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("0");
            assertThatThrownBy(() -> stream.readUntilRegex(Pattern.compile("\n"), 0))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("0");
        });
        assertThat(stream.isClosed()).isFalse();
        assertThat(pair.call(stream::isReading))
                .as("a rejected read is not pending")
                .isFalse();
        pair.send("ok");
        assertThat(ascii(await(pair.call(() -> stream.readBytes(2))))).isEqualTo("ok");
    }
}
