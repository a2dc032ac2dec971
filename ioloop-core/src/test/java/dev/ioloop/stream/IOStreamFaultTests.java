package dev.ioloop.stream;

import static dev.ioloop.stream.ConnectedPair.ascii;
import static dev.ioloop.stream.ConnectedPair.await;
import static dev.ioloop.stream.ConnectedPair.failure;
import static dev.ioloop.stream.ConnectedPair.pattern;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ioloop.HandlerInfo;
import dev.ioloop.LoopThread;
import dev.ioloop.TestLoops;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Resets from the peer, and user code that throws: the stream records why, and the loop goes on. */
@Timeout(30)
class IOStreamFaultTests {

    @Test
    void aResetWhileAReadIsPendingFailsItWithTheResetAsCause() throws Exception {
        try (ConnectedPair pair = ConnectedPair.open()) {
            CompletableFuture<Void> closed = new CompletableFuture<>();
            CompletableFuture<byte[]> read = pair.call(() -> {
                pair.stream.setCloseCallback(() -> closed.complete(null));
                return pair.stream.readBytes(100);
            });
            pair.send("partial");
            pair.settle();
            pair.resetPeer();
            Throwable failure = failure(read);
            assertThat(failure).isInstanceOf(StreamClosedException.class);
            assertThat(failure.getCause()).isInstanceOf(IOException.class);
            await(closed);
            assertThat(pair.call(pair.stream::error)).isSameAs(failure.getCause());
            assertThat(pair.ioLoop().handlers()).isEmpty();
        }
    }

    @Test
    void aResetWhileAWriteIsPendingFailsTheWrite() throws Exception {
        try (ConnectedPair pair = ConnectedPair.open()) {
            CompletableFuture<Void> write = pair.call(() -> pair.stream.write(pattern(32 * 1024 * 1024)));
            pair.receive(64 * 1024);
            pair.resetPeer();
            Throwable failure = failure(write);
            assertThat(failure).isInstanceOf(StreamClosedException.class);
            assertThat(failure.getCause()).isInstanceOf(IOException.class);
            assertThat(pair.stream.isClosed()).isTrue();
            assertThat(pair.call(pair.stream::error)).isSameAs(failure.getCause());
        }
    }

    @Test
    void aCloseCallbackThatThrowsGoesToTheErrorHandlerAndTheLoopGoesOn() throws Exception {
        List<Exception> reported = new CopyOnWriteArrayList<>();
        try (LoopThread loop = LoopThread.start(TestLoops.unwatched()
                        .errorHandler((source, e) -> reported.add(e))
                        .build());
                ConnectedPair failing = ConnectedPair.openOn(loop, StreamOptions.defaults());
                ConnectedPair healthy = ConnectedPair.openOn(loop, StreamOptions.defaults())) {
            IllegalStateException boom = new IllegalStateException("close callback failed");
            failing.run(() -> {
                failing.stream.setCloseCallback(() -> {
                    throw boom;
                });
                failing.stream.close();
            });
            await().atMost(Duration.ofSeconds(10)).until(() -> reported.contains(boom));
            assertThat(failing.stream.isClosed()).isTrue();
            assertThat(loop.loop.handlers()).extracting(HandlerInfo::channel).doesNotContain(failing.streamChannel());
            assertStillServes(healthy);
        }
    }

    @Test
    void aDataHandlerThatThrowsGoesToTheErrorHandlerAndTheLoopGoesOn() throws Exception {
        List<Exception> reported = new CopyOnWriteArrayList<>();
        try (LoopThread loop = LoopThread.start(TestLoops.unwatched()
                        .errorHandler((source, e) -> reported.add(e))
                        .build());
                ConnectedPair failing = ConnectedPair.openOn(loop, StreamOptions.defaults());
                ConnectedPair healthy = ConnectedPair.openOn(loop, StreamOptions.defaults())) {
            IllegalStateException boom = new IllegalStateException("onData failed");
            failing.run(() -> failing.stream.setDataHandler((s, in) -> {
                throw boom;
            }));
            failing.send("anything");
            await().atMost(Duration.ofSeconds(10)).until(() -> reported.contains(boom));
            await().atMost(Duration.ofSeconds(10)).until(failing.stream::isClosed);
            assertThat(failing.call(failing.stream::error))
                    .as("documented on DataHandler.onData")
                    .isSameAs(boom);
            assertStillServes(healthy);
        }
    }

    private static void assertStillServes(ConnectedPair pair) throws Exception {
        CompletableFuture<byte[]> line = pair.call(() -> pair.stream.readUntil(ascii("\n")));
        pair.send("still here\n");
        assertThat(ascii(await(line))).isEqualTo("still here\n");
        assertThat(pair.loop.thread.isAlive()).isTrue();
    }
}
