package dev.ioloop.bench;

import java.io.IOException;
import java.util.List;

/**
 * The servers of the stream benchmarks ({@link StreamBenchmark} in-process, {@code stream-bench.sh} one per JVM),
 * by target name. Each listens on one address, serves every connection on one event-loop thread (the
 * {@code raw-socket} baselines excepted), and speaks one of two protocols:
 *
 * <ul>
 *   <li>{@code echo-*}: every byte received is sent back. One request is whatever the client sends as a unit
 *       (the benchmarks send lines), its reply the same bytes.</li>
 *   <li>{@code line-*}: {@link UpperLines}: one request is a line ended by {@code '\n'}, its reply the line with
 *       {@code a-z} upper-cased.</li>
 * </ul>
 *
 * <p>Targets, and what serves them:
 *
 * <table>
 *   <caption>The targets</caption>
 *   <tr><th>target</th><th>server</th></tr>
 *   <tr><td>{@code echo-ioloop-fast}, {@code line-ioloop-fast}</td>
 *       <td>{@link IOLoopStreamServer}: an {@code IOStream} data handler, replies through {@code output()}</td></tr>
 *   <tr><td>{@code echo-ioloop-futures}, {@code line-ioloop-futures}</td>
 *       <td>{@link IOLoopStreamServer}: {@code readBytes(65536, true)} or {@code readUntil("\n")}, then
 *       {@code write}, chained on the futures</td></tr>
 *   <tr><td>{@code echo-netty-nio}, {@code echo-netty-epoll}</td>
 *       <td>{@link NettyStreamServer}: Netty's echo handler</td></tr>
 *   <tr><td>{@code line-netty-nio-codec}, {@code line-netty-epoll-codec}</td>
 *       <td>{@link NettyStreamServer}: {@code LineBasedFrameDecoder} and a reply handler</td></tr>
 *   <tr><td>{@code line-netty-nio-hand}, {@code line-netty-epoll-hand}</td>
 *       <td>{@link NettyStreamServer}: lines parsed by hand in {@code channelRead}</td></tr>
 *   <tr><td>{@code echo-raw-socket}, {@code line-raw-socket}</td>
 *       <td>{@link BlockingStreamServer}: a thread per connection, blocking I/O, no allocation per request</td></tr>
 * </table>
 *
 * <p>Every line server batches: all replies to the lines of one read leave in one write (one flush), except
 * {@code line-ioloop-futures}, where each line's reply is its own {@code write}.
 *
 * <pre>{@code
 * java -Xms512m -Xmx512m -XX:+UseSerialGC -cp ioloop-benchmarks/target/benchmarks.jar \
 *     dev.ioloop.bench.StreamServers line-ioloop-fast 7400
 * }</pre>
 */
public final class StreamServers {

    /** Every target, echo first, then line. */
    public static final List<String> TARGETS = List.of(
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
            "line-raw-socket");

    /** A running server. */
    public interface Server extends AutoCloseable {

        /** Returns the port it listens on. */
        int port();

        /** Stops listening, closes every connection and stops the server's threads, waiting for them. */
        @Override
        void close();
    }

    private StreamServers() {}

    /** Returns whether the target speaks the line protocol ({@code line-*}) rather than echo. */
    public static boolean isLineTarget(String target) {
        return target.startsWith("line-");
    }

    /**
     * Starts the server of a target.
     *
     * @param target one of {@link #TARGETS}
     * @param host the address to bind, for example {@code 127.0.0.1}
     * @param port the port, or 0 for any free one (see {@link Server#port()})
     * @return the running server
     * @throws IllegalArgumentException for an unknown target
     * @throws IOException if the listening socket cannot be opened or bound
     * @throws InterruptedException if interrupted while a Netty server binds
     */
    public static Server start(String target, String host, int port) throws IOException, InterruptedException {
        return switch (target) {
            case "echo-ioloop-fast" -> IOLoopStreamServer.start(IOLoopStreamServer.Mode.ECHO_FAST, host, port);
            case "echo-ioloop-futures" -> IOLoopStreamServer.start(IOLoopStreamServer.Mode.ECHO_FUTURES, host, port);
            case "line-ioloop-fast" -> IOLoopStreamServer.start(IOLoopStreamServer.Mode.LINE_FAST, host, port);
            case "line-ioloop-futures" -> IOLoopStreamServer.start(IOLoopStreamServer.Mode.LINE_FUTURES, host, port);
            case "echo-netty-nio" -> netty(NettyTransport.NIO, NettyStreamServer.Protocol.ECHO, host, port);
            case "echo-netty-epoll" -> netty(NettyTransport.EPOLL, NettyStreamServer.Protocol.ECHO, host, port);
            case "line-netty-nio-codec" -> netty(NettyTransport.NIO, NettyStreamServer.Protocol.LINE_CODEC, host, port);
            case "line-netty-epoll-codec" ->
                netty(NettyTransport.EPOLL, NettyStreamServer.Protocol.LINE_CODEC, host, port);
            case "line-netty-nio-hand" -> netty(NettyTransport.NIO, NettyStreamServer.Protocol.LINE_HAND, host, port);
            case "line-netty-epoll-hand" ->
                netty(NettyTransport.EPOLL, NettyStreamServer.Protocol.LINE_HAND, host, port);
            case "echo-raw-socket" -> BlockingStreamServer.start(false, host, port);
            case "line-raw-socket" -> BlockingStreamServer.start(true, host, port);
            default -> throw new IllegalArgumentException("unknown target '" + target + "'; known: " + TARGETS);
        };
    }

    private static Server netty(NettyTransport transport, NettyStreamServer.Protocol protocol, String host, int port)
            throws InterruptedException {
        return NettyStreamServer.start(transport, protocol, host, port);
    }

    /**
     * Runs one server until the process is stopped: {@code StreamServers TARGET PORT [HOST]} (host default
     * {@code 127.0.0.1}). Prints one line when it listens.
     */
    public static void main(String[] args) throws IOException, InterruptedException {
        if (args.length < 2 || args.length > 3) {
            System.err.println("usage: StreamServers TARGET PORT [HOST]; targets: " + String.join(" ", TARGETS));
            System.exit(2);
        }
        String host = args.length == 3 ? args[2] : "127.0.0.1";
        Server server;
        try {
            server = start(args[0], host, Integer.parseInt(args[1]));
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.exit(2);
            return;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(server::close, "stream-server-shutdown"));
        System.out.println("StreamServers " + args[0] + " listening on " + host + ":" + server.port());
        Thread.currentThread().join(); // until the process is stopped
    }
}
