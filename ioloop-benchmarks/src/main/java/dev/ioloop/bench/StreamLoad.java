package dev.ioloop.bench;

import java.io.EOFException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The load generator of {@code stream-bench.sh}: {@code connections} connections to one {@link StreamServers}
 * target, driven by one thread with a {@link Selector}, until {@code requests} requests have been answered. One
 * request is a line of {@code size} bytes ({@code size - 1} lower-case letters and {@code '\n'}); each connection
 * sends a batch of {@code pipeline} requests in one write, reads the batch's {@code pipeline * size} reply bytes,
 * checks every byte (the request itself from an echo server, upper-cased from a line server), then sends the next
 * batch; the last batches are shorter so that exactly {@code requests} are sent.
 *
 * <pre>{@code
 * java -cp ioloop-benchmarks/target/benchmarks.jar dev.ioloop.bench.StreamLoad --port 7400 --protocol line \
 *     --connections 50 --pipeline 16 --requests 2000000 --size 32
 * }</pre>
 *
 * <p>Prints one line, {@code requests=N seconds=S rps=R}, timed from the first batch sent to the last reply
 * checked (connecting excluded). Fails (exit status 1) if a reply differs, a server closes a connection, or no
 * reply arrives for {@code --timeout} seconds (default 30).
 */
public final class StreamLoad {

    private final Selector selector;
    private final List<Connection> connections = new ArrayList<>();
    private final int pipeline;
    private final int size;
    private final long requests;
    private final long timeoutNanos;
    private final ByteBuffer batch;
    private final ByteBuffer expected;
    private long issued;
    private long answered;

    private StreamLoad(
            InetSocketAddress server,
            boolean lines,
            int connections,
            int pipeline,
            long requests,
            int size,
            long timeoutNanos)
            throws IOException {
        this.pipeline = pipeline;
        this.size = size;
        this.requests = requests;
        this.timeoutNanos = timeoutNanos;
        byte[] b = requestBatch(pipeline, size);
        batch = ByteBuffer.allocateDirect(b.length).put(b).flip();
        if (lines) {
            UpperLines.upperCase(b, 0, b.length);
        }
        expected = ByteBuffer.allocateDirect(b.length).put(b).flip();
        selector = Selector.open();
        try {
            for (int i = 0; i < connections; i++) {
                SocketChannel ch = SocketChannel.open(server);
                ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
                ch.configureBlocking(false);
                Connection c = new Connection(ch, ByteBuffer.allocateDirect(b.length));
                c.key = ch.register(selector, SelectionKey.OP_READ, c);
                this.connections.add(c);
            }
        } catch (IOException e) {
            close();
            throw e;
        }
    }

    /**
     * Returns {@code depth} request lines of {@code size} bytes each: {@code size - 1} lower-case letters (line
     * {@code i}, byte {@code j}: {@code 'a' + (i + j) % 26}) and {@code '\n'}.
     */
    static byte[] requestBatch(int depth, int size) {
        byte[] b = new byte[depth * size];
        for (int i = 0; i < depth; i++) {
            for (int j = 0; j < size - 1; j++) {
                b[i * size + j] = (byte) ('a' + (i + j) % 26);
            }
            b[i * size + size - 1] = '\n';
        }
        return b;
    }

    /**
     * Sends {@code requests} requests over {@code connections} connections, {@code pipeline} at a time on each, and
     * checks every reply.
     *
     * @param lines {@code true} if the server upper-cases lines, {@code false} if it echoes
     * @return the nanoseconds from the first batch sent to the last reply checked
     * @throws IOException if a connection fails, a reply is wrong, or no reply arrives for {@code timeoutSeconds}
     */
    public static long run(
            InetSocketAddress server,
            boolean lines,
            int connections,
            int pipeline,
            long requests,
            int size,
            int timeoutSeconds)
            throws IOException {
        if (connections < 1 || pipeline < 1 || requests < 1 || size < 2 || size > UpperLines.MAX_LINE) {
            throw new IllegalArgumentException(
                    "need connections, pipeline, requests >= 1 and size 2 to " + UpperLines.MAX_LINE);
        }
        StreamLoad load =
                new StreamLoad(server, lines, connections, pipeline, requests, size, timeoutSeconds * 1_000_000_000L);
        try {
            return load.drive();
        } finally {
            load.close();
        }
    }

    private long drive() throws IOException {
        long start = System.nanoTime();
        for (Connection c : connections) {
            send(c);
        }
        long lastProgress = System.nanoTime();
        while (answered < requests) {
            if (selector.select(1_000) == 0) {
                if (System.nanoTime() - lastProgress > timeoutNanos) {
                    throw new IOException("no reply for " + timeoutNanos / 1_000_000_000L + " s; " + answered + " of "
                            + requests + " requests answered");
                }
                continue;
            }
            lastProgress = System.nanoTime();
            for (SelectionKey key : selector.selectedKeys()) {
                Connection c = (Connection) key.attachment();
                if (key.isWritable()) {
                    c.channel.write(c.out);
                    if (!c.out.hasRemaining()) {
                        key.interestOps(SelectionKey.OP_READ);
                    }
                }
                if (key.isReadable()) {
                    receive(c);
                }
            }
            selector.selectedKeys().clear();
        }
        return System.nanoTime() - start;
    }

    /** Sends the connection's next batch, if any requests are left to send. */
    private void send(Connection c) throws IOException {
        int n = (int) Math.min(pipeline, requests - issued);
        c.batch = n;
        if (n == 0) {
            return;
        }
        issued += n;
        c.in.clear().limit(n * size);
        c.out = batch.duplicate().limit(n * size);
        c.channel.write(c.out);
        if (c.out.hasRemaining()) {
            c.key.interestOps(SelectionKey.OP_READ | SelectionKey.OP_WRITE);
        }
    }

    private void receive(Connection c) throws IOException {
        if (c.channel.read(c.in) < 0) {
            throw new EOFException("the server closed a connection; " + answered + " requests answered");
        }
        if (c.in.hasRemaining() || c.batch == 0) {
            return;
        }
        c.in.flip();
        int at = c.in.mismatch(expected.duplicate().limit(c.in.limit()));
        if (at >= 0) {
            throw new IOException("wrong reply at byte " + at + " of a batch of " + c.batch + ": got '"
                    + (char) c.in.get(at) + "', expected '" + (char) expected.get(at) + "'");
        }
        answered += c.batch;
        send(c);
    }

    private void close() {
        for (Connection c : connections) {
            try {
                c.channel.close();
            } catch (IOException e) {
                // closing anyway
            }
        }
        try {
            selector.close();
        } catch (IOException e) {
            // closing anyway
        }
    }

    /** One connection: its current batch's bytes to send and the reply bytes received so far. */
    private static final class Connection {
        final SocketChannel channel;
        final ByteBuffer in;
        ByteBuffer out;
        SelectionKey key;
        int batch;

        Connection(SocketChannel channel, ByteBuffer in) {
            this.channel = channel;
            this.in = in;
        }
    }

    /**
     * Runs a load: {@code --port N} (required), {@code --protocol echo|line} (required), {@code --host}
     * (127.0.0.1), {@code --connections} (50), {@code --pipeline} (16), {@code --requests} (1000000),
     * {@code --size} (32), {@code --timeout} seconds (30).
     */
    public static void main(String[] args) {
        String host = "127.0.0.1";
        int port = -1;
        String protocol = null;
        int connections = 50;
        int pipeline = 16;
        long requests = 1_000_000;
        int size = 32;
        int timeout = 30;
        try {
            for (int i = 0; i < args.length; i += 2) {
                if (i + 1 >= args.length) {
                    throw new IllegalArgumentException(args[i] + " needs a value");
                }
                String v = args[i + 1];
                switch (args[i]) {
                    case "--host" -> host = v;
                    case "--port" -> port = Integer.parseInt(v);
                    case "--protocol" -> protocol = v;
                    case "--connections" -> connections = Integer.parseInt(v);
                    case "--pipeline" -> pipeline = Integer.parseInt(v);
                    case "--requests" -> requests = Long.parseLong(v);
                    case "--size" -> size = Integer.parseInt(v);
                    case "--timeout" -> timeout = Integer.parseInt(v);
                    default -> throw new IllegalArgumentException("unknown argument: " + args[i]);
                }
            }
            if (port < 0 || !("echo".equals(protocol) || "line".equals(protocol))) {
                throw new IllegalArgumentException("--port and --protocol echo|line are required");
            }
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.err.println("usage: StreamLoad --port N --protocol echo|line [--host H] [--connections 50]"
                    + " [--pipeline 16] [--requests 1000000] [--size 32] [--timeout 30]");
            System.exit(2);
            return;
        }
        try {
            long nanos = run(
                    new InetSocketAddress(host, port),
                    "line".equals(protocol),
                    connections,
                    pipeline,
                    requests,
                    size,
                    timeout);
            double seconds = nanos / 1e9;
            System.out.printf(
                    Locale.ROOT, "requests=%d seconds=%.3f rps=%.0f%n", requests, seconds, requests / seconds);
        } catch (IOException | RuntimeException e) {
            System.err.println("StreamLoad: " + e);
            System.exit(1);
        }
    }
}
