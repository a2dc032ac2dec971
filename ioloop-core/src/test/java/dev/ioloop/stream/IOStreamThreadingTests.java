package dev.ioloop.stream;

import static dev.ioloop.stream.ConnectedPair.ascii;
import static dev.ioloop.stream.ConnectedPair.await;
import static dev.ioloop.stream.ConnectedPair.failure;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.ioloop.IOLoop;
import dev.ioloop.LoopThread;
import dev.ioloop.TestLoops;
import java.io.ByteArrayOutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Pipe;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A stream belongs to its loop: calls from other threads throw, futures complete on the loop thread and never inside
 * the call that returned them, so chained reads over a long burst do not grow the stack.
 */
@Timeout(60)
class IOStreamThreadingTests {

    @AutoClose
    private final ConnectedPair pair = ConnectedPair.open();

    private final IOStream stream = pair.stream;

    IOStreamThreadingTests() throws Exception {}

    @Test
    void operationsFromAnotherThreadWhileTheLoopRunsThrowAndSayToUseAddCallback() throws Exception {
        assertEachThrowsFromThisThread(Map.ofEntries(
                Map.entry("readUntil", () -> stream.readUntil(ascii("\n"))),
                Map.entry("readUntilRegex", () -> stream.readUntilRegex(Pattern.compile("\n"), 10)),
                Map.entry("readBytes", () -> stream.readBytes(1)),
                Map.entry("readInto", () -> stream.readInto(ByteBuffer.allocate(1), false)),
                Map.entry("readUntilClose", stream::readUntilClose),
                Map.entry("write", () -> stream.write(ascii("x"))),
                Map.entry("setCloseCallback", () -> stream.setCloseCallback(() -> {})),
                Map.entry("setDataHandler", () -> stream.setDataHandler((s, in) -> {})),
                Map.entry("setWritabilityListener", () -> stream.setWritabilityListener(w -> {})),
                Map.entry("setNoDelay", () -> stream.setNoDelay(true)),
                Map.entry("output", stream::output),
                Map.entry("flush", stream::flush),
                Map.entry("close", stream::close),
                Map.entry("closeGracefully", () -> stream.closeGracefully(Duration.ZERO))));

        // Nor may a stream be made or connected for a running loop from another thread.
        try (Pipe.SourceChannel source = Pipe.open().source()) {
            assertEachThrowsFromThisThread(Map.of(
                    "IOStream.of", () -> IOStream.of(pair.ioLoop(), source),
                    "IOStream.connect", () -> IOStream.connect(pair.ioLoop(), pair.peer.getLocalAddress())));
        }

        // None of them touched the stream.
        assertThat(stream.isClosed()).isFalse();
        pair.send("ok\n");
        assertThat(ascii(await(pair.call(() -> stream.readUntil(ascii("\n")))))).isEqualTo("ok\n");
    }

    @Test
    void stateQueriesFromAnotherThreadWhileTheLoopRunsThrowAndSayToUseAddCallback() {
        // The contract's exceptions are isClosed, loop and remoteAddress only: the rest read loop-confined state.
        assertEachThrowsFromThisThread(Map.of(
                "isReading", stream::isReading,
                "isWriting", stream::isWriting,
                "isWritable", stream::isWritable,
                "error", stream::error));
    }

    private static void assertEachThrowsFromThisThread(Map<String, ThrowingCallable> calls) {
        Map<String, Object> answered = new TreeMap<>();
        calls.forEach((name, call) -> {
            Throwable thrown = catchThrowable(call);
            if (!(thrown instanceof IllegalStateException)
                    || !thrown.getMessage().contains("addCallback")) {
                answered.put(name, thrown == null ? "returned normally" : thrown);
            }
        });
        assertThat(answered)
                .as("calls that did not throw IllegalStateException mentioning addCallback")
                .isEmpty();
    }

    @Test
    void isClosedLoopAndRemoteAddressMayBeCalledFromAnyThread() throws Exception {
        assertThat(stream.isClosed()).isFalse();
        assertThat(stream.loop()).isSameAs(pair.ioLoop());
        assertThat(stream.remoteAddress()).isEqualTo(pair.peer.getLocalAddress());
    }

    @Test
    void callsBeforeTheLoopRunsAreAllowedAndCompleteOnceItRuns() throws Exception {
        IOLoop loop = TestLoops.unwatched().build();
        try (ServerSocketChannel listener =
                        ServerSocketChannel.open().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
                SocketChannel peer = SocketChannel.open(listener.getLocalAddress());
                SocketChannel accepted = listener.accept()) {
            IOStream early = IOStream.of(loop, accepted);
            CompletableFuture<byte[]> read = early.readBytes(5);
            CompletableFuture<Void> written = early.write(ascii("early"));
            peer.write(ByteBuffer.wrap(ascii("hello")));
            try (LoopThread running = LoopThread.start(loop)) {
                assertThat(ascii(await(read))).isEqualTo("hello");
                await(written);
                ByteBuffer got = ByteBuffer.allocate(5);
                while (got.hasRemaining()) {
                    peer.read(got);
                }
                assertThat(ascii(got.array())).isEqualTo("early");
                running.call(() -> {
                    early.close();
                    return null;
                });
            }
        }
    }

    @Test
    void futuresCompleteOnTheLoopThread() throws Exception {
        CompletableFuture<Thread> readOn = new CompletableFuture<>();
        CompletableFuture<Thread> writeOn = new CompletableFuture<>();
        CompletableFuture<Thread> failedOn = new CompletableFuture<>();
        pair.run(() -> {
            stream.readBytes(2).whenComplete((v, e) -> readOn.complete(Thread.currentThread()));
            stream.write(ascii("w")).whenComplete((v, e) -> writeOn.complete(Thread.currentThread()));
        });
        pair.send("rr");
        assertThat(await(readOn)).isSameAs(pair.loop.thread);
        assertThat(await(writeOn)).isSameAs(pair.loop.thread);
        pair.run(() -> {
            stream.close();
            stream.readBytes(1).whenComplete((v, e) -> failedOn.complete(Thread.currentThread()));
        });
        assertThat(await(failedOn)).isSameAs(pair.loop.thread);
    }

    @Test
    void aReadWhoseBytesAreAlreadyBufferedIsNotDoneWhenTheCallReturns() throws Exception {
        pair.send("x" + "line\n" + "regex;" + "1234" + "ab" + "c" + "rest");
        assertThat(ascii(await(pair.call(() -> stream.readBytes(1))))).isEqualTo("x");
        assertThat(ascii(await(startedOnLoop(() -> stream.readUntil(ascii("\n"))))))
                .isEqualTo("line\n");
        assertThat(ascii(await(startedOnLoop(() -> stream.readUntilRegex(Pattern.compile(";"), 100)))))
                .isEqualTo("regex;");
        assertThat(ascii(await(startedOnLoop(() -> stream.readBytes(4))))).isEqualTo("1234");
        ByteBuffer dst = ByteBuffer.allocate(2);
        assertThat(await(startedOnLoop(() -> stream.readInto(dst, false)))).isEqualTo(2);
        assertThat(ascii(await(startedOnLoop(() -> stream.readBytes(1, true))))).isEqualTo("c");
        pair.peer.shutdownOutput();
        assertThat(ascii(await(startedOnLoop(stream::readUntilClose)))).isEqualTo("rest");
    }

    @Test
    void failuresAndWritesAreNotDoneWhenTheCallReturnsEither() throws Exception {
        // A write the kernel takes at once.
        await(startedOnLoop(() -> stream.write(ascii("small"))));
        pair.run(stream::close);
        assertThat(failure(startedOnLoop(() -> stream.readBytes(1)))).isInstanceOf(StreamClosedException.class);
        assertThat(failure(startedOnLoop(() -> stream.write(ascii("x"))))).isInstanceOf(StreamClosedException.class);
    }

    @Test
    void chainedReadsOverALongPipelinedBurstDoNotGrowTheStack() throws Exception {
        int lines = 100_000;
        ByteArrayOutputStream burst = new ByteArrayOutputStream();
        for (int i = 0; i < lines; i++) {
            burst.writeBytes(ascii("line " + i + "\n"));
        }
        CompletableFuture<Integer> deepest = new CompletableFuture<>();
        AtomicInteger mismatches = new AtomicInteger();
        pair.run(() -> readLinesChained(stream, lines, new int[] {0, 0}, mismatches, deepest));
        CompletableFuture<Void> sent = pair.sendInBackground(burst.toByteArray());
        int depthAtEnd = deepest.get(60, TimeUnit.SECONDS);
        await(sent);
        assertThat(mismatches).hasValue(0);
        assertThat(depthAtEnd).as("deepest stack seen by a read's completion").isLessThan(400);
    }

    /** state[0]: lines read; state[1]: the deepest stack seen so far. */
    private static void readLinesChained(
            IOStream stream, int lines, int[] state, AtomicInteger mismatches, CompletableFuture<Integer> deepest) {
        stream.readUntil(ascii("\n")).whenComplete((line, error) -> {
            if (error != null) {
                deepest.completeExceptionally(error);
                return;
            }
            try {
                if (!ascii(line).equals("line " + state[0] + "\n")) {
                    mismatches.incrementAndGet();
                }
                if (state[0] % 1000 == 0) {
                    state[1] = Math.max(state[1], Thread.currentThread().getStackTrace().length);
                }
                if (++state[0] == lines) {
                    deepest.complete(state[1]);
                } else {
                    readLinesChained(stream, lines, state, mismatches, deepest);
                }
            } catch (Throwable t) {
                // A StackOverflowError here is the failure this test looks for: report it instead of hanging.
                deepest.completeExceptionally(t);
            }
        });
    }

    /** Starts {@code read} on the loop, checks that its future is not done inside that call, and returns it. */
    private <T> CompletableFuture<T> startedOnLoop(Callable<CompletableFuture<T>> read) throws Exception {
        List<Boolean> doneInsideCall = new ArrayList<>();
        CompletableFuture<T> future = pair.call(() -> {
            CompletableFuture<T> f = read.call();
            doneInsideCall.add(f.isDone());
            return f;
        });
        assertThat(doneInsideCall).as("done inside the call that returned it").containsExactly(false);
        return future;
    }
}
