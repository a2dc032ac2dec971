package dev.ioloop.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.ioloop.IOLoop;
import dev.ioloop.LoopThread;
import dev.ioloop.stream.IOStream;
import dev.ioloop.stream.StreamClosedException;
import dev.ioloop.stream.StreamOptions;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@link TCPClient#connect} against real listeners on loopback; name resolution through a test resolver. */
@Timeout(60)
class TCPClientTests {

    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private final List<AutoCloseable> resources = new ArrayList<>();
    private LoopThread running;
    private IOLoop loop;
    private int port;

    @BeforeEach
    void start() throws Exception {
        running = LoopThread.start();
        loop = running.loop;
        TCPServer server = new TCPServer(loop, new Echo());
        running.call(() -> {
            server.listen(new InetSocketAddress(Loopback.V4, 0));
            return null;
        });
        port = Loopback.port(server.boundAddresses().get(0));
    }

    @AfterEach
    void stop() throws Exception {
        running.close();
        for (AutoCloseable resource : resources) {
            resource.close();
        }
    }

    @Test
    void connectsToAListeningServerAndCompletesOnTheLoopThread() throws Exception {
        IOStream stream =
                connect("127.0.0.1", port, TIMEOUT, InetAddress::getAllByName).get(10, TimeUnit.SECONDS);

        assertThat(stream.remoteAddress()).isEqualTo(new InetSocketAddress(Loopback.V4, port));
        assertThat(echo(stream, "ping")).isEqualTo("ping\n");
    }

    @Test
    void connectsByHostNameThroughTheSystemResolver() throws Exception {
        assumeTrue(List.of(InetAddress.getAllByName("localhost")).contains(Loopback.V4), "localhost is not 127.0.0.1");
        CompletableFuture<IOStream> connecting =
                running.call(() -> TCPClient.connect(loop, "localhost", port, TIMEOUT));

        IOStream stream = connecting.get(10, TimeUnit.SECONDS);

        assertThat(echo(stream, "by name")).isEqualTo("by name\n");
    }

    @Test
    void aClosedPortFailsWithStreamClosedExceptionCausedByConnectException() throws Exception {
        int closedPort = closedPort();

        CompletableFuture<IOStream> connecting = connect("127.0.0.1", closedPort, TIMEOUT, InetAddress::getAllByName);

        assertThatThrownBy(() -> connecting.get(10, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class)
                .cause()
                .isInstanceOf(StreamClosedException.class)
                .cause()
                .isInstanceOf(ConnectException.class);
        assertThat(loop.handlers()).as("only the server's listener").hasSize(1);
    }

    @Test
    void whenTheFirstAddressRefusesTheNextOneIsTried() throws Exception {
        // The server listens on 127.0.0.1 only: ::1 (or, without IPv6, 127.0.0.2) refuses on that port.
        InetAddress refusing = Loopback.hasIpv6() ? Loopback.V6 : InetAddress.getByName("127.0.0.2");

        IOStream stream = connect("two.test", port, TIMEOUT, host -> new InetAddress[] {refusing, Loopback.V4})
                .get(10, TimeUnit.SECONDS);

        assertThat(stream.remoteAddress()).isEqualTo(new InetSocketAddress(Loopback.V4, port));
        assertThat(echo(stream, "second")).isEqualTo("second\n");
    }

    @Test
    void everyAddressRefusingFailsWithTheLastError() throws Exception {
        int closedPort = closedPort();

        CompletableFuture<IOStream> connecting =
                connect("none.test", closedPort, TIMEOUT, host -> new InetAddress[] {Loopback.V4, Loopback.V4});

        assertThatThrownBy(() -> connecting.get(10, TimeUnit.SECONDS))
                .cause()
                .isInstanceOf(StreamClosedException.class)
                .cause()
                .isInstanceOf(ConnectException.class);
    }

    @Test
    void anUnknownHostFailsWithItsResolutionError() throws Exception {
        CompletableFuture<IOStream> connecting = connect("unknown.test", port, TIMEOUT, host -> {
            throw new UnknownHostException(host);
        });

        assertThatThrownBy(() -> connecting.get(10, TimeUnit.SECONDS))
                .cause()
                .isInstanceOf(StreamClosedException.class)
                .cause()
                .isInstanceOf(UnknownHostException.class)
                .hasMessage("unknown.test");
    }

    /** A resolver that never answers stands for a slow DNS server: deterministic, unlike an unroutable address. */
    @Test
    void aTimeoutWhileResolvingFailsWithTimeoutException() throws Exception {
        CountDownLatch never = new CountDownLatch(1);
        try {
            long start = System.nanoTime();
            CompletableFuture<IOStream> connecting = connect("slow.test", port, Duration.ofMillis(200), host -> {
                never.await();
                return new InetAddress[] {Loopback.V4};
            });

            assertThatThrownBy(() -> connecting.get(10, TimeUnit.SECONDS))
                    .cause()
                    .isInstanceOf(StreamClosedException.class)
                    .cause()
                    .isInstanceOf(TimeoutException.class)
                    .hasMessage("connect to slow.test:" + port + " timed out after 200 ms");
            assertThat(System.nanoTime() - start)
                    .isGreaterThanOrEqualTo(Duration.ofMillis(200).toNanos());
        } finally {
            never.countDown();
        }
    }

    @Test
    void aTimeoutWhileConnectingClosesTheAttempt() throws Exception {
        InetSocketAddress hanging = hangingAddress();

        CompletableFuture<IOStream> connecting =
                connect("hanging.test", hanging.getPort(), Duration.ofMillis(200), host ->
                        new InetAddress[] {hanging.getAddress()});

        assertThatThrownBy(() -> connecting.get(10, TimeUnit.SECONDS))
                .cause()
                .isInstanceOf(StreamClosedException.class)
                .cause()
                .isInstanceOf(TimeoutException.class);
        assertThat(running.call(loop::handlers))
                .as("the attempt is off the loop")
                .hasSize(1);
    }

    @Test
    void cancellingTheFutureClosesTheAttempt() throws Exception {
        InetSocketAddress hanging = hangingAddress();
        TCPClient.Resolver resolver = host -> new InetAddress[] {hanging.getAddress()};
        CompletableFuture<IOStream> connecting = running.call(() ->
                TCPClient.connect(loop, "hanging.test", hanging.getPort(), null, StreamOptions.defaults(), resolver));
        await().atMost(Duration.ofSeconds(10))
                .alias("the attempt is registered beside the listener")
                .until(() -> loop.handlers().size() == 2);

        assertThat(connecting.cancel(false)).isTrue();

        assertThat(running.call(loop::handlers))
                .as("the attempt is off the loop")
                .hasSize(1);
    }

    @Test
    void badArgumentsAndAnotherThreadFailAtTheCall() {
        Duration timeout = Duration.ofSeconds(1);
        assertThatThrownBy(() -> TCPClient.connect(loop, "127.0.0.1", port, timeout))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageStartingWith("TCPClient.connect called from thread "
                        + Thread.currentThread().getName());
        assertThatThrownBy(() -> TCPClient.connect(loop, "127.0.0.1", -1, timeout))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("port must be in 0..65535: -1");
        assertThatThrownBy(() -> TCPClient.connect(loop, "127.0.0.1", port, Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("timeout must be > 0: PT0S");
        assertThatThrownBy(() -> TCPClient.connect(loop, null, port, timeout))
                .isInstanceOf(NullPointerException.class)
                .hasMessage("host");
        assertThatThrownBy(() -> TCPClient.connect(null, "127.0.0.1", port, timeout))
                .isInstanceOf(NullPointerException.class)
                .hasMessage("loop");
        assertThatThrownBy(() -> TCPClient.connect(loop, "127.0.0.1", port, timeout, null))
                .isInstanceOf(NullPointerException.class)
                .hasMessage("options");
    }

    /** A port nothing listens on (a moment ago, a listener of this process got it). */
    private static int closedPort() throws Exception {
        try (ServerSocketChannel probe = ServerSocketChannel.open().bind(new InetSocketAddress(Loopback.V4, 0))) {
            return Loopback.port(probe);
        }
    }

    /** Connects on the loop thread through {@code resolver}; see {@link #onLoop}. */
    private CompletableFuture<IOStream> connect(String host, int port, Duration timeout, TCPClient.Resolver resolver)
            throws Exception {
        return onLoop(() -> TCPClient.connect(loop, host, port, timeout, StreamOptions.defaults(), resolver));
    }

    /**
     * Calls {@code connect} on the loop thread and returns its future once settled, checking that it completed on
     * the loop thread. The test waits for a dependent of its own rather than in {@code get()}: a thread waiting in
     * {@code get()} may run the dependents itself.
     */
    private CompletableFuture<IOStream> onLoop(Callable<CompletableFuture<IOStream>> connect) throws Exception {
        AtomicReference<Thread> completedOn = new AtomicReference<>();
        CountDownLatch settled = new CountDownLatch(1);
        CompletableFuture<IOStream> f = running.call(() -> {
            CompletableFuture<IOStream> connecting = connect.call();
            connecting.whenComplete((stream, error) -> {
                completedOn.set(Thread.currentThread());
                settled.countDown();
            });
            return connecting;
        });
        assertThat(settled.await(10, TimeUnit.SECONDS)).as("settled").isTrue();
        assertThat(completedOn.get()).as("completed on the loop thread").isSameAs(running.thread);
        return f;
    }

    /** Writes a line on the stream and returns the echo, on the loop. */
    private String echo(IOStream stream, String line) throws Exception {
        CompletableFuture<byte[]> reply = running.call(() -> {
            stream.write((line + "\n").getBytes(StandardCharsets.US_ASCII));
            return stream.readUntil(new byte[] {'\n'});
        });
        return new String(reply.get(10, TimeUnit.SECONDS), StandardCharsets.US_ASCII);
    }

    /**
     * An address whose connects hang: a listener with a backlog of 1 that never accepts, its queue filled, so that
     * the kernel drops further SYNs (Linux, and the sandbox this was written on). Skips the test where a probe
     * connect completes or fails instead.
     */
    private InetSocketAddress hangingAddress() throws Exception {
        ServerSocketChannel full = ServerSocketChannel.open().bind(new InetSocketAddress(Loopback.V4, 0), 1);
        resources.add(full);
        for (int i = 0; i < 4; i++) {
            SocketChannel filler = SocketChannel.open();
            resources.add(filler);
            filler.configureBlocking(false);
            filler.connect(full.getLocalAddress());
        }
        try (Selector selector = Selector.open();
                SocketChannel probe = SocketChannel.open()) {
            probe.configureBlocking(false);
            boolean connected = probe.connect(full.getLocalAddress());
            probe.register(selector, SelectionKey.OP_CONNECT);
            assumeTrue(!connected && selector.select(500) == 0, "connects to a full backlog do not hang here");
        }
        return (InetSocketAddress) full.getLocalAddress();
    }
}
