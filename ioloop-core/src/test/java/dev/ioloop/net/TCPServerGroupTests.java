package dev.ioloop.net;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ioloop.IOLoop;
import dev.ioloop.IOLoopGroup;
import dev.ioloop.stream.IOStream;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@link TCPServer} over an {@link IOLoopGroup}: each connection on one loop for its whole life, spread evenly. */
@Timeout(60)
class TCPServerGroupTests {

    @Test
    void connectionsSpreadOverTheLoopsAndStayOnTheirLoop() throws Exception {
        Map<String, AtomicInteger> perLoop = new ConcurrentHashMap<>();
        List<String> wrongThread = new ArrayList<>();
        StreamHandler handler = (IOStream stream, SocketAddress remote) -> {
            IOLoop mine = IOLoop.current();
            perLoop.computeIfAbsent(mine.name(), k -> new AtomicInteger()).incrementAndGet();
            Echo.echo(stream);
            stream.setCloseCallback(() -> {
                if (IOLoop.current() != mine || stream.loop() != mine) {
                    synchronized (wrongThread) {
                        wrongThread.add(Thread.currentThread().getName());
                    }
                }
            });
        };
        try (IOLoopGroup group = IOLoopGroup.builder()
                .loops(2)
                .name("srv")
                .blockedThreshold(Duration.ZERO)
                .build()) {
            TCPServer server = new TCPServer(group, handler);
            server.listen(new InetSocketAddress(Loopback.V4, 0)); // before start: on this thread
            group.start();
            int port = Loopback.port(server.boundAddresses().get(0));
            List<SocketChannel> clients = new ArrayList<>();
            try {
                for (int i = 0; i < 100; i++) {
                    SocketChannel c = Loopback.connect(Loopback.V4, port);
                    clients.add(c);
                    assertThat(Loopback.exchange(c, "hello " + i)).isEqualTo("hello " + i);
                }
                assertThat(perLoop).containsOnlyKeys("srv-0", "srv-1");
                assertThat(perLoop.values()).allSatisfy(n -> assertThat(n.get()).isGreaterThanOrEqualTo(30));
                assertThat(server.counters().open()).isEqualTo(100);
            } finally {
                for (SocketChannel c : clients) {
                    c.close();
                }
            }
            org.awaitility.Awaitility.await()
                    .atMost(Duration.ofSeconds(10))
                    .until(() -> server.counters().open() == 0);
            assertThat(wrongThread).isEmpty();
            server.stop(); // from this thread while the group runs: forwarded to loop 0
            assertThat(server.boundAddresses()).isEmpty();
        }
    }

    @Test
    void listenAndStopFromAnotherThreadWhileTheGroupRuns() throws Exception {
        try (IOLoopGroup group = IOLoopGroup.builder()
                .loops(2)
                .name("late")
                .blockedThreshold(Duration.ZERO)
                .build()) {
            group.start();
            TCPServer server = new TCPServer(group, (stream, remote) -> Echo.echo(stream));
            server.listen(0, "127.0.0.1");
            int port = Loopback.port(server.boundAddresses().get(0));
            try (SocketChannel a = Loopback.connect(Loopback.V4, port);
                    SocketChannel b = Loopback.connect(Loopback.V4, port)) {
                assertThat(Loopback.exchange(a, "a")).isEqualTo("a");
                assertThat(Loopback.exchange(b, "b")).isEqualTo("b");
                server.pause();
                assertThat(server.isPaused()).isTrue();
                server.resume();
                server.stop();
                assertThat(Loopback.exchange(a, "still"))
                        .as("open streams stay open")
                        .isEqualTo("still");
            }
        }
    }
}
