package dev.ioloop.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.ioloop.IOLoop;
import dev.ioloop.LoopThread;
import dev.ioloop.TestLoops;
import dev.ioloop.stream.SSLIOStream;
import dev.ioloop.stream.StreamClosedException;
import dev.ioloop.stream.StreamOptions;
import dev.ioloop.testsupport.SelfSignedCertificate;
import java.io.BufferedReader;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Mutual TLS: a {@link TCPServer} with {@link ClientAuth#NEED} or {@link ClientAuth#WANT} served to JDK
 * {@link SSLSocket} clients with a trusted certificate, with none, and with one it does not trust. The handler says
 * who the client is (the subject of its certificate, or "unverified") and then echoes lines. Certificates are made at
 * test time: the server's for {@code localhost}, and two for {@code CN=client} with different keys, one of which the
 * server trusts.
 */
@Timeout(60)
class TCPServerClientAuthTests {

    @TempDir
    static Path dir;

    private static SSLContext server;
    private static SSLContext trustedClient;
    private static SSLContext anonymousClient;
    private static SSLContext untrustedClient;

    private final List<Map.Entry<Object, Exception>> errors = new CopyOnWriteArrayList<>();
    private final List<CompletableFuture<SSLIOStream>> handshakes = new CopyOnWriteArrayList<>();
    private final List<Socket> clients = new ArrayList<>();
    private LoopThread running;
    private IOLoop loop;

    @BeforeAll
    static void certificates() throws Exception {
        SelfSignedCertificate serverCertificate = SelfSignedCertificate.generate(dir);
        SelfSignedCertificate clientCertificate = SelfSignedCertificate.generate(dir, "client");
        SelfSignedCertificate impostor = SelfSignedCertificate.generate(dir, "client"); // same name, another key
        server = serverCertificate.mutualContext(clientCertificate);
        trustedClient = clientCertificate.mutualContext(serverCertificate);
        anonymousClient = serverCertificate.clientContext();
        untrustedClient = impostor.mutualContext(serverCertificate);
    }

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
    void aNeedServerServesAClientWithATrustedCertificateAndTheHandlerSeesItsSubject() throws Exception {
        TCPServer tcp = listening(ClientAuth.NEED);
        try (SSLSocket client = sslClient(tcp, trustedClient)) {
            assertThat(reader(client).readLine()).isEqualTo("CN=client");
            assertThat(exchange(client, "hello")).isEqualTo("hello");
        }
        assertThat(errors).isEmpty();
    }

    @Test
    void aNeedServerRefusesAClientWithoutACertificateAndServesTheOthers() throws Exception {
        TCPServer tcp = listening(ClientAuth.NEED);
        try (SSLSocket good = sslClient(tcp, trustedClient)) {
            assertThat(reader(good).readLine()).isEqualTo("CN=client");

            try (SSLSocket anonymous = sslClient(tcp, anonymousClient)) {
                assertRefused(anonymous);
            }

            assertThat(exchange(good, "still served")).isEqualTo("still served");
        }
        assertThat(handshakes).hasSize(2);
        assertThat(failure(handshakes.get(1)))
                .isInstanceOf(StreamClosedException.class)
                .hasCauseInstanceOf(SSLHandshakeException.class);
        await().atMost(Duration.ofSeconds(10)).until(() -> tcp.counters().open() == 0);
        assertThat(tcp.counters().bytesRead())
                .as("only the good client's line was read")
                .isEqualTo("still served\n".length());
        assertThat(errors).as("a refused client is not a handler error").isEmpty();
    }

    @Test
    void aNeedServerRefusesAClientWithAnUntrustedCertificate() throws Exception {
        TCPServer tcp = listening(ClientAuth.NEED);
        try (SSLSocket untrusted = sslClient(tcp, untrustedClient)) {
            assertRefused(untrusted);
        }
        try (SSLSocket good = sslClient(tcp, trustedClient)) {
            assertThat(reader(good).readLine()).isEqualTo("CN=client");
        }
        assertThat(failure(handshakes.get(0)))
                .isInstanceOf(StreamClosedException.class)
                .hasCauseInstanceOf(SSLHandshakeException.class)
                .rootCause()
                .as("the certificate was sent, and its check failed")
                .isInstanceOf(GeneralSecurityException.class);
        assertThat(errors).isEmpty();
    }

    @Test
    void aWantServerServesAClientWithoutACertificateAsUnverified() throws Exception {
        TCPServer tcp = listening(ClientAuth.WANT);
        try (SSLSocket anonymous = sslClient(tcp, anonymousClient)) {
            assertThat(reader(anonymous).readLine()).isEqualTo("unverified");
            assertThat(exchange(anonymous, "hello")).isEqualTo("hello");
        }
        try (SSLSocket known = sslClient(tcp, trustedClient)) {
            assertThat(reader(known).readLine()).isEqualTo("CN=client");
        }
        try (SSLSocket untrusted = sslClient(tcp, untrustedClient)) {
            assertRefused(untrusted);
        }
        assertThat(errors).isEmpty();
    }

    @Test
    void aServerWithoutClientAuthDoesNotAskForACertificate() throws Exception {
        TCPServer tcp = listening(ClientAuth.NONE);
        try (SSLSocket client = sslClient(tcp, trustedClient)) {
            assertThat(reader(client).readLine()).isEqualTo("unverified");
            assertThat(client.getSession().getLocalCertificates()).isNull();
        }
    }

    @Test
    void clientAuthWithoutAnSslContextIsRefusedAtTheCall() {
        assertThatThrownBy(() -> new TCPServer(loop, new Echo(), StreamOptions.defaults(), null, ClientAuth.NEED))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("clientAuth NEED needs TLS, but the SSLContext is null");
        assertThatThrownBy(() -> new TCPServer(loop, new Echo(), StreamOptions.defaults(), server, null))
                .isInstanceOf(NullPointerException.class)
                .hasMessage("clientAuth");
        assertThat(new TCPServer(loop, new Echo(), StreamOptions.defaults(), null, ClientAuth.NONE).toString())
                .isEqualTo("TCPServer[]");
    }

    /**
     * Starts a TLS server on 127.0.0.1 whose handler, once the handshake is done, writes the subject of the client's
     * certificate (or "unverified") as a line and then echoes lines; it records each stream's handshake.
     */
    private TCPServer listening(ClientAuth clientAuth) throws Exception {
        StreamHandler whoIsIt = (stream, remote) -> {
            CompletableFuture<SSLIOStream> handshake = new CompletableFuture<>();
            handshakes.add(handshake);
            ((SSLIOStream) stream).waitForHandshake().whenComplete((tls, e) -> {
                if (e != null) {
                    handshake.completeExceptionally(e);
                    return;
                }
                handshake.complete(tls);
                tls.write((peer(tls) + "\n").getBytes(StandardCharsets.US_ASCII));
                Echo.echo(tls);
            });
        };
        TCPServer tcp = new TCPServer(loop, whoIsIt, StreamOptions.defaults(), server, clientAuth);
        running.call(() -> {
            tcp.listen(new InetSocketAddress(Loopback.V4, 0));
            return null;
        });
        return tcp;
    }

    /** The subject of the client's certificate, read as the class Javadoc of {@link TCPServer} says. */
    private static String peer(SSLIOStream stream) {
        try {
            X509Certificate certificate = (X509Certificate) stream.session().getPeerCertificates()[0];
            return certificate.getSubjectX500Principal().getName();
        } catch (SSLPeerUnverifiedException e) {
            return "unverified";
        }
    }

    /** A JDK TLS client to 127.0.0.1 that checks the server's certificate against {@code localhost}. */
    private SSLSocket sslClient(TCPServer tcp, SSLContext context) throws IOException {
        int port = Loopback.port(tcp.boundAddresses().get(0));
        Socket plain = new Socket(Loopback.V4, port);
        plain.setSoTimeout(10_000);
        clients.add(plain);
        SSLSocket s = (SSLSocket) context.getSocketFactory().createSocket(plain, "localhost", port, true);
        SSLParameters parameters = s.getSSLParameters();
        parameters.setEndpointIdentificationAlgorithm("HTTPS");
        s.setSSLParameters(parameters);
        return s;
    }

    /**
     * Asserts that the server refuses the client: its handshake fails or, with TLS 1.3 (where the client finishes
     * before the server has checked its certificate), its first read gets the server's alert or the end of input.
     */
    private static void assertRefused(SSLSocket client) {
        assertThatThrownBy(() -> {
                    client.startHandshake();
                    OutputStream out = client.getOutputStream();
                    out.write("let me in\n".getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                    if (client.getInputStream().read() == -1) {
                        throw new EOFException("closed by the server");
                    }
                })
                .isInstanceOf(IOException.class);
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

    private static Throwable failure(CompletableFuture<?> future) {
        return future.handle((v, e) -> e).join();
    }
}
