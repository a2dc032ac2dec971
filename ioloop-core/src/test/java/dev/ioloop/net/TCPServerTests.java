package dev.ioloop.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.ioloop.IOLoop;
import dev.ioloop.LoopThread;
import dev.ioloop.TestLoops;
import dev.ioloop.stream.IOStream;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@link TCPServer} on a running loop, served to real clients on loopback and on a Unix domain socket. */
@Timeout(60)
class TCPServerTests {

    private final List<Map.Entry<Object, Exception>> errors = new CopyOnWriteArrayList<>();
    private final List<SocketChannel> clients = new ArrayList<>();
    private LoopThread running;
    private IOLoop loop;

    @TempDir
    Path dir;

    @BeforeEach
    void start() throws Exception {
        running = LoopThread.start(TestLoops.unwatched()
                .errorHandler((source, error) -> errors.add(Map.entry(source, error)))
                .build());
        loop = running.loop;
    }

    @AfterEach
    void stop() throws Exception {
        running.close();
        for (SocketChannel client : clients) {
            client.close();
        }
    }

    @Test
    void echoServerServesAPlainSocketClientAndCountsItsStream() throws Exception {
        TCPServer server = listening(new Echo(), new InetSocketAddress(Loopback.V4, 0));
        SocketAddress bound = server.boundAddresses().get(0);
        assertThat(Loopback.port(bound)).as("the real port, not 0").isPositive();

        try (Socket client = new Socket(Loopback.V4, Loopback.port(bound))) {
            client.setSoTimeout(10_000);
            OutputStream out = client.getOutputStream();
            BufferedReader in =
                    new BufferedReader(new InputStreamReader(client.getInputStream(), StandardCharsets.US_ASCII));
            out.write("hello\nworld\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(in.readLine()).isEqualTo("hello");
            assertThat(in.readLine()).isEqualTo("world");
            assertThat(server.counters().open()).isOne();
        }

        await().atMost(Duration.ofSeconds(10)).until(() -> server.counters().open() == 0);
        assertThat(server.counters().opened()).isOne();
        assertThat(server.counters().bytesRead()).isEqualTo(12);
        assertThat(server.counters().bytesWritten()).isEqualTo(12);
        assertThat(errors).isEmpty();
    }

    @Test
    void listenWithoutHostServesIpv4AndIpv6ClientsOnOnePort() throws Exception {
        TCPServer server = new TCPServer(loop, new Echo());
        running.call(() -> {
            server.listen(0, null);
            return null;
        });
        List<SocketAddress> bound = server.boundAddresses();
        int port = Loopback.port(bound.get(0));
        assertThat(bound).allSatisfy(a -> assertThat(Loopback.port(a)).isEqualTo(port));

        assertThat(Loopback.exchange(client(Loopback.V4, port), "v4")).isEqualTo("v4");
        if (Loopback.hasIpv6()) {
            assertThat(Loopback.exchange(client(Loopback.V6, port), "v6")).isEqualTo("v6");
        }
    }

    @Test
    void unixSocketServerServesAndStopRemovesItsFile() throws Exception {
        Path path = dir.resolve("echo.sock");
        TCPServer server = listening(new Echo(), UnixDomainSocketAddress.of(path));
        assertThat(server.boundAddresses()).containsExactly(UnixDomainSocketAddress.of(path));

        SocketChannel client = SocketChannel.open(UnixDomainSocketAddress.of(path));
        clients.add(client);
        assertThat(Loopback.exchange(client, "over unix")).isEqualTo("over unix");

        running.call(() -> {
            server.stop();
            return null;
        });
        assertThat(path).doesNotExist();
        assertThat(Loopback.exchange(client, "still open")).isEqualTo("still open");
    }

    @Test
    void stopClosesTheListenerButKeepsOpenStreamsOpen() throws Exception {
        TCPServer server = listening(new Echo(), new InetSocketAddress(Loopback.V4, 0));
        int port = Loopback.port(server.boundAddresses().get(0));
        SocketChannel client = client(Loopback.V4, port);
        assertThat(Loopback.exchange(client, "before")).isEqualTo("before");

        running.call(() -> {
            server.stop();
            server.close(); // idempotent
            return null;
        });

        assertThat(server.boundAddresses()).isEmpty();
        assertThat(loop.handlers()).as("only the open stream").hasSize(1);
        // The JDK releases a closed channel's socket when the selector it was registered with next polls: once a
        // later callback has run, the loop has polled since the stop.
        running.call(() -> null);
        assertThatThrownBy(() -> Loopback.connect(Loopback.V4, port)).isInstanceOf(ConnectException.class);
        assertThat(Loopback.exchange(client, "after")).isEqualTo("after");
        assertThat(server.counters().open()).isOne();
        assertThatThrownBy(() -> running.call(() -> {
                    server.listen(0, "127.0.0.1");
                    return null;
                }))
                .hasRootCauseInstanceOf(IllegalStateException.class)
                .hasRootCauseMessage("TCPServer.listen: the server is stopped");
    }

    @Test
    void pauseLeavesNewConnectionsInTheBacklogUntilResume() throws Exception {
        TCPServer server = listening(new Echo(), new InetSocketAddress(Loopback.V4, 0));
        int port = Loopback.port(server.boundAddresses().get(0));
        SocketChannel first = client(Loopback.V4, port);
        assertThat(Loopback.exchange(first, "before")).isEqualTo("before");

        running.call(() -> {
            server.pause();
            server.pause(); // idempotent
            return null;
        });
        assertThat(server.isPaused()).isTrue();
        SocketChannel waiting = client(Loopback.V4, port); // completes in the kernel's backlog
        running.call(() -> null);
        running.call(() -> null); // the loop has polled since the connection was queued
        assertThat(server.counters().opened())
                .as("nothing accepted while paused")
                .isOne();
        assertThat(loop.handlers()).as("only the first client's stream").hasSize(1);
        assertThat(Loopback.exchange(first, "during")).as("open streams go on").isEqualTo("during");

        running.call(() -> {
            server.resume();
            return null;
        });
        assertThat(Loopback.exchange(waiting, "after")).isEqualTo("after");
        assertThat(server.counters().opened()).isEqualTo(2);
        assertThat(server.isPaused()).isFalse();
    }

    @Test
    void addSocketsServesSocketsBoundElsewhereAndStopClosesThem() throws Exception {
        List<ServerSocketChannel> sockets = NetUtil.bindSockets(0, "127.0.0.1", 16, false);
        TCPServer server = new TCPServer(loop, new Echo());
        running.call(() -> {
            server.addSockets(sockets.toArray(ServerSocketChannel[]::new));
            return null;
        });
        assertThat(server.boundAddresses()).containsExactly(sockets.get(0).getLocalAddress());

        assertThat(Loopback.exchange(client(Loopback.V4, Loopback.port(sockets.get(0))), "added"))
                .isEqualTo("added");

        running.call(() -> {
            server.stop();
            return null;
        });
        assertThat(sockets.get(0).isOpen()).isFalse();
    }

    @Test
    void aFailingHandlerClosesOnlyItsStreamAndReachesTheErrorHandler() throws Exception {
        List<IOStream> failed = new CopyOnWriteArrayList<>();
        StreamHandler handler = (stream, remote) -> {
            if (failed.isEmpty()) {
                failed.add(stream);
                throw new IllegalStateException("handler failed for " + remote);
            }
            Echo.echo(stream);
        };
        TCPServer server = listening(handler, new InetSocketAddress(Loopback.V4, 0));
        int port = Loopback.port(server.boundAddresses().get(0));

        SocketChannel first = client(Loopback.V4, port);
        assertThat(first.read(ByteBuffer.allocate(1))).as("its stream closed").isEqualTo(-1);
        await().atMost(Duration.ofSeconds(10)).until(() -> !errors.isEmpty());
        assertThat(errors.get(0).getKey()).isSameAs(handler);
        assertThat(errors.get(0).getValue())
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("handler failed for " + first.getLocalAddress());
        assertThat(running.call(() -> failed.get(0).error()))
                .isSameAs(errors.get(0).getValue());

        assertThat(Loopback.exchange(client(Loopback.V4, port), "next")).isEqualTo("next");
        assertThat(server.counters().opened()).isEqualTo(2);
    }

    @Test
    void callsFromAnotherThreadWhileTheLoopRunsThrowNamingTheMethod() {
        TCPServer server = new TCPServer(loop, new Echo());

        assertThatThrownBy(() -> server.listen(0, "127.0.0.1"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageStartingWith("TCPServer.listen called from thread "
                        + Thread.currentThread().getName());
        assertThatThrownBy(() -> server.listen(new InetSocketAddress(Loopback.V4, 0)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageStartingWith("TCPServer.listen called from thread");
        assertThatThrownBy(server::addSockets)
                .isInstanceOf(IllegalStateException.class)
                .hasMessageStartingWith("TCPServer.addSockets called from thread");
        assertThatThrownBy(server::stop)
                .isInstanceOf(IllegalStateException.class)
                .hasMessageStartingWith("TCPServer.stop called from thread");
        assertThat(loop.handlers()).isEmpty();
    }

    @Test
    void badArgumentsFailAtTheCallWithTheValueInTheMessage() {
        assertThatThrownBy(() -> new TCPServer((IOLoop) null, new Echo()))
                .isInstanceOf(NullPointerException.class)
                .hasMessage("loop");
        assertThatThrownBy(() -> new TCPServer(loop, null))
                .isInstanceOf(NullPointerException.class)
                .hasMessage("handler");
        assertThatThrownBy(() -> new TCPServer(loop, new Echo(), null))
                .isInstanceOf(NullPointerException.class)
                .hasMessage("options");
        TCPServer server = new TCPServer(loop, new Echo());
        assertThatThrownBy(() -> server.listen(-1, null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("port must be in 0..65535: -1");
        assertThatThrownBy(() -> server.listen(65536, "127.0.0.1"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("port must be in 0..65535: 65536");
        assertThatThrownBy(() -> server.listen(null))
                .isInstanceOf(NullPointerException.class)
                .hasMessage("address");
        assertThatThrownBy(() -> server.addSockets((ServerSocketChannel) null))
                .isInstanceOf(NullPointerException.class)
                .hasMessage("sockets[0]");
        SocketAddress other = new SocketAddress() {
            @Override
            public String toString() {
                return "an-address";
            }
        };
        assertThatThrownBy(() -> running.call(() -> {
                    server.listen(other);
                    return null;
                }))
                .hasRootCauseInstanceOf(IllegalArgumentException.class)
                .rootCause()
                .hasMessageContaining("an-address");
    }

    private TCPServer listening(StreamHandler handler, SocketAddress address) throws Exception {
        TCPServer server = new TCPServer(loop, handler);
        running.call(() -> {
            server.listen(address);
            return null;
        });
        return server;
    }

    private SocketChannel client(java.net.InetAddress address, int port) throws Exception {
        SocketChannel client = Loopback.connect(address, port);
        clients.add(client);
        return client;
    }
}
