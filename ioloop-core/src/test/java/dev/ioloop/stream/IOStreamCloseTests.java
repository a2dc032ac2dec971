package dev.ioloop.stream;

import static dev.ioloop.stream.ConnectedPair.ascii;
import static dev.ioloop.stream.ConnectedPair.await;
import static dev.ioloop.stream.ConnectedPair.failure;
import static dev.ioloop.stream.ConnectedPair.pattern;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** How a stream closes: the close callback, the error, what becomes of pending futures and of the channel. */
@Timeout(30)
class IOStreamCloseTests {

    @AutoClose
    private final ConnectedPair pair = ConnectedPair.open();

    private final IOStream stream = pair.stream;

    IOStreamCloseTests() throws Exception {}

    @Test
    void closeCallbackRunsOnceOnTheLoopThreadAfterPendingFuturesSettled() throws Exception {
        AtomicInteger runs = new AtomicInteger();
        List<Object> seenByCallback = new CopyOnWriteArrayList<>();
        CompletableFuture<byte[]> read = pair.call(() -> {
            CompletableFuture<byte[]> f = stream.readBytes(10);
            stream.setCloseCallback(() -> {
                runs.incrementAndGet();
                seenByCallback.add(Thread.currentThread());
                seenByCallback.add(f.isDone());
            });
            return f;
        });
        pair.send("abc");
        pair.peer.close();
        Throwable failure = failure(read);
        assertThat(failure).isInstanceOf(StreamClosedException.class);
        assertThat(failure.getCause()).as("clean EOF").isNull();
        await().atMost(Duration.ofSeconds(10)).until(() -> runs.get() == 1);
        assertThat(seenByCallback).containsExactly(pair.loop.thread, true);

        pair.run(stream::close);
        pair.settle();
        assertThat(runs).hasValue(1);
    }

    @Test
    void closeCallbackSetOnAClosedStreamRunsOnceInALaterCallback() throws Exception {
        AtomicInteger runs = new AtomicInteger();
        CompletableFuture<Thread> ran = new CompletableFuture<>();
        pair.run(() -> {
            stream.close();
            stream.setCloseCallback(() -> {
                runs.incrementAndGet();
                ran.complete(Thread.currentThread());
            });
            assertThat(runs).as("run inside setCloseCallback").hasValue(0);
        });
        assertThat(await(ran)).isSameAs(pair.loop.thread);
        pair.settle();
        assertThat(runs).hasValue(1);
    }

    @Test
    void aClearedCloseCallbackDoesNotRun() throws Exception {
        AtomicInteger runs = new AtomicInteger();
        pair.run(() -> {
            stream.setCloseCallback(runs::incrementAndGet);
            stream.setCloseCallback(null);
            stream.close();
        });
        pair.settle();
        assertThat(runs).hasValue(0);
    }

    @Test
    void closeIsIdempotentAndTheFirstErrorStays() throws Exception {
        IOException first = new IOException("first");
        AtomicInteger runs = new AtomicInteger();
        pair.run(() -> {
            stream.setCloseCallback(runs::incrementAndGet);
            stream.close(first);
            stream.close(new IOException("second"));
            stream.close();
        });
        await().atMost(Duration.ofSeconds(10)).until(() -> runs.get() == 1);
        pair.settle();
        assertThat(pair.call(stream::error)).isSameAs(first);
        assertThat(runs).hasValue(1);
        assertThat(stream.isClosed()).isTrue();
    }

    @Test
    void closeWithAnErrorFailsPendingReadsAndWritesWithThatCause() throws Exception {
        IOException error = new IOException("protocol violation");
        List<CompletableFuture<?>> pending = pair.call(() -> List.of(
                stream.readBytes(10),
                // 16 MiB to a peer that does not read: still queued when the stream closes.
                stream.write(pattern(16 * 1024 * 1024))));
        pair.run(() -> stream.close(error));
        for (CompletableFuture<?> f : pending) {
            Throwable failure = failure(f);
            assertThat(failure).isInstanceOf(StreamClosedException.class);
            assertThat(failure.getCause()).isSameAs(error);
        }
        assertThat(pair.call(stream::error)).isSameAs(error);
    }

    @Test
    void closeWithoutAnErrorFailsAPendingWriteWithNoCause() throws Exception {
        CompletableFuture<Void> write = pair.call(() -> stream.write(pattern(16 * 1024 * 1024)));
        pair.run(stream::close);
        Throwable failure = failure(write);
        assertThat(failure).isInstanceOf(StreamClosedException.class);
        assertThat(failure.getCause()).isNull();
        assertThat(pair.call(stream::error)).isNull();
    }

    @Test
    void aPeerCloseIsNoticedWithOnlyACloseCallbackSetAndLeavesErrorNull() throws Exception {
        CompletableFuture<Void> closed = new CompletableFuture<>();
        pair.run(() -> stream.setCloseCallback(() -> closed.complete(null)));
        pair.peer.shutdownOutput();
        await(closed);
        assertThat(stream.isClosed()).isTrue();
        assertThat(pair.call(stream::error)).isNull();
    }

    @Test
    void aPendingReadTheBufferSatisfiesCompletesNormallyOnClose() throws Exception {
        pair.send("abc");
        assertThat(ascii(await(pair.call(() -> stream.readBytes(1))))).isEqualTo("a");
        CompletableFuture<byte[]> rest = pair.call(() -> {
            CompletableFuture<byte[]> f = stream.readBytes(2);
            stream.close();
            return f;
        });
        assertThat(ascii(await(rest))).isEqualTo("bc");
    }

    @Test
    void readsOnAStreamClosedByEofAreServedFromTheBuffer() throws Exception {
        CompletableFuture<Void> closed = new CompletableFuture<>();
        pair.run(() -> stream.setCloseCallback(() -> closed.complete(null)));
        pair.send("1234");
        pair.peer.shutdownOutput();
        await(closed);
        assertThat(ascii(await(pair.call(() -> stream.readBytes(1))))).isEqualTo("1");
        assertThat(ascii(await(pair.call(() -> stream.readBytes(2))))).isEqualTo("23");
        assertThat(ascii(await(pair.call(stream::readUntilClose)))).isEqualTo("4");
        assertThat(failure(pair.call(() -> stream.readBytes(1)))).isInstanceOf(StreamClosedException.class);
    }

    @Test
    void bytesStillInTheKernelWhenThePeerClosesAreReadBeforeTheClose() throws Exception {
        // With a read chunk smaller than what the peer sent, the close must wait until the kernel is drained.
        try (ConnectedPair small =
                ConnectedPair.open(StreamOptions.builder().readChunkSize(256).build())) {
            byte[] data = pattern(512);
            small.send(data);
            byte[] first = await(small.call(() -> small.stream.readBytes(256)));
            small.peer.close();
            small.settle();
            byte[] second = await(small.call(() -> small.stream.readBytes(256)));
            assertThat(first).isEqualTo(Arrays.copyOfRange(data, 0, 256));
            assertThat(second).isEqualTo(Arrays.copyOfRange(data, 256, 512));
        }
    }

    @Test
    void readsOnAStreamClosedByAnErrorAreServedFromTheBufferButReadUntilCloseFails() throws Exception {
        IOException error = new IOException("boom");
        pair.send("abc");
        assertThat(ascii(await(pair.call(() -> stream.readBytes(1))))).isEqualTo("a");
        pair.run(() -> stream.close(error));
        assertThat(ascii(await(pair.call(() -> stream.readBytes(1))))).isEqualTo("b");
        Throwable failure = failure(pair.call(stream::readUntilClose));
        assertThat(failure).isInstanceOf(StreamClosedException.class);
        assertThat(failure.getCause()).isSameAs(error);
    }

    @Test
    void closeDeregistersAndClosesTheChannel() throws Exception {
        CompletableFuture<byte[]> read = pair.call(() -> stream.readBytes(1));
        pair.settle();
        assertThat(pair.ioLoop().handlers())
                .as("registered for the pending read")
                .hasSize(1);
        pair.run(stream::close);
        failure(read);
        assertThat(pair.ioLoop().handlers()).isEmpty();
        assertThat(pair.streamChannel().isOpen()).isFalse();
    }

    @Test
    void aStreamClosedByThePeerDeregistersAndClosesTheChannel() throws Exception {
        CompletableFuture<Void> closed = new CompletableFuture<>();
        pair.run(() -> stream.setCloseCallback(() -> closed.complete(null)));
        pair.peer.close();
        await(closed);
        assertThat(pair.ioLoop().handlers()).isEmpty();
        assertThat(pair.streamChannel().isOpen()).isFalse();
    }
}
