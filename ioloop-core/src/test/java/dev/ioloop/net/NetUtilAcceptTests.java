package dev.ioloop.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.ioloop.IOLoop;
import dev.ioloop.LoopThread;
import dev.ioloop.TestLoops;
import java.io.IOException;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@link NetUtil#addAcceptHandler} on a running loop, with real clients on loopback. */
@Timeout(60)
class NetUtilAcceptTests {

    private static final byte GREETING = 'x';

    private final List<Map.Entry<Object, Exception>> errors = new CopyOnWriteArrayList<>();
    private final List<SocketChannel> accepted = new CopyOnWriteArrayList<>();
    private final List<SocketChannel> clients = new ArrayList<>();
    private LoopThread running;
    private IOLoop loop;
    private ServerSocketChannel server;
    private int port;

    @TempDir
    Path dir;

    @BeforeEach
    void start() throws Exception {
        running = LoopThread.start(TestLoops.unwatched()
                .errorHandler((source, error) -> errors.add(Map.entry(source, error)))
                .build());
        loop = running.loop;
        server = NetUtil.bindSockets(0, "127.0.0.1", 512, false).get(0);
        port = Loopback.port(server);
    }

    @AfterEach
    void stop() throws Exception {
        running.close();
        server.close();
        for (SocketChannel ch : accepted) {
            ch.close();
        }
        for (SocketChannel ch : clients) {
            ch.close();
        }
    }

    @Test
    void aBurstOfConnectionsIsAcceptedAtMost128PerEventAndAllServed() throws Exception {
        Map<Long, AtomicInteger> acceptsPerIteration = new ConcurrentHashMap<>();
        running.call(() -> NetUtil.addAcceptHandler(loop, server, (ch, remote) -> {
            acceptsPerIteration
                    .computeIfAbsent(loop.stats().iterations(), k -> new AtomicInteger())
                    .incrementAndGet();
            greet(ch);
        }));

        // With the loop held, every connection waits in the backlog, so that one event finds them all.
        CountDownLatch release = holdLoop();
        try {
            for (int i = 0; i < 300; i++) {
                clients.add(Loopback.connect(Loopback.V4, port));
            }
        } finally {
            release.countDown();
        }

        for (SocketChannel client : clients) {
            assertThat(readByte(client)).isEqualTo(GREETING);
        }
        assertThat(accepted).hasSize(300);
        // 128, 128, 44, unless the kernel queued the last few handshakes a moment after their connect returned.
        assertThat(acceptsPerIteration.values())
                .as("accepts per loop iteration")
                .extracting(AtomicInteger::get)
                .contains(128)
                .allSatisfy(n -> assertThat(n).isLessThanOrEqualTo(128));
    }

    @Test
    void aConnectionResetBeforeAcceptDoesNotStopAccepting() throws Exception {
        running.call(() -> NetUtil.addAcceptHandler(loop, server, (ch, remote) -> greet(ch)));

        CountDownLatch release = holdLoop();
        try {
            try (Socket reset = new Socket(Loopback.V4, port)) {
                reset.setSoLinger(true, 0); // close sends RST: the connection dies in the accept queue
            }
            clients.add(Loopback.connect(Loopback.V4, port));
        } finally {
            release.countDown();
        }

        assertThat(readByte(clients.get(0))).isEqualTo(GREETING);
        assertThat(errors).isEmpty();
    }

    @Test
    void aFailingCallbackGoesToTheErrorHandlerAndClosesOnlyThatConnection() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        BiConsumer<SocketChannel, SocketAddress> callback = (ch, remote) -> {
            if (calls.getAndIncrement() == 0) {
                throw new IllegalStateException("boom");
            }
            greet(ch);
        };
        running.call(() -> NetUtil.addAcceptHandler(loop, server, callback));

        SocketChannel failed = client();
        assertThat(failed.read(ByteBuffer.allocate(1)))
                .as("closed by the server")
                .isEqualTo(-1);
        await().atMost(Duration.ofSeconds(10)).until(() -> !errors.isEmpty());
        assertThat(errors.get(0).getKey()).isSameAs(callback);
        assertThat(errors.get(0).getValue()).hasMessage("boom");

        assertThat(readByte(client())).as("the next connection is served").isEqualTo(GREETING);
    }

    @Test
    void theCallbackGetsTheRemoteAddressOfTcpAndUnixClients() throws Exception {
        List<SocketAddress> remotes = new CopyOnWriteArrayList<>();
        ServerSocketChannel unix = NetUtil.bindUnix(dir.resolve("s.sock"), 16);
        try {
            running.call(() -> {
                NetUtil.addAcceptHandler(loop, server, (ch, remote) -> remotes.add(remote));
                return NetUtil.addAcceptHandler(loop, unix, (ch, remote) -> remotes.add(remote));
            });

            SocketChannel tcp = client();
            await().atMost(Duration.ofSeconds(10)).until(() -> remotes.size() == 1);
            assertThat(remotes.get(0)).isEqualTo(tcp.getLocalAddress());

            clients.add(SocketChannel.open(unix.getLocalAddress()));
            await().atMost(Duration.ofSeconds(10)).until(() -> remotes.size() == 2);
            assertThat(remotes.get(1))
                    .as("an unbound Unix client is unnamed")
                    .isInstanceOf(UnixDomainSocketAddress.class);
        } finally {
            running.call(() -> loop.removeHandler(unix));
            unix.close();
        }
    }

    @Test
    void theReturnedRunnableStopsAcceptingLeavesTheSocketOpenAndMayRunTwice() throws Exception {
        Runnable remove = running.call(() -> NetUtil.addAcceptHandler(loop, server, (ch, remote) -> greet(ch)));

        assertThatThrownBy(remove::run)
                .as("removal follows removeHandler's thread rule")
                .isInstanceOf(IllegalStateException.class);
        running.call(() -> {
            remove.run();
            remove.run();
            return null;
        });

        assertThat(server.isOpen()).isTrue();
        assertThat(loop.handlers()).noneMatch(h -> h.channel() == server);
        running.call(() -> NetUtil.addAcceptHandler(loop, server, (ch, remote) -> greet(ch)));
        assertThat(readByte(client())).as("accepting again after a new add").isEqualTo(GREETING);
    }

    @Test
    void addAcceptHandlerFromAnotherThreadOrWithNullsFailsAtTheCall() {
        BiConsumer<SocketChannel, SocketAddress> callback = (ch, remote) -> greet(ch);

        assertThatThrownBy(() -> NetUtil.addAcceptHandler(loop, server, callback))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("addAcceptHandler called from thread "
                        + Thread.currentThread().getName());
        assertThatThrownBy(() -> NetUtil.addAcceptHandler(null, server, callback))
                .isInstanceOf(NullPointerException.class)
                .hasMessage("loop");
        assertThatThrownBy(() -> NetUtil.addAcceptHandler(loop, null, callback))
                .isInstanceOf(NullPointerException.class)
                .hasMessage("server");
        assertThatThrownBy(() -> NetUtil.addAcceptHandler(loop, server, null))
                .isInstanceOf(NullPointerException.class)
                .hasMessage("callback");
        assertThat(loop.handlers()).isEmpty();
    }

    /** Writes one byte to an accepted channel (a fresh socket buffer always takes it) and keeps the channel. */
    private void greet(SocketChannel ch) {
        accepted.add(ch);
        try {
            ch.write(ByteBuffer.wrap(new byte[] {GREETING}));
        } catch (IOException e) {
            // the client is gone already (reset): nothing to serve
        }
    }

    private SocketChannel client() throws IOException {
        SocketChannel client = Loopback.connect(Loopback.V4, port);
        clients.add(client);
        return client;
    }

    /** Blocks the loop thread in a callback until the returned latch is released. */
    private CountDownLatch holdLoop() throws InterruptedException {
        CountDownLatch held = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        loop.addCallback(() -> {
            held.countDown();
            try {
                release.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        assertThat(held.await(10, TimeUnit.SECONDS)).isTrue();
        return release;
    }

    private static byte readByte(SocketChannel client) throws IOException {
        ByteBuffer one = ByteBuffer.allocate(1);
        assertThat(client.read(one)).isEqualTo(1);
        return one.get(0);
    }
}
