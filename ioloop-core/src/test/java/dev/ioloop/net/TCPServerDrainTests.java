package dev.ioloop.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ioloop.IOLoop;
import dev.ioloop.IOLoopGroup;
import dev.ioloop.LoopThread;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link TCPServer#drain}: a graceful shutdown over a group of two loops, real clients on loopback. Every stream is
 * asked to finish on its own loop; the request in hand is answered before the close; streams that do not finish are
 * closed at the timeout.
 */
@Timeout(60)
class TCPServerDrainTests {

    private static final byte[] NEWLINE = {'\n'};

    private IOLoopGroup group;
    private final List<SocketChannel> clients = new ArrayList<>();

    @BeforeEach
    void startGroup() {
        group = IOLoopGroup.builder()
                .loops(2)
                .name("drain")
                .blockedThreshold(Duration.ZERO)
                .build();
        group.start();
    }

    @AfterEach
    void close() throws IOException {
        for (SocketChannel c : clients) {
            c.close();
        }
        group.close();
    }

    @Test
    void idleStreamsOnEveryLoopCloseAndTheDrainCompletesTrue() throws Exception {
        TCPServer server = listen(new Echo());
        int port = Loopback.port(server.boundAddresses().get(0));
        for (int i = 0; i < 10; i++) {
            SocketChannel c = connect(port);
            assertThat(Loopback.exchange(c, "hello " + i)).isEqualTo("hello " + i);
        }
        assertThat(server.openStreams()).isEqualTo(10);

        server.pause();
        CompletableFuture<Boolean> drained = server.drain(Duration.ofSeconds(30));

        assertThat(drained.get(20, TimeUnit.SECONDS)).isTrue();
        assertThat(server.openStreams()).isZero();
        for (SocketChannel c : clients) {
            assertThat(readToEnd(c)).as("the server closed %s", c).isEmpty();
        }
        assertThat(server.drain(Duration.ZERO).get(20, TimeUnit.SECONDS))
                .as("a second drain, with nothing left")
                .isTrue();
    }

    @Test
    void aDrainHandlerFinishesTheRequestInHandBeforeTheStreamCloses() throws Exception {
        CountDownLatch requestInHand = new CountDownLatch(1);
        CountDownLatch drainCalled = new CountDownLatch(1);
        // Answers each line after a drain has begun, so the reply is still owed when the drain starts.
        StreamHandler slow = (stream, remote) -> stream.readUntil(NEWLINE).thenAccept(line -> {
            stream.setDrainHandler(drainCalled::countDown); // reply first, close after it
            requestInHand.countDown();
            CompletableFuture.runAsync(() -> await(drainCalled))
                    .thenRun(() -> stream.loop().addCallback(() -> {
                        assertThat(stream.isDraining()).isTrue();
                        stream.write(("done " + new String(line, StandardCharsets.US_ASCII))
                                        .getBytes(StandardCharsets.US_ASCII))
                                .thenRun(stream::close);
                    }));
        });
        TCPServer server = listen(slow);
        SocketChannel c = connect(Loopback.port(server.boundAddresses().get(0)));
        c.write(ByteBuffer.wrap("work\n".getBytes(StandardCharsets.US_ASCII)));
        assertThat(requestInHand.await(10, TimeUnit.SECONDS)).isTrue();

        server.pause();
        CompletableFuture<Boolean> drained = server.drain(Duration.ofSeconds(30));

        assertThat(readToEnd(c)).isEqualTo("done work\n");
        assertThat(drained.get(20, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void streamsStillOpenAtTheTimeoutAreClosedAndTheDrainCompletesFalse() throws Exception {
        StreamHandler stubborn = (stream, remote) -> {
            stream.setDrainHandler(() -> {}); // never closes by itself
            Echo.echo(stream);
        };
        TCPServer server = listen(stubborn);
        int port = Loopback.port(server.boundAddresses().get(0));
        SocketChannel a = connect(port);
        SocketChannel b = connect(port);
        assertThat(Loopback.exchange(a, "a")).isEqualTo("a");
        assertThat(Loopback.exchange(b, "b")).isEqualTo("b");

        server.stop();
        CompletableFuture<Boolean> drained = server.drain(Duration.ofMillis(200));

        assertThat(drained.get(20, TimeUnit.SECONDS)).isFalse();
        assertThat(readToEnd(a)).isEmpty();
        assertThat(readToEnd(b)).isEmpty();
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> server.openStreams() == 0);
    }

    @Test
    void aConnectionAcceptedDuringTheDrainIsDrainedAtOnce() throws Exception {
        CountDownLatch firstHandled = new CountDownLatch(1);
        TCPServer server = listen((stream, remote) -> {
            if (firstHandled.getCount() > 0) {
                stream.setDrainHandler(() -> {}); // the first stays open until its client goes
                firstHandled.countDown();
            }
            Echo.echo(stream);
        });
        int port = Loopback.port(server.boundAddresses().get(0));
        SocketChannel first = connect(port);
        assertThat(firstHandled.await(10, TimeUnit.SECONDS)).isTrue();
        CompletableFuture<Boolean> drained = server.drain(Duration.ofSeconds(30)); // still listening

        SocketChannel late = connect(port);

        assertThat(readToEnd(late)).as("drained as soon as it was handled").isEmpty();
        assertThat(Loopback.exchange(first, "still")).isEqualTo("still");
        assertThat(drained).isNotDone();
        assertThat(server.drain(Duration.ZERO))
                .as("while it runs, the same drain")
                .isSameAs(drained);
        first.close(); // the echo reads the end of input and closes the last stream
        assertThat(drained.get(20, TimeUnit.SECONDS)).isTrue();
        server.stop();
    }

    @Test
    void anExceptionFromADrainHandlerClosesThatStreamAndReachesTheErrorHandler() throws Exception {
        List<Throwable> errors = new ArrayList<>();
        IOLoop loop = IOLoop.builder()
                .name("drain-error")
                .blockedThreshold(Duration.ZERO)
                .errorHandler((source, error) -> {
                    synchronized (errors) {
                        errors.add(error);
                    }
                })
                .build();
        TCPServer server = new TCPServer(loop, (stream, remote) -> {
            stream.setDrainHandler(() -> {
                throw new IllegalStateException("drain handler failed");
            });
            Echo.echo(stream);
        });
        server.listen(new InetSocketAddress(Loopback.V4, 0)); // before the loop starts: on this thread
        try (LoopThread thread = LoopThread.start(loop)) {
            SocketChannel c = connect(Loopback.port(server.boundAddresses().get(0)));
            assertThat(Loopback.exchange(c, "x")).isEqualTo("x");

            assertThat(server.drain(Duration.ofSeconds(30)).get(20, TimeUnit.SECONDS))
                    .isTrue();
            assertThat(readToEnd(c)).isEmpty();
            synchronized (errors) {
                assertThat(errors).singleElement().satisfies(e -> assertThat(e).hasMessage("drain handler failed"));
            }
        }
    }

    @Test
    void aNegativeTimeoutIsRefusedWithTheValue() throws Exception {
        TCPServer server = listen(new Echo());
        assertThatThrownBy(() -> server.drain(Duration.ofSeconds(-1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("PT-1S");
        assertThatThrownBy(() -> server.drain(null)).isInstanceOf(NullPointerException.class);
        server.stop();
    }

    private TCPServer listen(StreamHandler handler) throws IOException {
        TCPServer server = new TCPServer(group, handler);
        server.listen(0, "127.0.0.1");
        return server;
    }

    private SocketChannel connect(int port) throws IOException {
        SocketChannel c = Loopback.connect(Loopback.V4, port);
        clients.add(c);
        return c;
    }

    /** Reads until the server closes the connection; returns what came. */
    private static String readToEnd(SocketChannel c) throws IOException {
        return new String(c.socket().getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
