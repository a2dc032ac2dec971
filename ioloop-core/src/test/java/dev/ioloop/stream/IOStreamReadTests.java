package dev.ioloop.stream;

import static dev.ioloop.stream.ConnectedPair.ascii;
import static dev.ioloop.stream.ConnectedPair.await;
import static dev.ioloop.stream.ConnectedPair.failure;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@code readBytes}, {@code readInto} and {@code readUntilClose} on a loopback connection. */
@Timeout(30)
class IOStreamReadTests {

    @AutoClose
    private final ConnectedPair pair = ConnectedPair.open();

    private final IOStream stream = pair.stream;

    IOStreamReadTests() throws Exception {}

    @Test
    void readBytesWaitsForExactlyNBytes() throws Exception {
        CompletableFuture<byte[]> five = pair.call(() -> stream.readBytes(5));
        pair.send("hel");
        pair.settle();
        assertThat(five).isNotDone();
        assertThat(pair.call(stream::isReading)).isTrue();
        pair.send("lo world");
        assertThat(ascii(await(five))).isEqualTo("hello");
        assertThat(pair.call(stream::isReading)).isFalse();
        assertThat(ascii(await(pair.call(() -> stream.readBytes(6))))).isEqualTo(" world");
    }

    @Test
    void readBytesPartialCompletesWithWhatIsBufferedUpToN() throws Exception {
        CompletableFuture<byte[]> some = pair.call(() -> stream.readBytes(50, true));
        pair.send("hello");
        assertThat(ascii(await(some))).isEqualTo("hello");

        pair.send("world");
        assertThat(ascii(await(pair.call(() -> stream.readBytes(3, true))))).isEqualTo("wor");
        assertThat(ascii(await(pair.call(() -> stream.readBytes(2, true))))).isEqualTo("ld");
    }

    @Test
    void readBytesWithoutPartialWaitsForTheRest() throws Exception {
        CompletableFuture<byte[]> all = pair.call(() -> stream.readBytes(10, false));
        pair.send("01234");
        pair.settle();
        assertThat(all).isNotDone();
        pair.send("56789");
        assertThat(ascii(await(all))).isEqualTo("0123456789");
    }

    @Test
    void readIntoFillsTheRemainingBytesAndAdvancesThePosition() throws Exception {
        ByteBuffer dst = ByteBuffer.allocate(10);
        CompletableFuture<Integer> filled = pair.call(() -> stream.readInto(dst, false));
        pair.send("hello");
        pair.settle();
        assertThat(filled).isNotDone();
        pair.send("world!!");
        assertThat(await(filled)).isEqualTo(10);
        assertThat(dst.position()).isEqualTo(10);
        assertThat(ascii(dst.array())).isEqualTo("helloworld");

        // Only the window between position and limit is filled; the buffered "!!" comes first.
        ByteBuffer window = ByteBuffer.allocate(12);
        window.position(3).limit(8);
        CompletableFuture<Integer> rest = pair.call(() -> stream.readInto(window, false));
        pair.send("abcXYZ");
        assertThat(await(rest)).isEqualTo(5);
        assertThat(window.position()).isEqualTo(8);
        assertThat(window.array()).containsExactly(0, 0, 0, '!', '!', 'a', 'b', 'c', 0, 0, 0, 0);
        assertThat(ascii(await(pair.call(() -> stream.readBytes(3))))).isEqualTo("XYZ");
    }

    @Test
    void readIntoPartialReturnsTheCountItReadAndAdvancesByIt() throws Exception {
        ByteBuffer dst = ByteBuffer.allocate(10);
        CompletableFuture<Integer> some = pair.call(() -> stream.readInto(dst, true));
        pair.send("hello");
        assertThat(await(some)).isEqualTo(5);
        assertThat(dst.position()).isEqualTo(5);
        assertThat(dst.array()).startsWith(ascii("hello")).endsWith(0, 0, 0, 0, 0);

        // More is available than fits: a partial read still fills the buffer.
        pair.send("world!1234567890");
        ByteBuffer full = ByteBuffer.allocate(10);
        assertThat(await(pair.call(() -> stream.readInto(full, true)))).isEqualTo(10);
        assertThat(ascii(full.array())).isEqualTo("world!1234");
        ByteBuffer tail = ByteBuffer.allocate(10);
        assertThat(await(pair.call(() -> stream.readInto(tail, true)))).isEqualTo(6);
        assertThat(tail.position()).isEqualTo(6);
        assertThat(ascii(tail.array())).startsWith("567890");
    }

    @Test
    void readUntilCloseReturnsEverythingUntilACleanEof() throws Exception {
        CompletableFuture<byte[]> all = pair.call(stream::readUntilClose);
        pair.send("abc");
        pair.settle();
        assertThat(all).isNotDone();
        pair.send("def");
        pair.peer.shutdownOutput();
        assertThat(ascii(await(all))).isEqualTo("abcdef");
        assertThat(stream.isClosed()).isTrue();
        assertThat(pair.call(stream::error)).isNull();
    }

    @Test
    void readUntilCloseFailsWhenThePeerResetsTheConnection() throws Exception {
        CompletableFuture<byte[]> all = pair.call(stream::readUntilClose);
        pair.send("abc");
        pair.settle();
        pair.resetPeer();
        Throwable failure = failure(all);
        assertThat(failure).isInstanceOf(StreamClosedException.class);
        assertThat(failure.getCause()).as("the reset").isInstanceOf(IOException.class);
        assertThat(stream.isClosed()).isTrue();
        assertThat(pair.call(stream::error)).isSameAs(failure.getCause());
    }

    @Test
    void mixedReadBytesAndReadIntoSeeEveryByteInOrder() throws Exception {
        // Going back and forth between the stream's buffer (readBytes) and the caller's (readInto).
        byte[] data = new byte[1_000_000];
        new Random(42).nextBytes(data);
        CompletableFuture<byte[]> consumed = pair.call(() -> readMixed(stream, data.length, new Random(7)));
        CompletableFuture<Void> sent = pair.sendInBackground(data);
        assertThat(await(consumed)).isEqualTo(data);
        await(sent);
    }

    /** Reads {@code total} bytes in random steps of 1 to 1,000 bytes, by readBytes or readInto at random. */
    private static CompletableFuture<byte[]> readMixed(IOStream stream, int total, Random random) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(total);
        CompletableFuture<byte[]> done = new CompletableFuture<>();
        readMixedStep(stream, total, random, out, done);
        return done;
    }

    private static void readMixedStep(
            IOStream stream, int total, Random random, ByteArrayOutputStream out, CompletableFuture<byte[]> done) {
        int left = total - out.size();
        if (left == 0) {
            done.complete(out.toByteArray());
            return;
        }
        int size = 1 + random.nextInt(Math.min(1000, left));
        CompletableFuture<byte[]> step;
        if (random.nextBoolean()) {
            step = stream.readBytes(size);
        } else {
            ByteBuffer dst = ByteBuffer.allocate(size);
            step = stream.readInto(dst, false).thenApply(n -> {
                assertThat(n).isEqualTo(size);
                return dst.array();
            });
        }
        step.whenComplete((bytes, error) -> {
            if (error != null) {
                done.completeExceptionally(error);
            } else {
                out.writeBytes(bytes);
                readMixedStep(stream, total, random, out, done);
            }
        });
    }
}
