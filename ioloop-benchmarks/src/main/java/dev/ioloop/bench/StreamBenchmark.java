package dev.ioloop.bench;

import java.io.EOFException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Stream echo and a line protocol over loopback TCP: one connection from a blocking client on the benchmark thread
 * (blocking NIO, direct buffers, {@code TCP_NODELAY}) to one of the {@link StreamServers} targets, which runs in
 * this JVM on its own event-loop thread. One operation is <b>one request and its reply</b>: a line of {@code size}
 * bytes ({@code size - 1} lower-case letters and {@code '\n'}) sent, and {@code size} bytes read back (the same
 * line from an {@code echo-*} server, upper-cased from a {@code line-*} one; the first byte of each batch is
 * checked).
 *
 * <ul>
 *   <li>{@link #roundTrip}: send one request, read its reply. Two thread wake-ups per operation, so the kernel
 *       dominates, as in {@link DispatchBenchmark}.</li>
 *   <li>{@link #pipelined}: send {@value #DEPTH} requests in one write, then read the {@value #DEPTH} replies;
 *       counted as {@value #DEPTH} operations, so the score and B/op are per request. Here the servers' own
 *       costs (parsing, buffers, futures, flushes) weigh more.</li>
 * </ul>
 *
 * <p><b>Allocation.</b> {@code -prof gc} reports {@code gc.alloc.rate.norm} over every thread of the JVM, and the
 * server runs in it, so the figure is the client's allocation plus the server's, per request. The client allocates
 * nothing per request, and neither does the {@code raw-socket} baseline server (blocking I/O into buffers made per
 * connection): the {@code echo-raw-socket} and {@code line-raw-socket} rows show what the client and the JVM
 * around it account for (close to 0), to subtract from the other rows. Their throughput is that of a
 * thread-per-connection server: no event loop, so not a rival.
 *
 * <p>Throughput on two cores moves a lot from run to run: compare targets within one run, or with
 * {@code jmh-rounds.sh}; for CPU per request use {@code stream-bench.sh}.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(
        value = 2,
        jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
@State(Scope.Thread)
public class StreamBenchmark {

    /** Requests per batch of {@link #pipelined}. */
    public static final int DEPTH = 16;

    @Param({
        "echo-ioloop-fast",
        "echo-ioloop-futures",
        "echo-netty-nio",
        "echo-netty-epoll",
        "echo-raw-socket",
        "line-ioloop-fast",
        "line-ioloop-futures",
        "line-netty-nio-codec",
        "line-netty-nio-hand",
        "line-netty-epoll-codec",
        "line-netty-epoll-hand",
        "line-raw-socket"
    })
    public String target;

    /** Bytes per request, {@code '\n'} included. */
    @Param({"32"})
    public int size;

    private StreamServers.Server server;
    private SocketChannel client;
    private ByteBuffer requests;
    private ByteBuffer replies;
    private byte expected;

    @Setup(Level.Trial)
    public void open() throws IOException, InterruptedException {
        if (size < 2 || size > UpperLines.MAX_LINE) {
            throw new IllegalArgumentException("size must be 2 to " + UpperLines.MAX_LINE + ": " + size);
        }
        server = StreamServers.start(target, "127.0.0.1", 0);
        client = SocketChannel.open(new InetSocketAddress("127.0.0.1", server.port()));
        client.setOption(StandardSocketOptions.TCP_NODELAY, true);
        requests = ByteBuffer.allocateDirect(DEPTH * size);
        requests.put(StreamLoad.requestBatch(DEPTH, size));
        replies = ByteBuffer.allocateDirect(DEPTH * size);
        expected = StreamServers.isLineTarget(target) ? (byte) 'A' : (byte) 'a';
    }

    @TearDown(Level.Trial)
    public void close() throws IOException {
        if (client != null) {
            client.close();
        }
        if (server != null) {
            server.close();
        }
    }

    @Benchmark
    public byte roundTrip() throws IOException {
        return exchange(size);
    }

    @Benchmark
    @OperationsPerInvocation(DEPTH)
    public byte pipelined() throws IOException {
        return exchange(DEPTH * size);
    }

    private byte exchange(int bytes) throws IOException {
        ByteBuffer out = requests.clear().limit(bytes);
        while (out.hasRemaining()) {
            client.write(out);
        }
        ByteBuffer in = replies.clear().limit(bytes);
        while (in.hasRemaining()) {
            if (client.read(in) < 0) {
                throw new EOFException(target + " closed the connection");
            }
        }
        byte first = in.get(0);
        if (first != expected) {
            throw new IllegalStateException(
                    target + " replied '" + (char) first + "', expected '" + (char) expected + "'");
        }
        return first;
    }
}
