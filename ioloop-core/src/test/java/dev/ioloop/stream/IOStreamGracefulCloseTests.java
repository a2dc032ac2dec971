package dev.ioloop.stream;

import static dev.ioloop.stream.ConnectedPair.ascii;
import static dev.ioloop.stream.ConnectedPair.await;
import static dev.ioloop.stream.ConnectedPair.pattern;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code closeGracefully(linger)}: everything queued reaches the peer, the peer sees EOF, and the stream closes
 * when the peer closes or the linger passes, discarding what the peer still sends.
 */
@Timeout(30)
class IOStreamGracefulCloseTests {

    @Test
    void queuedOutputReachesThePeerThenEofAndTheStreamClosesWhenThePeerCloses() throws Exception {
        try (ConnectedPair pair = ConnectedPair.open()) {
            byte[] data = pattern(4 * 1024 * 1024);
            CompletableFuture<Void> closed = pair.call(() -> {
                pair.stream.write(data);
                return pair.stream.closeGracefully(Duration.ofSeconds(30));
            });
            assertThat(pair.receiveToEnd()).as("everything, then EOF").isEqualTo(data);
            pair.settle();
            assertThat(closed).as("lingering while the peer is open").isNotDone();
            assertThat(pair.stream.isClosed()).isFalse();

            pair.peer.close();
            assertThat(await(closed)).isNull();
            assertThat(pair.stream.isClosed()).isTrue();
            assertThat(pair.call(pair.stream::error)).isNull();
            assertThat(pair.streamChannel().isOpen()).isFalse();
        }
    }

    @Test
    void theStreamClosesWhenTheLingerPassesThoughThePeerStaysOpen() throws Exception {
        try (ConnectedPair pair = ConnectedPair.open()) {
            CompletableFuture<Void> closed = pair.call(() -> {
                pair.stream.write(ascii("bye\n"));
                return pair.stream.closeGracefully(Duration.ofMillis(200));
            });
            assertThat(ascii(pair.receiveToEnd())).isEqualTo("bye\n");
            await(closed);
            assertThat(pair.stream.isClosed()).isTrue();
            assertThat(pair.streamChannel().isOpen()).isFalse();
            assertThat(pair.ioLoop().handlers()).isEmpty();
        }
    }

    @Test
    void inputArrivingWhileLingeringIsDiscardedNotBuffered() throws Exception {
        // Far more than maxBufferSize arrives after the half-close: discarded, it cannot overflow the buffer.
        try (ConnectedPair pair = ConnectedPair.open(
                StreamOptions.builder().maxBufferSize(64 * 1024).build())) {
            CompletableFuture<Void> closed = pair.call(() -> pair.stream.closeGracefully(Duration.ofSeconds(30)));
            assertThat(pair.receiveToEnd()).isEmpty();
            await(pair.sendInBackground(pattern(1024 * 1024)));
            pair.peer.shutdownOutput();
            await(closed);
            assertThat(pair.call(pair.stream::error)).isNull();
        }
    }

    @Test
    void aGracefulCloseWithZeroLingerStillDeliversEverythingQueued() throws Exception {
        try (ConnectedPair pair = ConnectedPair.open()) {
            byte[] data = pattern(8 * 1024 * 1024);
            CompletableFuture<Void> closed = pair.call(() -> {
                pair.stream.write(data);
                return pair.stream.closeGracefully(Duration.ZERO);
            });
            assertThat(pair.receiveToEnd()).isEqualTo(data);
            await(closed);
            assertThat(pair.stream.isClosed()).isTrue();
        }
    }
}
