package dev.ioloop.bench;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The {@code raw-socket} baseline of {@link StreamServers}: blocking NIO, an accepting thread and one thread per
 * connection, each with two direct buffers allocated when the connection opens. It allocates nothing per request,
 * so in {@link StreamBenchmark} its {@code gc.alloc.rate.norm} is the benchmark client's own: subtract it from the
 * other targets' to get their servers'. It is no event loop: its CPU per request is not comparable with theirs.
 *
 * <ul>
 *   <li>echo: read what has arrived, write it back, repeat;</li>
 *   <li>line ({@link UpperLines}): read what has arrived, write every complete line upper-cased in one write, keep
 *       the partial last line.</li>
 * </ul>
 */
final class BlockingStreamServer implements StreamServers.Server {

    private final boolean lines;
    private final ServerSocketChannel listener;
    private final Thread acceptor;
    private final Set<SocketChannel> connections = ConcurrentHashMap.newKeySet();
    private final List<Thread> threads = new CopyOnWriteArrayList<>();
    private volatile boolean closed;

    private BlockingStreamServer(boolean lines, String host, int port) throws IOException {
        this.lines = lines;
        listener = ServerSocketChannel.open();
        try {
            listener.bind(new InetSocketAddress(host, port), 1024);
        } catch (IOException e) {
            listener.close();
            throw e;
        }
        acceptor = new Thread(this::acceptLoop, "stream-raw-socket-accept");
        acceptor.setDaemon(true);
    }

    /**
     * Starts a server.
     *
     * @param lines {@code true} for the line protocol, {@code false} for echo
     * @param host the address to bind
     * @param port the port, or 0 for any free one
     * @throws IOException if the listening socket cannot be opened or bound
     */
    static BlockingStreamServer start(boolean lines, String host, int port) throws IOException {
        BlockingStreamServer server = new BlockingStreamServer(lines, host, port);
        server.acceptor.start();
        return server;
    }

    @Override
    public int port() {
        return listener.socket().getLocalPort();
    }

    /** Closes the listening socket and every connection, which ends their threads, and waits for them. */
    @Override
    public void close() {
        closed = true;
        closeQuietly(listener);
        join(acceptor);
        for (SocketChannel c : connections) {
            closeQuietly(c);
        }
        for (Thread t : threads) {
            join(t);
        }
    }

    private void acceptLoop() {
        int n = 0;
        while (!closed) {
            SocketChannel c;
            try {
                c = listener.accept();
            } catch (IOException e) {
                return; // closed (a baseline: no retrying after other accept failures)
            }
            try {
                c.setOption(StandardSocketOptions.TCP_NODELAY, true);
            } catch (IOException e) {
                closeQuietly(c); // this connection only
                continue;
            }
            connections.add(c);
            Thread t = new Thread(() -> serve(c), "stream-raw-socket-" + n);
            n++;
            t.setDaemon(true);
            threads.add(t);
            t.start();
            if (closed) {
                closeQuietly(c);
            }
        }
    }

    private void serve(SocketChannel c) {
        ByteBuffer in = ByteBuffer.allocateDirect(2 * UpperLines.MAX_LINE);
        ByteBuffer out = ByteBuffer.allocateDirect(2 * UpperLines.MAX_LINE);
        try {
            while (c.read(in) >= 0) {
                in.flip();
                if (lines) {
                    if (!reply(in, out)) {
                        return; // a line too long
                    }
                    out.flip();
                    writeFully(c, out);
                    out.clear();
                    in.compact();
                    if (in.position() >= UpperLines.MAX_LINE) {
                        return; // a line too long
                    }
                } else {
                    writeFully(c, in);
                    in.clear();
                }
            }
        } catch (IOException e) {
            // the peer reset the connection, or close() closed it: this connection is done
        } finally {
            connections.remove(c);
            closeQuietly(c);
        }
    }

    /**
     * Puts every complete line of {@code in} into {@code out}, upper-cased, and consumes them from {@code in}.
     *
     * @return {@code false} if a line is too long
     */
    private static boolean reply(ByteBuffer in, ByteBuffer out) {
        int start = in.position();
        for (int i = start, end = in.limit(); i < end; i++) {
            if (in.get(i) == '\n') {
                if (i + 1 - start > UpperLines.MAX_LINE) {
                    return false;
                }
                for (int j = start; j <= i; j++) {
                    out.put(UpperLines.upper(in.get(j)));
                }
                start = i + 1;
            }
        }
        in.position(start);
        return true;
    }

    private static void writeFully(SocketChannel c, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            c.write(b);
        }
    }

    private static void join(Thread t) {
        try {
            t.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void closeQuietly(java.nio.channels.Channel c) {
        try {
            c.close();
        } catch (IOException e) {
            // closing anyway
        }
    }
}
