package dev.ioloop.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.netty.channel.epoll.Epoll;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.openjdk.jmh.annotations.Param;

/**
 * Every {@link StreamServers} target over real loopback sockets: echo servers return the bytes sent, line servers
 * each line upper-cased, however the bytes are split into writes; and {@link StreamLoad} checks the replies.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class StreamServersTests {

    private final List<AutoCloseable> open = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) {
            open.get(i).close();
        }
    }

    static Stream<String> echoTargets() {
        return StreamServers.TARGETS.stream().filter(t -> !StreamServers.isLineTarget(t));
    }

    static Stream<String> lineTargets() {
        return StreamServers.TARGETS.stream().filter(StreamServers::isLineTarget);
    }

    static Stream<String> allTargets() {
        return StreamServers.TARGETS.stream();
    }

    @ParameterizedTest
    @MethodSource("echoTargets")
    void echoReturnsEveryByteOnEachConnection(String target) throws Exception {
        StreamServers.Server server = start(target);
        Socket a = connect(server);
        Socket b = connect(server);
        byte[] all = new byte[256];
        for (int i = 0; i < all.length; i++) {
            all[i] = (byte) i;
        }
        send(a, all);
        send(b, "first".getBytes(StandardCharsets.US_ASCII));
        assertThat(read(a, all.length)).isEqualTo(all);
        send(b, " second".getBytes(StandardCharsets.US_ASCII));
        assertThat(ascii(read(b, 12))).isEqualTo("first second");

        byte[] big = StreamLoad.requestBatch(4096, 100); // 400 KiB: many reads and writes on both sides
        Thread writer = new Thread(() -> sendQuietly(a, big));
        writer.start();
        assertThat(read(a, big.length)).isEqualTo(big);
        writer.join();
    }

    @ParameterizedTest
    @MethodSource("lineTargets")
    void lineServerUpperCasesEachLine(String target) throws Exception {
        StreamServers.Server server = start(target);
        Socket a = connect(server);
        Socket b = connect(server);
        send(a, "hello, world 1\nMixed Case\n");
        assertThat(ascii(read(a, 26))).isEqualTo("HELLO, WORLD 1\nMIXED CASE\n");

        // A line split across writes, and a connection's partial line never mixed with another's.
        send(a, "spl");
        send(b, "other\n");
        assertThat(ascii(read(b, 6))).isEqualTo("OTHER\n");
        send(a, "it li");
        send(a, "ne\nand a partial");
        assertThat(ascii(read(a, 11))).isEqualTo("SPLIT LINE\n");
        send(a, " one\n\n");
        assertThat(ascii(read(a, 19))).isEqualTo("AND A PARTIAL ONE\n\n");
    }

    @ParameterizedTest
    @MethodSource("lineTargets")
    void lineServerAnswersPipelinedAndLongLines(String target) throws Exception {
        StreamServers.Server server = start(target);
        Socket a = connect(server);
        byte[] lines = StreamLoad.requestBatch(2000, 33);
        byte[] longLine = StreamLoad.requestBatch(1, UpperLines.MAX_LINE);
        byte[] sent = new byte[lines.length + longLine.length];
        System.arraycopy(lines, 0, sent, 0, lines.length);
        System.arraycopy(longLine, 0, sent, lines.length, longLine.length);
        Thread writer = new Thread(() -> sendQuietly(a, sent));
        writer.start();
        byte[] expected = sent.clone();
        UpperLines.upperCase(expected, 0, expected.length);
        assertThat(read(a, expected.length)).isEqualTo(expected);
        writer.join();
    }

    @ParameterizedTest
    @MethodSource("lineTargets")
    void lineServerClosesAConnectionWhoseLineIsTooLong(String target) throws Exception {
        StreamServers.Server server = start(target);
        Socket a = connect(server);
        byte[] tooLong = StreamLoad.requestBatch(1, UpperLines.MAX_LINE + 1000);
        Thread writer = new Thread(() -> sendQuietly(a, tooLong));
        writer.start();
        assertClosedByServer(a);
        writer.join();
        // The server goes on serving others.
        Socket b = connect(server);
        send(b, "still here\n");
        assertThat(ascii(read(b, 11))).isEqualTo("STILL HERE\n");
    }

    @ParameterizedTest
    @MethodSource("allTargets")
    void closeEndsConnectionsAndFreesThePort(String target) throws Exception {
        StreamServers.Server server = start(target);
        Socket a = connect(server);
        send(a, "ping\n");
        assertThat(read(a, 5)).hasSize(5);
        int port = server.port();

        server.close();

        assertClosedByServer(a);
        assertThatThrownBy(() -> new Socket("127.0.0.1", port).close()).isInstanceOf(IOException.class);
    }

    @Test
    void benchmarkCoversEveryTarget() throws NoSuchFieldException {
        Param param = StreamBenchmark.class.getField("target").getAnnotation(Param.class);
        assertThat(param.value()).containsExactlyElementsOf(StreamServers.TARGETS);
    }

    @Test
    void loadGeneratorChecksEveryReply() throws Exception {
        StreamServers.Server line = start("line-ioloop-fast");
        StreamServers.Server echo = start("echo-ioloop-futures");
        InetSocketAddress lineAddress = new InetSocketAddress("127.0.0.1", line.port());
        InetSocketAddress echoAddress = new InetSocketAddress("127.0.0.1", echo.port());

        assertThat(StreamLoad.run(lineAddress, true, 4, 16, 10_003, 32, 10)).isPositive();
        assertThat(StreamLoad.run(echoAddress, false, 3, 1, 1_000, 7, 10)).isPositive();

        assertThatThrownBy(() -> StreamLoad.run(echoAddress, true, 1, 1, 10, 32, 10))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("wrong reply at byte 0");
    }

    private StreamServers.Server start(String target) throws Exception {
        if (target.contains("epoll")) {
            assumeTrue(Epoll.isAvailable(), "native epoll is not available here");
        }
        StreamServers.Server server = StreamServers.start(target, "127.0.0.1", 0);
        open.add(server);
        return server;
    }

    private Socket connect(StreamServers.Server server) throws IOException {
        Socket socket = new Socket();
        open.add(socket);
        socket.connect(new InetSocketAddress("127.0.0.1", server.port()), 5_000);
        socket.setSoTimeout(10_000);
        socket.setTcpNoDelay(true);
        return socket;
    }

    /** Reads until the server's end of stream (or reset), failing if it sends anything first. */
    private static void assertClosedByServer(Socket socket) throws IOException {
        try {
            assertThat(socket.getInputStream().read()).isEqualTo(-1);
        } catch (SocketException e) {
            assertThat(e).hasMessageContaining("reset"); // it closed with our bytes unread
        }
    }

    private static void send(Socket socket, String text) throws IOException {
        send(socket, text.getBytes(StandardCharsets.US_ASCII));
    }

    private static void send(Socket socket, byte[] bytes) throws IOException {
        OutputStream out = socket.getOutputStream();
        out.write(bytes);
        out.flush();
    }

    private static void sendQuietly(Socket socket, byte[] bytes) {
        try {
            send(socket, bytes);
        } catch (IOException e) {
            // the server closed the connection: the reading side checks for that
        }
    }

    private static byte[] read(Socket socket, int n) throws IOException {
        InputStream in = socket.getInputStream();
        byte[] b = in.readNBytes(n);
        assertThat(b).as("bytes before the end of stream").hasSize(n);
        return b;
    }

    private static String ascii(byte[] b) {
        return new String(b, StandardCharsets.US_ASCII);
    }
}
