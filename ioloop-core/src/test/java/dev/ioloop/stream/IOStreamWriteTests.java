package dev.ioloop.stream;

import static dev.ioloop.stream.ConnectedPair.ascii;
import static dev.ioloop.stream.ConnectedPair.await;
import static dev.ioloop.stream.ConnectedPair.failure;
import static dev.ioloop.stream.ConnectedPair.pattern;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Writes: order, completion, copying, and writes on closed streams. */
@Timeout(60)
class IOStreamWriteTests {

    private static final int MIB = 1024 * 1024;

    @AutoClose
    private final ConnectedPair pair = ConnectedPair.open();

    private final IOStream stream = pair.stream;

    IOStreamWriteTests() throws Exception {}

    @Test
    void writesArriveInOrderAndTheirFuturesCompleteInOrder() throws Exception {
        // Mostly small writes, with a big one now and then so that some of them wait in the queue.
        List<Integer> completed = Collections.synchronizedList(new ArrayList<>());
        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        List<byte[]> messages = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            byte[] message = i % 100 == 99 ? pattern(512 * 1024) : ascii("message " + i + "\n");
            messages.add(message);
            expected.writeBytes(message);
        }
        List<CompletableFuture<Void>> writes = pair.call(() -> {
            List<CompletableFuture<Void>> futures = new ArrayList<>();
            for (int i = 0; i < messages.size(); i++) {
                int index = i;
                futures.add(stream.write(messages.get(i)).thenRun(() -> completed.add(index)));
            }
            return futures;
        });
        assertThat(pair.receive(expected.size())).isEqualTo(expected.toByteArray());
        await(CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new)));
        List<Integer> inOrder = new ArrayList<>();
        for (int i = 0; i < messages.size(); i++) {
            inOrder.add(i);
        }
        assertThat(completed).isEqualTo(inOrder);
    }

    @Test
    void anEmptyWriteCompletesOnlyAfterTheWritesBeforeIt() throws Exception {
        List<String> completed = Collections.synchronizedList(new ArrayList<>());
        byte[] big = pattern(16 * MIB);
        List<CompletableFuture<Void>> writes = pair.call(() -> List.of(
                stream.write(big).thenRun(() -> completed.add("big")),
                stream.write(new byte[0]).thenRun(() -> completed.add("empty"))));
        pair.settle();
        // The peer has not read: 16 MiB cannot all be in the kernel yet.
        assertThat(writes.get(1)).as("empty write behind a pending one").isNotDone();
        assertThat(pair.call(stream::isWriting)).isTrue();
        assertThat(pair.receive(big.length)).isEqualTo(big);
        await(writes.get(1));
        assertThat(completed).containsExactly("big", "empty");
        assertThat(pair.call(stream::isWriting)).isFalse();
    }

    @Test
    void anEmptyWriteWithNothingQueuedCompletes() throws Exception {
        CompletableFuture<Void> empty = pair.call(() -> stream.write(ByteBuffer.allocate(0)));
        assertThat(await(empty)).isNull();
        assertThat(stream.isClosed()).isFalse();
    }

    @Test
    void writeCopiesWhatTheKernelDoesNotTakeSoTheCallerMayReuseItsBuffer() throws Exception {
        byte[] data = pattern(8 * MIB);
        byte[] original = data.clone();
        CompletableFuture<Void> written = pair.call(() -> {
            CompletableFuture<Void> f = stream.write(ByteBuffer.wrap(data));
            Arrays.fill(data, (byte) 0);
            return f;
        });
        assertThat(pair.receive(original.length)).isEqualTo(original);
        await(written);
    }

    @Test
    void writeOnAClosedStreamFailsWithStreamClosedException() throws Exception {
        pair.run(stream::close);
        CompletableFuture<Void> write = pair.call(() -> stream.write(ascii("too late")));
        assertThat(failure(write)).isInstanceOf(StreamClosedException.class);
    }

    @Test
    void writeOnAStreamThePeerClosedFailsWithStreamClosedException() throws Exception {
        CompletableFuture<Void> noticed = new CompletableFuture<>();
        pair.run(() -> stream.setCloseCallback(() -> noticed.complete(null)));
        pair.peer.close();
        await(noticed);
        assertThat(failure(pair.call(() -> stream.write(ascii("x"))))).isInstanceOf(StreamClosedException.class);
    }
}
