package dev.ioloop.stream;

import static dev.ioloop.stream.ConnectedPair.ascii;
import static dev.ioloop.stream.ConnectedPair.await;
import static dev.ioloop.stream.ConnectedPair.pattern;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ioloop.HandlerInfo;
import dev.ioloop.IOLoop;
import java.net.StandardSocketOptions;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** What {@code IOStream.of} does to the channel it wraps, and when the stream registers it with the loop. */
@Timeout(30)
class IOStreamWrapTests {

    private static final StreamOptions OPTIONS =
            StreamOptions.builder().maxBufferSize(1 << 20).build();

    @AutoClose
    private final ConnectedPair pair = ConnectedPair.open(OPTIONS);

    private final IOStream stream = pair.stream;

    IOStreamWrapTests() throws Exception {}

    @Test
    void ofMakesTheChannelNonBlockingAndKeepsItsOptions() throws Exception {
        assertThat(pair.streamChannel().isBlocking()).isFalse();
        assertThat(pair.call(stream::channel)).isSameAs(pair.streamChannel());
        assertThat(pair.call(stream::options)).isEqualTo(OPTIONS);
        assertThat(stream.loop()).isSameAs(pair.ioLoop());
    }

    @Test
    void nothingIsRegisteredUntilAReadAWriteOrACloseCallbackNeedsIt() throws Exception {
        pair.settle();
        assertThat(pair.ioLoop().handlers()).isEmpty();

        // A write the kernel takes at once needs no registration.
        await(pair.call(() -> stream.write(ascii("taken at once"))));
        pair.settle();
        assertThat(pair.ioLoop().handlers()).isEmpty();
        pair.receive(13);

        CompletableFuture<byte[]> read = pair.call(() -> stream.readBytes(1));
        assertThat(interest()).isEqualTo(IOLoop.READ);
        pair.send("x");
        await(read);
        pair.settle();
        assertThat(interest())
                .as("kept for a next read, which a chain of reads issues at once")
                .isEqualTo(IOLoop.READ);
        pair.send("y");
        pair.settle();
        assertThat(interest())
                .as("dropped at the first readable event that no read wants: the bytes stay in the kernel")
                .isEqualTo(IOLoop.NONE);
    }

    @Test
    void aQueuedWriteRegistersForWriteUntilItIsOut() throws Exception {
        byte[] big = pattern(16 * 1024 * 1024);
        CompletableFuture<Void> written = pair.call(() -> stream.write(big));
        assertThat(interest()).isEqualTo(IOLoop.WRITE);
        pair.receive(big.length);
        await(written);
        pair.settle();
        assertThat(interest()).isEqualTo(IOLoop.NONE);
    }

    @Test
    void aCloseCallbackRegistersForRead() throws Exception {
        pair.run(() -> stream.setCloseCallback(() -> {}));
        assertThat(interest()).isEqualTo(IOLoop.READ);
    }

    @Test
    void setNoDelaySetsTcpNoDelay() throws Exception {
        pair.run(() -> stream.setNoDelay(true));
        assertThat(pair.streamChannel().getOption(StandardSocketOptions.TCP_NODELAY))
                .isTrue();
        pair.run(() -> stream.setNoDelay(false));
        assertThat(pair.streamChannel().getOption(StandardSocketOptions.TCP_NODELAY))
                .isFalse();
    }

    /** The stream's current interest, {@link IOLoop#NONE} when it is not registered. */
    private int interest() throws Exception {
        return pair.call(() -> pair.ioLoop().handlers().stream()
                .filter(h -> h.channel() == pair.streamChannel())
                .mapToInt(HandlerInfo::events)
                .findFirst()
                .orElse(IOLoop.NONE));
    }
}
