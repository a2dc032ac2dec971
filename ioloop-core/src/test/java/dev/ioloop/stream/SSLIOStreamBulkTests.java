package dev.ioloop.stream;

import static dev.ioloop.stream.ConnectedPair.await;
import static dev.ioloop.stream.ConnectedPair.failure;
import static dev.ioloop.stream.ConnectedPair.pattern;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Many bytes over TLS: the fast path both ways, a write far bigger than the socket buffers against the water marks
 * and {@code maxWriteBufferSize}, and reads whose chunks are smaller than a TLS record.
 */
@Timeout(60)
class SSLIOStreamBulkTests {

    private static final int TEN_MB = 10 * 1024 * 1024;

    @Test
    void theFastPathEchoesTenMegabytesEachWay() throws Exception {
        try (TlsPair pair = TlsPair.open()) {
            pair.run(() -> pair.stream.setDataHandler((s, in) -> s.output().put(in)));
            byte[] data = pattern(TEN_MB);
            CompletableFuture<Void> sent = pair.sendInBackground(data);
            byte[] echoed = pair.receive(TEN_MB);
            await(sent);
            assertThat(echoed).isEqualTo(data);
            assertThat(pair.loopErrors).isEmpty();
        }
    }

    @Test
    void aBigWriteTurnsTheStreamUnwritableUntilThePeerReadsItAndCompletesOnceAllIsWritten() throws Exception {
        StreamOptions options =
                StreamOptions.builder().writeWaterMarks(64 * 1024, 256 * 1024).build();
        try (TlsPair pair = TlsPair.open(options)) {
            SSLIOStream stream = pair.stream;
            List<Boolean> changes = new CopyOnWriteArrayList<>();
            byte[] data = pattern(8 * 1024 * 1024);
            CompletableFuture<Void> written = pair.call(() -> {
                stream.setWritabilityListener(changes::add);
                CompletableFuture<Void> w = stream.write(data);
                assertThat(stream.isWritable()).as("writable right after 8 MiB").isFalse();
                assertThat(stream.isWriting()).isTrue();
                return w;
            });
            assertThat(written).as("done before the peer read anything").isNotDone();
            assertThat(pair.receive(data.length)).isEqualTo(data);
            await(written);
            await().atMost(Duration.ofSeconds(10)).until(() -> changes.size() == 2);
            assertThat(changes).containsExactly(false, true);
            assertThat(pair.call(stream::isWriting)).isFalse();
        }
    }

    @Test
    void aWritePastMaxWriteBufferSizeFailsAndLeavesTheStreamOpen() throws Exception {
        StreamOptions options =
                StreamOptions.builder().maxWriteBufferSize(1024 * 1024).build();
        try (TlsPair pair = TlsPair.open(options)) {
            SSLIOStream stream = pair.stream;
            byte[] first = pattern(900 * 1024);
            // Both writes in one callback, so that the loop drains nothing in between: one write step hands the
            // kernel at most readChunkSize (64 KiB) of the first, and the rest is still queued for the second.
            List<CompletableFuture<Void>> writes =
                    pair.call(() -> List.of(stream.write(first), stream.write(new byte[1024 * 1024])));
            CompletableFuture<Void> fits = writes.get(0);
            CompletableFuture<Void> tooMuch = writes.get(1);
            assertThat(failure(tooMuch)).isInstanceOf(StreamBufferFullException.class);
            assertThat(pair.receive(first.length)).isEqualTo(first);
            await(fits);
            assertThat(stream.isClosed()).isFalse();
        }
    }

    @Test
    void readChunksSmallerThanARecordStillDeliverEveryByteInOrder() throws Exception {
        // maxBufferSize 1000 clamps readChunkSize to 500: each 16 KiB record is handed over in pieces.
        StreamOptions options = StreamOptions.builder().maxBufferSize(1000).build();
        try (TlsPair pair = TlsPair.open(options)) {
            byte[] data = pattern(200_000);
            CompletableFuture<Void> sent = pair.sendInBackground(data);
            ByteArrayOutputStream received = new ByteArrayOutputStream();
            while (received.size() < data.length) {
                byte[] piece = await(pair.call(() -> pair.stream.readBytes(700, true)));
                assertThat(piece.length).isBetween(1, 700);
                received.write(piece);
            }
            await(sent);
            assertThat(received.toByteArray()).isEqualTo(data);
        }
    }

    @Test
    void readUntilPastMaxBytesClosesTheStreamWithAnUnsatisfiableRead() throws Exception {
        try (TlsPair pair = TlsPair.open()) {
            CompletableFuture<byte[]> line = pair.call(() -> pair.stream.readUntil(new byte[] {'\n'}, 100));
            byte[] noNewline = new byte[101];
            java.util.Arrays.fill(noNewline, (byte) 'x');
            pair.send(noNewline);
            assertThat(failure(line))
                    .isInstanceOf(StreamClosedException.class)
                    .hasCauseInstanceOf(UnsatisfiableReadException.class);
            assertThat(pair.stream.isClosed()).isTrue();
        }
    }

    @Test
    void unreadInputPastMaxBufferSizeClosesTheStream() throws Exception {
        StreamOptions options = StreamOptions.builder().maxBufferSize(64 * 1024).build();
        try (TlsPair pair = TlsPair.open(options)) {
            CompletableFuture<byte[]> line = pair.call(() -> pair.stream.readUntil(new byte[] {'\n'}));
            pair.sendInBackground(new byte[256 * 1024]);
            assertThat(failure(line))
                    .isInstanceOf(StreamClosedException.class)
                    .hasCauseInstanceOf(StreamBufferFullException.class);
        }
    }

    @Test
    void readIntoFillsTheBufferAcrossRecords() throws Exception {
        try (TlsPair pair = TlsPair.open()) {
            ByteBuffer dst = ByteBuffer.allocate(100_000);
            CompletableFuture<Integer> read = pair.call(() -> pair.stream.readInto(dst, false));
            byte[] data = pattern(100_000);
            pair.sendInBackground(data);
            assertThat(await(read)).isEqualTo(100_000);
            assertThat(dst.array()).isEqualTo(data);
        }
    }
}
