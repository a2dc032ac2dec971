package dev.ioloop.net;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ioloop.IOLoop;
import dev.ioloop.LoopThread;
import dev.ioloop.TestTls;
import dev.ioloop.stream.IOStream;
import dev.ioloop.stream.SSLIOStream;
import dev.ioloop.stream.StreamClosedException;
import dev.ioloop.stream.StreamOptions;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLServerSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@link TCPClient#connect} with TLS: against a JDK {@link SSLServerSocket}, a TLS {@link TCPServer}, a mute peer. */
@Timeout(60)
class TCPClientTlsTests {

    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static final byte[] NEWLINE = {'\n'};

    private final TestTls tls = TestTls.get();
    private final List<AutoCloseable> resources = new ArrayList<>();
    private LoopThread running;
    private IOLoop loop;

    @BeforeEach
    void start() throws Exception {
        running = LoopThread.start();
        loop = running.loop;
    }

    @AfterEach
    void stop() throws Exception {
        running.close();
        for (AutoCloseable resource : resources) {
            resource.close();
        }
    }

    @Test
    void connectCompletesAfterTheHandshakeWithAJdkSslServerSocket() throws Exception {
        SSLServerSocket server =
                (SSLServerSocket) tls.server().getServerSocketFactory().createServerSocket(0, 50, Loopback.V4);
        resources.add(server);
        CompletableFuture<String> served = serveOneLine(server);

        IOStream stream =
                connect(server.getLocalPort(), tls.client(), "localhost").get(10, TimeUnit.SECONDS);
        assertThat(stream).isInstanceOf(SSLIOStream.class);
        SSLIOStream secure = (SSLIOStream) stream;
        assertThat(running.call(() -> secure.session().getProtocol()))
                .as("the session, negotiated when connect completes")
                .startsWith("TLSv1.");
        assertThat(running.call(() -> secure.session().getPeerPrincipal().getName()))
                .isEqualTo("CN=localhost");

        CompletableFuture<byte[]> reply = running.call(() -> {
            stream.write("ping\n".getBytes(StandardCharsets.US_ASCII));
            return stream.readUntil(NEWLINE);
        });
        assertThat(new String(reply.get(10, TimeUnit.SECONDS), StandardCharsets.US_ASCII))
                .isEqualTo("ping\n");
        // The JDK's SSLSocket closes by waiting for the peer's close_notify: close, which sends it.
        running.call(() -> {
            stream.close();
            return null;
        });
        assertThat(served.get(10, TimeUnit.SECONDS)).isEqualTo("ping");
    }

    @Test
    void aCertificateForAnotherNameFailsTheConnectWithTheHandshakeError() throws Exception {
        SSLServerSocket server =
                (SSLServerSocket) tls.server().getServerSocketFactory().createServerSocket(0, 50, Loopback.V4);
        resources.add(server);
        serveOneLine(server);

        Throwable failure = failure(connect(server.getLocalPort(), tls.client(), "wrong.example"));
        assertThat(failure).isInstanceOf(StreamClosedException.class).hasCauseInstanceOf(SSLHandshakeException.class);
        assertThat(failure.getCause()).hasMessageContaining("wrong.example");
    }

    @Test
    void connectsToATlsTcpServerOnTheSameLoop() throws Exception {
        TCPServer server = new TCPServer(loop, new Echo(), StreamOptions.defaults(), tls.server());
        running.call(() -> {
            server.listen(new InetSocketAddress(Loopback.V4, 0));
            return null;
        });
        int port = Loopback.port(server.boundAddresses().get(0));
        IOStream stream = connect(port, tls.client(), "localhost").get(10, TimeUnit.SECONDS);
        CompletableFuture<byte[]> reply = running.call(() -> {
            stream.write("over tls\n".getBytes(StandardCharsets.US_ASCII));
            return stream.readUntil(NEWLINE);
        });
        assertThat(new String(reply.get(10, TimeUnit.SECONDS), StandardCharsets.US_ASCII))
                .isEqualTo("over tls\n");
    }

    @Test
    void theTimeoutCoversAHandshakeThePeerNeverAnswers() throws Exception {
        ServerSocket mute = new ServerSocket(0, 50, Loopback.V4);
        resources.add(mute);
        CompletableFuture<Socket> accepted = CompletableFuture.supplyAsync(() -> {
            try {
                Socket s = mute.accept();
                resources.add(s);
                return s;
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });

        CompletableFuture<IOStream> connecting = running.call(() -> TCPClient.connect(
                loop, "127.0.0.1", mute.getLocalPort(), Duration.ofMillis(500), tls.client(), "localhost"));
        Throwable failure = failure(connecting);
        assertThat(failure).isInstanceOf(StreamClosedException.class).hasCauseInstanceOf(TimeoutException.class);

        Socket peer = accepted.get(10, TimeUnit.SECONDS);
        peer.setSoTimeout(10_000);
        peer.getInputStream().readAllBytes(); // the ClientHello, then the end: the client closed its attempt
    }

    private CompletableFuture<IOStream> connect(int port, javax.net.ssl.SSLContext context, String hostname)
            throws Exception {
        return running.call(() -> TCPClient.connect(loop, "127.0.0.1", port, TIMEOUT, context, hostname));
    }

    /** Accepts one TLS client on a thread of its own and echoes one line back; the value is the line. */
    private static CompletableFuture<String> serveOneLine(ServerSocket server) {
        return CompletableFuture.supplyAsync(() -> {
            try (Socket s = server.accept()) {
                s.setSoTimeout(10_000);
                InputStream in = s.getInputStream();
                OutputStream out = s.getOutputStream();
                StringBuilder line = new StringBuilder();
                for (int b; (b = in.read()) != '\n'; ) {
                    if (b < 0) {
                        return null;
                    }
                    line.append((char) b);
                }
                out.write((line + "\n").getBytes(StandardCharsets.US_ASCII));
                out.flush();
                return line.toString();
            } catch (IOException e) {
                return "failed: " + e;
            }
        });
    }

    private static Throwable failure(CompletableFuture<?> future) throws Exception {
        try {
            future.get(10, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            return e.getCause();
        }
        throw new AssertionError("expected the future to fail");
    }
}
