package dev.ioloop.bench;

import dev.ioloop.FdHandler;
import dev.ioloop.IOLoop;
import dev.ioloop.IOLoopGroup;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import java.io.EOFException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Ping-pong of one byte over a loopback TCP connection: the benchmark thread writes a byte and waits for it to
 * come back (blocking NIO, direct buffers); the other end is served by the loop under test on its own thread,
 * which echoes what it reads. One operation is one round trip, so throughput is round trips per second.
 *
 * <ul>
 *   <li>{@code ioloop}: a {@code READ} handler registered with {@code addHandler} reads into a direct buffer and
 *       writes it back (the default {@code "selector"} poller).</li>
 *   <li>{@code ioloop-group}: the same handler on loop 0 ({@code bench-loop-0}) of an {@link IOLoopGroup} of one
 *       loop, started with the group's {@code start()}: a loop built and run by a group should cost what a plain
 *       one does. One loop, since a second one would only sleep in its poll on a thread of its own.</li>
 *   <li>{@code netty-nio}, {@code netty-epoll}: a one-thread Netty 4.2 group serving the accepted channel with
 *       the idiomatic echo handler ({@code write} in {@code channelRead}, {@code flush} in
 *       {@code channelReadComplete}, void promises).</li>
 * </ul>
 *
 * <p>Each round trip wakes the loop thread from its poll and the benchmark thread from its read, so this is
 * dominated by the kernel; the loop's own share shows best in {@code gc.alloc.rate.norm} and in the gap between
 * the targets. The client's cost is the same for all three.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(
        value = 2,
        jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
@State(Scope.Thread)
public class DispatchBenchmark {

    @Param({"ioloop", "ioloop-group", "netty-nio", "netty-epoll"})
    public String target;

    private SocketChannel client;
    private final ByteBuffer out = ByteBuffer.allocateDirect(1);
    private final ByteBuffer in = ByteBuffer.allocateDirect(1);

    private IOLoop loop;
    private Thread loopThread;
    private IOLoopGroup loopGroup;
    private EventLoopGroup group;
    private Channel nettyServer;

    @Setup(Level.Trial)
    public void open() throws IOException, InterruptedException {
        InetAddress loopback = InetAddress.getLoopbackAddress();
        switch (target) {
            case "ioloop", "ioloop-group" -> {
                SocketChannel served;
                try (ServerSocketChannel server = ServerSocketChannel.open()) {
                    server.bind(new InetSocketAddress(loopback, 0));
                    client = SocketChannel.open(server.getLocalAddress());
                    served = server.accept();
                }
                served.configureBlocking(false);
                served.setOption(StandardSocketOptions.TCP_NODELAY, true);
                if (target.equals("ioloop-group")) {
                    loopGroup =
                            IOLoopGroup.builder().loops(1).name("bench-loop").build();
                    IOLoop l = loopGroup.loops().get(0);
                    l.addHandler(served, new Echo(l), IOLoop.READ);
                    loopGroup.start();
                } else {
                    loop = IOLoop.builder().name("bench-loop").build();
                    loop.addHandler(served, new Echo(loop), IOLoop.READ);
                    loopThread = new Thread(loop::start, "bench-loop");
                    loopThread.setDaemon(true);
                    loopThread.start();
                }
            }
            case "netty-nio", "netty-epoll" -> {
                NettyTransport transport = NettyTransport.of(target);
                group = transport.newSingleThreadGroup("bench-" + target);
                nettyServer = new ServerBootstrap()
                        .group(group)
                        .channel(transport.serverChannelClass())
                        .childOption(ChannelOption.TCP_NODELAY, true)
                        .childHandler(new NettyEcho())
                        .bind(loopback, 0)
                        .sync()
                        .channel();
                client = SocketChannel.open(nettyServer.localAddress());
            }
            default -> throw new IllegalArgumentException("unknown target: " + target);
        }
        client.setOption(StandardSocketOptions.TCP_NODELAY, true);
        out.put(0, (byte) 'p');
    }

    @TearDown(Level.Trial)
    public void close() throws IOException, InterruptedException {
        client.close();
        if (loop != null) {
            loop.stop();
            loopThread.join(5_000);
            loop.close(true);
        }
        if (loopGroup != null) {
            loopGroup.close();
        }
        if (nettyServer != null) {
            nettyServer.close().sync();
        }
        NettyTransport.shutdown(group);
    }

    @Benchmark
    public byte pingPong() throws IOException {
        out.clear();
        client.write(out);
        in.clear();
        while (in.hasRemaining()) {
            if (client.read(in) < 0) {
                throw new EOFException("the echo side closed the connection");
            }
        }
        return in.get(0);
    }

    /** ioloop's echo: one read per readiness event (the loop is level-triggered), written straight back. */
    static final class Echo implements FdHandler<SocketChannel> {
        private final IOLoop loop;
        private final ByteBuffer buffer = ByteBuffer.allocateDirect(4096);

        Echo(IOLoop loop) {
            this.loop = loop;
        }

        @Override
        public void handle(SocketChannel channel, int events) throws IOException {
            buffer.clear();
            if (channel.read(buffer) < 0) {
                loop.removeHandler(channel);
                channel.close();
                return;
            }
            buffer.flip();
            while (buffer.hasRemaining()) {
                // One byte at a time in flight: the socket buffer always has room.
                channel.write(buffer);
            }
        }
    }

    /** Netty's echo, as in its examples. */
    @ChannelHandler.Sharable
    static final class NettyEcho extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ctx.write(msg, ctx.voidPromise());
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            ctx.flush();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
