package dev.ioloop.bench;

import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.ServerSocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import java.util.Locale;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;

/**
 * The two Netty 4.2 transports ioloop is compared with: {@code NIO} (the JDK selector, as ioloop's default poller)
 * and {@code EPOLL} (Netty's own JNI epoll).
 *
 * <p>Netty 4.2 separates the loop ({@link MultiThreadIoEventLoopGroup}) from the poller (an {@code IoHandler}
 * made by {@link #ioHandlerFactory()}), as ioloop separates {@code IOLoop} from its {@code Poller}.
 */
public enum NettyTransport {
    NIO {
        @Override
        public IoHandlerFactory ioHandlerFactory() {
            return NioIoHandler.newFactory();
        }

        @Override
        public Class<? extends ServerSocketChannel> serverChannelClass() {
            return NioServerSocketChannel.class;
        }
    },

    EPOLL {
        @Override
        public IoHandlerFactory ioHandlerFactory() {
            Epoll.ensureAvailability();
            return EpollIoHandler.newFactory();
        }

        @Override
        public Class<? extends ServerSocketChannel> serverChannelClass() {
            return EpollServerSocketChannel.class;
        }
    };

    /** Returns a factory of this transport's poller. */
    public abstract IoHandlerFactory ioHandlerFactory();

    /** Returns this transport's server channel class, for a {@code ServerBootstrap}. */
    public abstract Class<? extends ServerSocketChannel> serverChannelClass();

    /** Returns a group of one event-loop thread on this transport; its thread is a daemon named {@code name}. */
    public MultiThreadIoEventLoopGroup newSingleThreadGroup(String name) {
        ThreadFactory threads = r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        };
        return new MultiThreadIoEventLoopGroup(1, threads, ioHandlerFactory());
    }

    /**
     * Parses {@code "nio"}, {@code "epoll"}, {@code "netty-nio"} or {@code "netty-epoll"}, in any case.
     *
     * @throws IllegalArgumentException for any other name
     */
    public static NettyTransport of(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        if (n.startsWith("netty-")) {
            n = n.substring("netty-".length());
        }
        return switch (n) {
            case "nio" -> NIO;
            case "epoll" -> EPOLL;
            default -> throw new IllegalArgumentException("unknown Netty transport: '" + name + "' (use nio or epoll)");
        };
    }

    /** Shuts a group down without the default 2 s quiet period, and waits for it. */
    static void shutdown(io.netty.util.concurrent.EventExecutorGroup group) {
        if (group != null) {
            group.shutdownGracefully(0, 5, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }
}
