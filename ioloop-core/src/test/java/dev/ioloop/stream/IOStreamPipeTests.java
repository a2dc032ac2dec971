package dev.ioloop.stream;

import static dev.ioloop.stream.ConnectedPair.ascii;
import static dev.ioloop.stream.ConnectedPair.await;
import static dev.ioloop.stream.ConnectedPair.pattern;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ioloop.LoopThread;
import java.nio.ByteBuffer;
import java.nio.channels.Pipe;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Streams over either end of a {@link Pipe}: the same reads, writes and close rules as over a socket. */
@Timeout(30)
class IOStreamPipeTests {

    @AutoClose
    private final LoopThread loop = LoopThread.start();

    private final Pipe pipe = Pipe.open();

    IOStreamPipeTests() throws Exception {}

    @AfterEach
    void closePipe() throws Exception {
        pipe.source().close();
        pipe.sink().close();
    }

    @Test
    void aStreamOverTheSourceReadsWhatIsWrittenToTheSink() throws Exception {
        IOStream reader = loop.call(() -> IOStream.of(loop.loop, pipe.source()));
        CompletableFuture<byte[]> line = loop.call(() -> reader.readUntil(ascii("\n")));
        pipe.sink().write(ByteBuffer.wrap(ascii("through the pipe\nand more")));
        assertThat(ascii(await(line))).isEqualTo("through the pipe\n");
        pipe.sink().close();
        assertThat(ascii(await(loop.call(reader::readUntilClose)))).isEqualTo("and more");
        assertThat(reader.isClosed()).isTrue();
        assertThat(loop.call(reader::error)).isNull();
        assertThat(pipe.source().isOpen()).isFalse();
        assertThat(loop.loop.handlers()).isEmpty();
    }

    @Test
    void aStreamOverTheSinkWritesWhatTheSourceReads() throws Exception {
        IOStream writer = loop.call(() -> IOStream.of(loop.loop, pipe.sink()));
        byte[] data = pattern(4 * 1024 * 1024);
        CompletableFuture<Void> written = loop.call(() -> writer.write(data));
        ByteBuffer received = ByteBuffer.allocate(data.length);
        while (received.hasRemaining()) {
            pipe.source().read(received);
        }
        await(written);
        assertThat(received.array()).isEqualTo(data);
        loop.call(() -> {
            writer.close();
            return null;
        });
        assertThat(pipe.sink().isOpen()).isFalse();
        assertThat(pipe.source().read(ByteBuffer.allocate(1)))
                .as("EOF after the writer closed")
                .isEqualTo(-1);
    }

    @Test
    void twoStreamsOverOnePipeTalkAndCloseCleanly() throws Exception {
        StreamOptions options = StreamOptions.builder().readChunkSize(1024).build();
        IOStream reader = loop.call(() -> IOStream.of(loop.loop, pipe.source(), options));
        IOStream writer = loop.call(() -> IOStream.of(loop.loop, pipe.sink(), options));
        byte[] data = pattern(1024 * 1024);
        CompletableFuture<byte[]> all = loop.call(() -> {
            writer.write(data).thenRun(writer::close);
            return reader.readUntilClose();
        });
        assertThat(await(all)).isEqualTo(data);
        assertThat(loop.call(reader::error)).isNull();
        assertThat(writer.isClosed()).isTrue();
        assertThat(loop.loop.handlers()).isEmpty();
    }

    @Test
    void aGracefulCloseOfTheSinkWritesEverythingThenClosesWithoutLingering() throws Exception {
        IOStream writer = loop.call(() -> IOStream.of(loop.loop, pipe.sink()));
        byte[] data = pattern(1024 * 1024);
        CompletableFuture<Void> closed = loop.call(() -> {
            writer.write(data);
            return writer.closeGracefully(Duration.ofSeconds(30));
        });
        ByteBuffer received = ByteBuffer.allocate(data.length + 1);
        while (received.hasRemaining() && pipe.source().read(received) >= 0) {
            // until EOF, or one byte more than was written
        }
        assertThat(Arrays.copyOf(received.array(), received.position())).isEqualTo(data);
        // A pipe has no input to wait for: the stream closes once the output is written, not after the linger.
        await(closed);
        assertThat(writer.isClosed()).isTrue();
    }

    @Test
    void setNoDelayIsANoOpOnAPipe() throws Exception {
        IOStream reader = loop.call(() -> IOStream.of(loop.loop, pipe.source()));
        loop.call(() -> {
            reader.setNoDelay(true);
            reader.close();
            return null;
        });
        assertThat(reader.isClosed()).isTrue();
    }
}
