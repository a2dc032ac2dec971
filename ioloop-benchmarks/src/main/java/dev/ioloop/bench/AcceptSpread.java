package dev.ioloop.bench;

import dev.ioloop.IOLoop;
import dev.ioloop.IOLoopGroup;
import dev.ioloop.net.NetUtil;
import dev.ioloop.net.TCPServer;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * How two ways of spreading connections over the loops of a group compare: one acceptor on loop 0 handing each
 * connection to the next loop ({@code TCPServer} over an {@code IOLoopGroup}), against one {@code SO_REUSEPORT}
 * listener per loop, where the kernel picks the socket by a hash of the connection's addresses and ports. For each,
 * it opens {@code N} connections from one client thread, one after the other, and prints how many each loop got and
 * the connections per second (connect until the server has the stream, the client closing each at once).
 *
 * <p>Run: {@code java -cp ioloop-benchmarks/target/benchmarks.jar dev.ioloop.bench.AcceptSpread [N] [rounds]}.
 */
public final class AcceptSpread {

    private AcceptSpread() {}

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 2000;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        for (int r = 1; r <= rounds; r++) {
            run("acceptor", n, false);
            run("reuseport", n, true);
        }
    }

    private static void run(String mode, int n, boolean reusePort) throws Exception {
        Map<String, AtomicInteger> perLoop = new ConcurrentHashMap<>();
        CountDownLatch served = new CountDownLatch(n);
        try (IOLoopGroup group = IOLoopGroup.builder()
                .loops(2)
                .name(mode)
                .blockedThreshold(Duration.ZERO)
                .build()) {
            int port;
            if (reusePort) {
                List<ServerSocketChannel> sockets = new ArrayList<>();
                sockets.addAll(NetUtil.bindSockets(0, "127.0.0.1", 1024, true));
                port = ((InetSocketAddress) sockets.get(0).getLocalAddress()).getPort();
                sockets.addAll(NetUtil.bindSockets(port, "127.0.0.1", 1024, true));
                for (int i = 0; i < 2; i++) {
                    IOLoop loop = group.loops().get(i);
                    TCPServer server = new TCPServer(loop, (stream, remote) -> {
                        perLoop.computeIfAbsent(loop.name(), k -> new AtomicInteger())
                                .incrementAndGet();
                        stream.close();
                        served.countDown();
                    });
                    server.addSockets(sockets.get(i));
                }
            } else {
                TCPServer server = new TCPServer(group, (stream, remote) -> {
                    perLoop.computeIfAbsent(IOLoop.current().name(), k -> new AtomicInteger())
                            .incrementAndGet();
                    stream.close();
                    served.countDown();
                });
                server.listen(0, "127.0.0.1");
                port = ((InetSocketAddress) server.boundAddresses().get(0)).getPort();
            }
            group.start();
            InetSocketAddress address = new InetSocketAddress("127.0.0.1", port);
            long start = System.nanoTime();
            for (int i = 0; i < n; i++) {
                SocketChannel.open(address).close();
            }
            if (!served.await(60, TimeUnit.SECONDS)) {
                throw new IllegalStateException(mode + ": only " + (n - served.getCount()) + " of " + n + " served");
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            System.out.printf("%-9s %d connections: %s, %.0f connections/s%n", mode, n, perLoop, n / seconds);
        }
    }
}
