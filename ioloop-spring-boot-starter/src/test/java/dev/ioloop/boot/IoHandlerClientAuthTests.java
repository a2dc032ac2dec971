package dev.ioloop.boot;

import static dev.ioloop.boot.TlsTestSupport.assertStartupFailure;
import static dev.ioloop.boot.TlsTestSupport.connect;
import static dev.ioloop.boot.TlsTestSupport.exchange;
import static dev.ioloop.boot.TlsTestSupport.readLine;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import dev.ioloop.boot.autoconfigure.IOLoopAutoConfiguration;
import dev.ioloop.net.ClientAuth;
import dev.ioloop.net.StreamHandler;
import dev.ioloop.stream.IOStream;
import dev.ioloop.stream.SSLIOStream;
import dev.ioloop.testsupport.RootLogCapture;
import dev.ioloop.testsupport.SelfSignedCertificate;
import java.io.EOFException;
import java.io.IOException;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.ssl.SslAutoConfiguration;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * {@code @IoHandler(sslBundle = ..., clientAuth = NEED)}: mutual TLS with a PEM bundle whose truststore holds the
 * client's certificate (all made at test time), real JDK TLS clients with and without it, a truststore Boot reloads,
 * and the mistakes that fail startup.
 */
@Timeout(60)
class IoHandlerClientAuthTests {

    @TempDir
    static Path dir;

    private static PemCertificate server;
    private static SelfSignedCertificate client;
    private static Path clientCertificate;

    private final RootLogCapture log = new RootLogCapture();

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(IOLoopAutoConfiguration.class, SslAutoConfiguration.class));

    @BeforeAll
    static void certificates() throws Exception {
        server = PemCertificate.generate(dir);
        client = SelfSignedCertificate.generate(dir, "client");
        clientCertificate = Files.writeString(dir.resolve("client.crt"), client.certificatePem());
    }

    @AfterEach
    void release() {
        log.stop();
    }

    @Test
    void aClientWithATrustedCertificateIsServedAndTheHandlerSeesWhoItIs() {
        runner.withUserConfiguration(MutualUpper.class)
                .withPropertyValues(server.bundleProperties("server"))
                .withPropertyValues("spring.ssl.bundle.pem.server.truststore.certificate=file:" + clientCertificate)
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    try (SSLSocket socket = connect(client.mutualContext(server.keys()), port(context))) {
                        assertThat(readLine(socket)).isEqualTo("hello CN=client");
                        assertThat(exchange(socket, "mutual")).isEqualTo("MUTUAL");
                    }
                    assertThat(context.getBean(IoHandlerRegistrar.class).registrations())
                            .singleElement()
                            .extracting(IoHandlerRegistration::tls)
                            .isEqualTo(new IoHandlerRegistration.Tls("server", "SunJSSE", ClientAuth.NEED));
                });
    }

    @Test
    void aClientWithoutACertificateIsRefusedQuietlyAndTheOthersAreServed() {
        runner.withUserConfiguration(MutualUpper.class)
                .withPropertyValues(server.bundleProperties("server"))
                .withPropertyValues("spring.ssl.bundle.pem.server.truststore.certificate=file:" + clientCertificate)
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    log.start();
                    int port = port(context);
                    try (SSLSocket good = connect(client.mutualContext(server.keys()), port)) {
                        assertThat(readLine(good)).isEqualTo("hello CN=client");
                        try (SSLSocket anonymous = connect(server.client(), port)) {
                            assertRefused(anonymous);
                        }
                        List<IOStream> streams = context.getBean(MutualUpper.class).streams;
                        await().atMost(Duration.ofSeconds(10))
                                .until(() -> streams.get(1).isClosed());
                        assertThat(exchange(good, "still here")).isEqualTo("STILL HERE");
                    }
                    assertThat(log.events())
                            .filteredOn(e -> e.getLevel().isGreaterOrEqual(Level.INFO))
                            .as("nothing above DEBUG for a refused client")
                            .isEmpty();
                });
    }

    @Test
    void aReloadedTruststoreDecidesWhichClientsAreServedFromThenOn() throws Exception {
        SelfSignedCertificate successor = SelfSignedCertificate.generate(dir, "successor");
        Path trusted = Files.writeString(dir.resolve("trusted.crt"), client.certificatePem());
        SSLContext first = client.mutualContext(server.keys());
        SSLContext second = successor.mutualContext(server.keys());
        runner.withUserConfiguration(MutualUpper.class)
                .withPropertyValues(server.bundleProperties("server"))
                .withPropertyValues(
                        "spring.ssl.bundle.pem.server.truststore.certificate=file:" + trusted,
                        "spring.ssl.bundle.pem.server.reload-on-update=true",
                        "spring.ssl.bundle.watch.file.quiet-period=200ms")
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    int port = port(context);
                    try (SSLSocket before = connect(first, port)) {
                        assertThat(readLine(before)).isEqualTo("hello CN=client");

                        Path next = Files.writeString(dir.resolve("trusted.crt.next"), successor.certificatePem());
                        Files.move(next, trusted, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);

                        await().atMost(Duration.ofSeconds(30))
                                .pollInterval(Duration.ofMillis(100))
                                .ignoreExceptions()
                                .untilAsserted(() -> {
                                    try (SSLSocket after = connect(second, port)) {
                                        assertThat(readLine(after)).isEqualTo("hello CN=successor");
                                    }
                                });
                        try (SSLSocket dropped = connect(first, port)) {
                            assertRefused(dropped);
                        }
                        assertThat(exchange(before, "open ones stay")).isEqualTo("OPEN ONES STAY");
                    }
                });
    }

    @Test
    void clientAuthWithoutAnSslBundleFailsStartupSayingWhatToSet() {
        runner.withUserConfiguration(PlainMutual.class).run(context -> {
            FailureAnalysis analysis =
                    assertStartupFailure(context, "plainMutual", "clientAuth NEED is set, but sslBundle is not");
            assertThat(analysis.getAction())
                    .contains("Set the sslBundle")
                    .contains("spring.ssl.bundle.pem.<bundle>.truststore.certificate")
                    .contains("remove its clientAuth");
        });
    }

    @Test
    void clientAuthWithABundleWithoutATruststoreFailsStartup() {
        runner.withUserConfiguration(MutualUpper.class)
                .withPropertyValues(server.bundleProperties("server"))
                .run(context -> {
                    FailureAnalysis analysis = assertStartupFailure(
                            context, "mutual", "clientAuth NEED is set, but SSL bundle 'server' has no truststore");
                    assertThat(analysis.getAction())
                            .contains("spring.ssl.bundle.pem.server.truststore.certificate")
                            .contains("spring.ssl.bundle.jks.server.truststore.location");
                });
    }

    private static int port(AssertableApplicationContext context) {
        return context.getEnvironment().getRequiredProperty("local.ioloop.mutual.port", Integer.class);
    }

    /**
     * Asserts that the server refuses the client: its handshake fails or, with TLS 1.3 (where the client finishes
     * before the server has checked its certificate), its first read gets the server's alert or the end of input.
     */
    private static void assertRefused(SSLSocket socket) {
        assertThatThrownBy(() -> {
                    socket.startHandshake();
                    socket.getOutputStream().write("let me in\n".getBytes(StandardCharsets.US_ASCII));
                    socket.getOutputStream().flush();
                    if (socket.getInputStream().read() == -1) {
                        throw new EOFException("closed by the server");
                    }
                })
                .isInstanceOf(IOException.class);
    }

    /** Greets each client by the subject of its certificate, then upper-cases its lines. */
    @IoHandler(value = "mutual", listen = "tcp://127.0.0.1:0", sslBundle = "server", clientAuth = ClientAuth.NEED)
    static class MutualUpper implements StreamHandler {

        final List<IOStream> streams = new CopyOnWriteArrayList<>();

        @Override
        public void handleStream(IOStream stream, SocketAddress remote) {
            streams.add(stream);
            ((SSLIOStream) stream).waitForHandshake().whenComplete((tls, e) -> {
                if (e == null) {
                    tls.write(("hello " + subject(tls) + "\n").getBytes(StandardCharsets.US_ASCII));
                    upper(tls);
                }
            });
        }

        private static String subject(SSLIOStream tls) {
            try {
                return ((X509Certificate) tls.session().getPeerCertificates()[0])
                        .getSubjectX500Principal()
                        .getName();
            } catch (SSLPeerUnverifiedException e) {
                return "stranger";
            }
        }

        private static void upper(IOStream stream) {
            stream.readUntil(new byte[] {'\n'})
                    .thenCompose(line -> stream.write(new String(line, StandardCharsets.US_ASCII)
                            .toUpperCase(Locale.ROOT)
                            .getBytes(StandardCharsets.US_ASCII)))
                    .whenComplete((v, e) -> {
                        if (e == null) {
                            upper(stream);
                        } else {
                            stream.close();
                        }
                    });
        }
    }

    @IoHandler(value = "plainMutual", listen = "tcp://127.0.0.1:0", clientAuth = ClientAuth.NEED)
    static class PlainMutual implements StreamHandler {
        @Override
        public void handleStream(IOStream stream, SocketAddress remote) {}
    }
}
