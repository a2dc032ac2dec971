package dev.ioloop.stream;

import static dev.ioloop.stream.ConnectedPair.ascii;
import static dev.ioloop.stream.ConnectedPair.await;
import static dev.ioloop.stream.ConnectedPair.failure;
import static dev.ioloop.stream.ConnectedPair.pattern;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The limits of {@link StreamOptions} at work, and the backpressure a stream that does not read exerts. */
@Timeout(60)
class IOStreamLimitsTests {

    private static final int KIB = 1024;
    private static final int MIB = 1024 * KIB;

    @Test
    void writePastMaxWriteBufferSizeFailsQueuesNothingAndLeavesTheStreamOpen() throws Exception {
        try (ConnectedPair pair = ConnectedPair.open(
                StreamOptions.builder().maxWriteBufferSize(256 * KIB).build())) {
            IOStream stream = pair.stream;
            // The peer does not read, so the kernel fills up and then the queue: chunk i holds the byte i.
            List<CompletableFuture<Void>> writes = new ArrayList<>();
            CompletableFuture<Void> refused = null;
            for (int i = 0; i < 1024 && refused == null; i++) {
                byte[] chunk = chunk(i);
                CompletableFuture<Void> write = pair.call(() -> stream.write(chunk));
                writes.add(write);
                pair.settle();
                if (write.isCompletedExceptionally()) {
                    refused = write;
                }
            }
            assertThat(refused)
                    .as("a write past 256 KiB queued while the peer reads nothing")
                    .isNotNull();
            assertThat(failure(refused)).isInstanceOf(StreamBufferFullException.class);
            assertThat(stream.isClosed()).isFalse();

            CompletableFuture<byte[]> received = pair.receiveToEndInBackground();
            ByteArrayOutputStream expected = new ByteArrayOutputStream();
            for (int i = 0; i < writes.size(); i++) {
                try {
                    await(writes.get(i));
                    expected.writeBytes(chunk(i));
                } catch (ExecutionException refusedWrite) {
                    assertThat(refusedWrite.getCause()).isInstanceOf(StreamBufferFullException.class);
                }
            }
            await(pair.call(() -> stream.write(ascii("END"))));
            pair.run(stream::close);
            expected.writeBytes(ascii("END"));
            assertThat(await(received))
                    .as("the accepted writes, in order, and nothing of the refused one")
                    .isEqualTo(expected.toByteArray());
        }
    }

    @Test
    void writabilityTurnsFalseAboveTheHighMarkAndTrueAgainAtTheLowMark() throws Exception {
        try (ConnectedPair pair = ConnectedPair.open(
                StreamOptions.builder().writeWaterMarks(16 * KIB, 64 * KIB).build())) {
            IOStream stream = pair.stream;
            List<Boolean> changes = new CopyOnWriteArrayList<>();
            List<Thread> listenerThreads = new CopyOnWriteArrayList<>();
            pair.run(() -> stream.setWritabilityListener(writable -> {
                changes.add(writable);
                listenerThreads.add(Thread.currentThread());
            }));

            // A handler that respects writability: it writes while the stream is writable, and the peer reads
            // nothing. What it wrote is bounded by what the kernel holds plus the high mark.
            long written = pair.call(() -> {
                byte[] chunk = pattern(16 * KIB);
                long total = 0;
                while (stream.isWritable() && total < 256L * MIB) {
                    stream.write(chunk);
                    total += chunk.length;
                }
                return total;
            });
            assertThat(written)
                    .as("bytes written before the stream became unwritable")
                    .isLessThan(64L * MIB);
            await().atMost(Duration.ofSeconds(10)).until(() -> changes.equals(List.of(false)));
            assertThat(pair.call(stream::isWritable)).isFalse();

            assertThat(pair.receive((int) written)).hasSize((int) written);
            await().atMost(Duration.ofSeconds(10)).until(() -> changes.equals(List.of(false, true)));
            assertThat(pair.call(stream::isWritable)).isTrue();
            assertThat(listenerThreads).containsOnly(pair.loop.thread);
        }
    }

    @Test
    void bufferingMoreThanMaxBufferSizeClosesTheStreamWithStreamBufferFullException() throws Exception {
        try (ConnectedPair pair = ConnectedPair.open(
                StreamOptions.builder().maxBufferSize(64 * KIB).build())) {
            IOStream stream = pair.stream;
            // No read pending, but a close callback: the stream reads to notice a close, and buffers.
            CompletableFuture<Void> closed = new CompletableFuture<>();
            pair.run(() -> stream.setCloseCallback(() -> closed.complete(null)));
            pair.sendInBackground(pattern(MIB));
            await(closed);
            assertThat(stream.isClosed()).isTrue();
            assertThat(pair.call(stream::error)).isInstanceOf(StreamBufferFullException.class);
        }
    }

    @Test
    void aPendingReadUntilWithoutItsDelimiterPastMaxBufferSizeFailsWithStreamBufferFullException() throws Exception {
        try (ConnectedPair pair = ConnectedPair.open(
                StreamOptions.builder().maxBufferSize(64 * KIB).build())) {
            CompletableFuture<byte[]> line = pair.call(() -> pair.stream.readUntil(ascii("\n")));
            byte[] noNewline = new byte[MIB];
            Arrays.fill(noNewline, (byte) 'a');
            pair.sendInBackground(noNewline);
            Throwable failure = failure(line);
            assertThat(failure).isInstanceOf(StreamClosedException.class);
            assertThat(failure.getCause()).isInstanceOf(StreamBufferFullException.class);
        }
    }

    @Test
    void readUntilCloseIsBoundedByMaxBufferSize() throws Exception {
        try (ConnectedPair pair = ConnectedPair.open(
                StreamOptions.builder().maxBufferSize(64 * KIB).build())) {
            CompletableFuture<byte[]> all = pair.call(pair.stream::readUntilClose);
            pair.sendInBackground(pattern(MIB));
            Throwable failure = failure(all);
            assertThat(failure).isInstanceOf(StreamClosedException.class);
            assertThat(failure.getCause()).isInstanceOf(StreamBufferFullException.class);
            assertThat(pair.call(pair.stream::error)).isSameAs(failure.getCause());
        }
    }

    @Test
    void aStreamWithNoReadPendingAndNoCloseCallbackLeavesTheBytesInTheKernel() throws Exception {
        try (ConnectedPair pair = ConnectedPair.open()) {
            InputStream streamSide = pair.streamChannel().socket().getInputStream();
            pair.send(pattern(64 * KIB));
            await().atMost(Duration.ofSeconds(10)).until(() -> streamSide.available() == 64 * KIB);
            pair.settle();
            assertThat(streamSide.available())
                    .as("bytes the stream left unread")
                    .isEqualTo(64 * KIB);

            // The peer writes until its kernel refuses more: TCP backpressure reached it.
            pair.peer.configureBlocking(false);
            ByteBuffer chunk = ByteBuffer.wrap(pattern(64 * KIB));
            long total = 64 * KIB;
            int accepted;
            do {
                chunk.clear();
                accepted = pair.peer.write(chunk);
                total += accepted;
            } while (accepted > 0 && total < 512L * MIB);
            assertThat(accepted)
                    .as("a write the peer's kernel refused, after %d bytes", total)
                    .isZero();
            pair.settle();
            assertThat(streamSide.available())
                    .as("bytes the stream left unread")
                    .isPositive();
            pair.peer.configureBlocking(true);

            // Nothing was lost: a read now gets every byte.
            long sent = total;
            byte[] all = await(pair.call(() -> pair.stream.readBytes((int) sent)));
            assertThat(all).hasSize((int) sent);
            assertThat(Arrays.copyOf(all, 64 * KIB)).isEqualTo(pattern(64 * KIB));
        }
    }

    @Test
    void smallReadsFromAFastPeerStayWithinMaxBufferSize() throws Exception {
        // The stream must not buffer eagerly past its limit while a small read is satisfied.
        try (ConnectedPair pair = ConnectedPair.open(
                StreamOptions.builder().maxBufferSize(10 * KIB).build())) {
            byte[] lines = new byte[100 * KIB];
            for (int i = 0; i < 100; i++) {
                Arrays.fill(lines, i * KIB, (i + 1) * KIB - 1, (byte) 'a');
                lines[(i + 1) * KIB - 1] = '\n';
            }
            CompletableFuture<Void> sent = pair.sendInBackground(lines);
            for (int i = 0; i < 50; i++) {
                assertThat(await(pair.call(() -> pair.stream.readBytes(KIB)))).hasSize(KIB);
                assertThat(await(pair.call(() -> pair.stream.readUntil(ascii("\n"), 4 * KIB))))
                        .hasSize(KIB);
            }
            await(sent);
        }
    }

    @Test
    void aPeerSendingTwiceMaxBufferSizeIsReadGraduallyWithoutClosing() throws Exception {
        try (ConnectedPair pair = ConnectedPair.open(
                StreamOptions.builder().maxBufferSize(5 * MIB).build())) {
            byte[] data = pattern(10 * MIB);
            CompletableFuture<Void> sent = pair.sendInBackground(data);
            ByteArrayOutputStream received = new ByteArrayOutputStream();
            for (int i = 0; i < 10; i++) {
                received.writeBytes(await(pair.call(() -> pair.stream.readBytes(MIB))));
            }
            await(sent);
            assertThat(received.toByteArray()).isEqualTo(data);
            assertThat(pair.stream.isClosed()).isFalse();
        }
    }

    private static byte[] chunk(int i) {
        byte[] chunk = new byte[64 * KIB];
        Arrays.fill(chunk, (byte) i);
        return chunk;
    }
}
