package dev.ioloop.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.ioloop.IOLoop;
import dev.ioloop.LoopThread;
import dev.ioloop.TestLoops;
import dev.ioloop.TestTls;
import dev.ioloop.stream.SSLIOStream;
import dev.ioloop.stream.StreamClosedException;
import dev.ioloop.stream.StreamOptions;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A TLS {@link TCPServer} served to JDK {@link SSLSocket} clients, and to clients that fail the handshake: only their
 * connection closes, quietly (the loop's error handler hears nothing), and the others are served. Clients that never
 * start the handshake, by the thousand, are in {@link TCPServerTlsSilentClientsTests}.
 */
@Timeout(60)
class TCPServerTlsTests {

    private final List<Map.Entry<Object, Exception>> errors = new CopyOnWriteArrayList<>();
    private final List<CompletableFuture<SSLIOStream>> handshakes = new CopyOnWriteArrayList<>();
    private final List<Socket> clients = new ArrayList<>();
    private final TestTls tls = TestTls.get();
    private LoopThread running;
    private IOLoop loop;

    @BeforeEach
    void start() throws Exception {
        running = LoopThread.start(TestLoops.unwatched()
                .errorHandler((source, error) -> errors.add(Map.entry(source, error)))
                .build());
        loop = running.loop;
    }

    @AfterEach
    void stop() throws Exception {
        running.close();
        for (Socket client : clients) {
            client.close();
        }
    }

    @Test
    void echoServerServesAnSslSocketClientAndCountsPlaintext() throws Exception {
        TCPServer server = listening(StreamOptions.defaults(), new Echo());
        try (SSLSocket client = sslClient(server, tls.client(), "localhost")) {
            assertThat(exchange(client, "hello")).isEqualTo("hello");
            assertThat(exchange(client, "world")).isEqualTo("world");
            assertThat(client.getSession().getPeerHost()).isEqualTo("localhost");
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> server.counters().open() == 0);
        assertThat(server.counters().bytesRead()).isEqualTo(12);
        assertThat(server.counters().bytesWritten()).isEqualTo(12);
        assertThat(errors).isEmpty();
    }

    @Test
    void theHandlerGetsTheStreamDuringTheHandshakeAndWhatItWritesIsSentAfterIt() throws Exception {
        CompletableFuture<Boolean> doneWhenHandled = new CompletableFuture<>();
        TCPServer server = listening(StreamOptions.defaults(), (stream, remote) -> {
            SSLIOStream secure = (SSLIOStream) stream;
            doneWhenHandled.complete(secure.waitForHandshake().isDone());
            stream.write("welcome\n".getBytes(StandardCharsets.US_ASCII));
            Echo.echo(stream);
        });
        try (SSLSocket client = sslClient(server, tls.client(), "localhost")) {
            BufferedReader in = reader(client);
            assertThat(in.readLine()).isEqualTo("welcome");
            assertThat(doneWhenHandled.get())
                    .as("handshake done when the handler ran")
                    .isFalse();
            assertThat(exchange(client, "after")).isEqualTo("after");
        }
    }

    @Test
    void aDataHandlerSetWhileTheHandshakeRunsServesTheFastPath() throws Exception {
        TCPServer server = listening(
                StreamOptions.defaults(),
                (stream, remote) -> stream.setDataHandler((s, in) -> {
                    while (in.hasRemaining()) {
                        s.output().put((byte) Character.toUpperCase(in.get()));
                    }
                }));
        try (SSLSocket client = sslClient(server, tls.client(), "localhost")) {
            assertThat(exchange(client, "shout")).isEqualTo("SHOUT");
        }
        assertThat(errors).isEmpty();
    }

    @Test
    void clientsThatFailTheHandshakeCloseOnlyTheirConnectionQuietly() throws Exception {
        TCPServer server = listening(StreamOptions.defaults(), new Echo());

        try (Socket plaintext = plainClient(server)) {
            plaintext.getOutputStream().write("GET / HTTP/1.0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            drain(plaintext); // an alert, then the end: the server closed it
        }
        try (Socket noise = plainClient(server)) {
            byte[] random = new byte[4096];
            new Random(42).nextBytes(random);
            noise.getOutputStream().write(random);
            drain(noise);
        }
        try (SSLSocket wrongName = sslClient(server, tls.client(), "wrong.example")) {
            assertThatThrownBy(wrongName::startHandshake).isInstanceOf(SSLHandshakeException.class);
        }
        try (SSLSocket distrustful = sslClient(server, SSLContext.getDefault(), "localhost")) {
            assertThatThrownBy(distrustful::startHandshake).isInstanceOf(SSLHandshakeException.class);
        }
        try (Socket gone = plainClient(server)) {
            gone.shutdownOutput(); // connects, and leaves before saying anything
            drain(gone);
        }
        try (SSLSocket good = sslClient(server, tls.client(), "localhost")) {
            assertThat(exchange(good, "still served")).isEqualTo("still served");
        }

        assertThat(handshakes).hasSize(6);
        for (CompletableFuture<SSLIOStream> bad : handshakes.subList(0, 5)) {
            Throwable failure = failure(bad);
            assertThat(failure).isInstanceOf(StreamClosedException.class).hasCauseInstanceOf(SSLException.class);
        }
        assertThat(handshakes.get(5)).isCompleted();
        await().atMost(Duration.ofSeconds(10)).until(() -> server.counters().open() == 0);
        assertThat(errors).as("bad peers are not handler errors").isEmpty();
    }

    /** Starts a TLS server on 127.0.0.1 whose handler records each stream's handshake, then runs {@code then}. */
    private TCPServer listening(StreamOptions options, StreamHandler then) throws Exception {
        StreamHandler recording = (stream, remote) -> {
            CompletableFuture<SSLIOStream> handshake = new CompletableFuture<>();
            handshakes.add(handshake);
            ((SSLIOStream) stream).waitForHandshake().whenComplete((s, e) -> {
                if (e == null) {
                    handshake.complete(s);
                } else {
                    handshake.completeExceptionally(e);
                }
            });
            then.handleStream(stream, remote);
        };
        TCPServer server = new TCPServer(loop, recording, options, tls.server());
        running.call(() -> {
            server.listen(new InetSocketAddress(Loopback.V4, 0));
            return null;
        });
        return server;
    }

    private Socket plainClient(TCPServer server) throws IOException {
        Socket s = new Socket(Loopback.V4, Loopback.port(server.boundAddresses().get(0)));
        s.setSoTimeout(10_000);
        clients.add(s);
        return s;
    }

    /** A JDK TLS client to 127.0.0.1 that checks the certificate against {@code hostname}. */
    private SSLSocket sslClient(TCPServer server, SSLContext context, String hostname) throws IOException {
        Socket plain = plainClient(server);
        SSLSocket s = (SSLSocket) context.getSocketFactory()
                .createSocket(
                        plain, hostname, Loopback.port(server.boundAddresses().get(0)), true);
        SSLParameters parameters = s.getSSLParameters();
        parameters.setEndpointIdentificationAlgorithm("HTTPS");
        s.setSSLParameters(parameters);
        return s;
    }

    private static String exchange(Socket client, String line) throws IOException {
        OutputStream out = client.getOutputStream();
        out.write((line + "\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
        return reader(client).readLine();
    }

    private static BufferedReader reader(Socket client) throws IOException {
        return new BufferedReader(new InputStreamReader(client.getInputStream(), StandardCharsets.US_ASCII), 1);
    }

    /** Reads until the server's end; a reset counts as one (closing over unread bytes sends it). */
    private static void drain(Socket s) throws IOException {
        try {
            s.getInputStream().readAllBytes();
        } catch (java.net.SocketException reset) {
            assertThat(reset).hasMessageContaining("reset");
        }
    }

    private static Throwable failure(CompletableFuture<?> future) {
        return future.handle((v, e) -> e).join();
    }
}
