package dev.ioloop.bench;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.handler.codec.LineBasedFrameDecoder;
import java.net.InetSocketAddress;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The Netty 4.2 servers of {@link StreamServers}, on one event-loop thread of the NIO or epoll transport
 * ({@link NettyTransport}), the acceptor and every connection on that thread, {@code TCP_NODELAY}:
 *
 * <ul>
 *   <li>{@link Protocol#ECHO}: {@link DispatchBenchmark.NettyEcho}, Netty's idiomatic echo: each {@code ByteBuf}
 *       read is written back as it is ({@code write} in {@code channelRead}, one {@code flush} in
 *       {@code channelReadComplete}).</li>
 *   <li>{@link Protocol#LINE_CODEC}: a {@link LineBasedFrameDecoder} (frames keep their {@code '\n'}; fail fast) and a
 *       handler that copies each frame into the server's scratch array, upper-cases it there and appends it to one
 *       reply buffer per read batch, written with one flush in {@code channelReadComplete}.</li>
 *   <li>{@link Protocol#LINE_HAND}: one handler that parses the read {@code ByteBuf} itself in
 *       {@code channelRead}, as {@link NettyRespHandler} does: it copies the readable bytes into the scratch array,
 *       upper-cases each complete line there, appends it to the batch's reply buffer, and keeps only a partial last
 *       line (in a cumulation buffer); one flush in {@code channelReadComplete}.</li>
 * </ul>
 *
 * <p>The protocol of the line servers is {@link UpperLines}. Neither line server stops reading when the reply
 * buffer backs up (nor does the ioloop one): the benchmark's clients read every reply.
 */
final class NettyStreamServer implements StreamServers.Server {

    /** What the server answers; see the class comment. */
    enum Protocol {
        ECHO,
        LINE_CODEC,
        LINE_HAND
    }

    private final EventLoopGroup group;
    private final Channel serverChannel;
    private final ChannelGroup connections;
    private final AtomicBoolean closed = new AtomicBoolean();

    private NettyStreamServer(EventLoopGroup group, Channel serverChannel, ChannelGroup connections) {
        this.group = group;
        this.serverChannel = serverChannel;
        this.connections = connections;
    }

    /**
     * Starts a server.
     *
     * @param transport NIO or epoll
     * @param protocol what it answers
     * @param host the address to bind
     * @param port the port, or 0 for any free one
     * @throws InterruptedException if interrupted while binding
     */
    static NettyStreamServer start(NettyTransport transport, Protocol protocol, String host, int port)
            throws InterruptedException {
        String name = "stream-netty-" + transport.name().toLowerCase() + "-"
                + protocol.name().toLowerCase().replace('_', '-');
        EventLoopGroup group = transport.newSingleThreadGroup(name);
        UpperLines.Scratch scratch = new UpperLines.Scratch(); // the group's one thread is its only user
        DispatchBenchmark.NettyEcho echo = new DispatchBenchmark.NettyEcho();
        // Shutting the group down does not close the connections it serves: close() closes them through this.
        ChannelGroup connections = new DefaultChannelGroup(group.next());
        try {
            Channel channel = new ServerBootstrap()
                    .group(group)
                    .channel(transport.serverChannelClass())
                    .option(ChannelOption.SO_BACKLOG, 1024)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childHandler(new ChannelInitializer<Channel>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            connections.add(ch);
                            switch (protocol) {
                                case ECHO -> ch.pipeline().addLast(echo);
                                case LINE_CODEC ->
                                    ch.pipeline()
                                            .addLast(new LineBasedFrameDecoder(UpperLines.MAX_LINE - 1, false, true))
                                            .addLast(new FrameHandler(scratch));
                                case LINE_HAND -> ch.pipeline().addLast(new HandLineHandler(scratch));
                                default -> throw new IllegalStateException("unknown protocol " + protocol);
                            }
                        }
                    })
                    .bind(host, port)
                    .sync()
                    .channel();
            return new NettyStreamServer(group, channel, connections);
        } catch (RuntimeException | InterruptedException e) {
            NettyTransport.shutdown(group);
            throw e;
        }
    }

    @Override
    public int port() {
        return ((InetSocketAddress) serverChannel.localAddress()).getPort();
    }

    /** Closes the listening socket and every connection, then shuts the group down. Idempotent. */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            serverChannel.close().syncUninterruptibly();
            connections.close().awaitUninterruptibly();
            NettyTransport.shutdown(group);
        }
    }

    /** The replies of one read batch, written and flushed once; shared by both line handlers. */
    private abstract static class BatchReplies extends ChannelInboundHandlerAdapter {
        final UpperLines.Scratch scratch;
        ByteBuf reply;

        BatchReplies(UpperLines.Scratch scratch) {
            this.scratch = scratch;
        }

        ByteBuf reply(ChannelHandlerContext ctx, int atLeast) {
            ByteBuf r = reply;
            if (r == null) {
                r = reply = ctx.alloc().buffer(Math.max(atLeast, 256));
            }
            return r;
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            ByteBuf r = reply;
            if (r != null) {
                reply = null;
                ctx.writeAndFlush(r, ctx.voidPromise());
            }
        }

        @Override
        public void handlerRemoved(ChannelHandlerContext ctx) {
            if (reply != null) {
                reply.release();
                reply = null;
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close(); // a line too long, or a reset: this connection only
        }
    }

    /** After a {@link LineBasedFrameDecoder}: each frame is one line, {@code '\n'} included. */
    private static final class FrameHandler extends BatchReplies {
        FrameHandler(UpperLines.Scratch scratch) {
            super(scratch);
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf frame = (ByteBuf) msg;
            try {
                int n = frame.readableBytes();
                byte[] a = scratch.get(n);
                frame.getBytes(frame.readerIndex(), a, 0, n);
                UpperLines.upperCase(a, 0, n);
                reply(ctx, n).writeBytes(a, 0, n);
            } finally {
                frame.release();
            }
        }
    }

    /** Parses the transport's {@code ByteBuf}s itself, keeping only a partial last line. */
    private static final class HandLineHandler extends BatchReplies {
        private ByteBuf cumulation;

        HandLineHandler(UpperLines.Scratch scratch) {
            super(scratch);
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf in = (ByteBuf) msg;
            ByteBuf buf;
            if (cumulation == null) {
                buf = in;
            } else {
                buf = cumulation;
                if (buf.writableBytes() < in.readableBytes()) {
                    buf.discardReadBytes();
                    buf.ensureWritable(in.readableBytes());
                }
                buf.writeBytes(in);
                in.release();
            }
            int n = buf.readableBytes();
            byte[] a = scratch.get(n);
            buf.getBytes(buf.readerIndex(), a, 0, n);
            int start = 0;
            ByteBuf out = null;
            for (int i = 0; i < n; i++) {
                byte b = a[i];
                if (b == '\n') {
                    if (i + 1 - start > UpperLines.MAX_LINE) {
                        buf.release();
                        cumulation = null;
                        ctx.close(); // a line too long
                        return;
                    }
                    if (out == null) {
                        out = reply(ctx, n);
                    }
                    out.writeBytes(a, start, i + 1 - start);
                    start = i + 1;
                } else {
                    a[i] = UpperLines.upper(b);
                }
            }
            buf.skipBytes(start);
            if (!buf.isReadable()) {
                buf.release();
                cumulation = null;
            } else if (buf.readableBytes() >= UpperLines.MAX_LINE) {
                buf.release();
                cumulation = null;
                ctx.close();
            } else if (buf == in) {
                // Keep only the partial line; the transport's buffer goes back to its pool at once.
                cumulation = ctx.alloc().buffer(Math.max(in.readableBytes(), 256));
                cumulation.writeBytes(in);
                in.release();
            }
        }

        @Override
        public void handlerRemoved(ChannelHandlerContext ctx) {
            super.handlerRemoved(ctx);
            if (cumulation != null) {
                cumulation.release();
                cumulation = null;
            }
        }
    }
}
