package dev.ioloop.bench;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import java.net.InetSocketAddress;

/**
 * The Netty reference for the end-to-end RESP benchmark: a Redis-protocol server (PING, SET, GET, INCR) on one
 * Netty 4.2 event-loop thread, with the hand-written decoder of {@link NettyRespHandler} and one in-memory map.
 * It is the row "Netty 4.2.18, epoll, hand-written RESP decoder, one reply buffer per read batch" of the reference
 * numbers in {@code ioloop-benchmarks/README.md}: the bar the sample app is held to.
 *
 * <pre>{@code
 * java -Xms512m -Xmx512m -XX:+UseSerialGC -cp ioloop-benchmarks/target/benchmarks.jar \
 *     dev.ioloop.bench.NettyRespServer --port 6392 --transport epoll
 * redis-cli -p 6392 ping
 * }</pre>
 *
 * <p>The acceptor and every connection share the one thread, as in Redis, so the store needs no locking.
 */
public final class NettyRespServer implements AutoCloseable {

    private final NettyTransport transport;
    private final EventLoopGroup group;
    private final Channel serverChannel;

    private NettyRespServer(NettyTransport transport, EventLoopGroup group, Channel serverChannel) {
        this.transport = transport;
        this.group = group;
        this.serverChannel = serverChannel;
    }

    /**
     * Starts a server.
     *
     * @param host the address to bind, for example {@code 127.0.0.1}
     * @param port the port, or 0 for any free one (see {@link #port()})
     * @param transport {@link NettyTransport#EPOLL} or {@link NettyTransport#NIO}
     * @throws InterruptedException if interrupted while binding
     */
    public static NettyRespServer start(String host, int port, NettyTransport transport) throws InterruptedException {
        EventLoopGroup group =
                transport.newSingleThreadGroup("resp-" + transport.name().toLowerCase());
        RespStore store = new RespStore();
        try {
            Channel channel = new ServerBootstrap()
                    .group(group)
                    .channel(transport.serverChannelClass())
                    .option(ChannelOption.SO_BACKLOG, 1024)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childHandler(new ChannelInitializer<Channel>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            ch.pipeline().addLast(new NettyRespHandler(store));
                        }
                    })
                    .bind(host, port)
                    .sync()
                    .channel();
            return new NettyRespServer(transport, group, channel);
        } catch (RuntimeException | InterruptedException e) {
            NettyTransport.shutdown(group);
            throw e;
        }
    }

    /** Returns the port the server listens on. */
    public int port() {
        return ((InetSocketAddress) serverChannel.localAddress()).getPort();
    }

    /** Returns the transport the server runs on. */
    public NettyTransport transport() {
        return transport;
    }

    /** Waits until the server channel is closed. */
    public void awaitClose() {
        serverChannel.closeFuture().syncUninterruptibly();
    }

    /** Closes the listening socket and every connection, and stops the event loop. */
    @Override
    public void close() {
        serverChannel.close().syncUninterruptibly();
        NettyTransport.shutdown(group);
    }

    /**
     * Runs a server until the process is stopped.
     *
     * <p>Arguments: {@code --port N} (default 6379), {@code --transport epoll|nio} (default epoll),
     * {@code --bind ADDRESS} (default 127.0.0.1).
     */
    public static void main(String[] args) throws InterruptedException {
        int port = 6379;
        NettyTransport transport = NettyTransport.EPOLL;
        String host = "127.0.0.1";
        try {
            for (int i = 0; i < args.length; i++) {
                String value = i + 1 < args.length ? args[i + 1] : null;
                switch (args[i]) {
                    case "--port" -> port = Integer.parseInt(required(args[i], value));
                    case "--transport" -> transport = NettyTransport.of(required(args[i], value));
                    case "--bind" -> host = required(args[i], value);
                    default -> throw new IllegalArgumentException("unknown argument: " + args[i]);
                }
                i++;
            }
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.err.println("usage: NettyRespServer [--port N] [--transport epoll|nio] [--bind ADDRESS]");
            System.exit(2);
        }
        NettyRespServer server = start(host, port, transport);
        Runtime.getRuntime().addShutdownHook(new Thread(server::close, "resp-shutdown"));
        System.out.println(
                "NettyRespServer (" + transport.name().toLowerCase() + ") listening on " + host + ":" + server.port());
        server.awaitClose();
    }

    private static String required(String option, String value) {
        if (value == null) {
            throw new IllegalArgumentException(option + " needs a value");
        }
        return value;
    }
}
