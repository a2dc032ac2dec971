package dev.ioloop.boot;

import static dev.ioloop.boot.TlsTestSupport.assertStartupFailure;
import static dev.ioloop.boot.TlsTestSupport.connect;
import static dev.ioloop.boot.TlsTestSupport.exchange;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ioloop.FdHandler;
import dev.ioloop.boot.autoconfigure.IOLoopAutoConfiguration;
import dev.ioloop.net.ClientAuth;
import dev.ioloop.net.StreamHandler;
import dev.ioloop.stream.IOStream;
import dev.ioloop.stream.SSLIOStream;
import java.net.SocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import javax.net.ssl.SSLSocket;
import org.jspecify.annotations.Nullable;
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
 * {@code @IoHandler(sslBundle = ...)}: a {@code StreamHandler} bean served over TLS with the {@code SSLContext} of a
 * Spring Boot SSL bundle (PEM files made at test time), and the mistakes that fail startup.
 */
@Timeout(60)
class IoHandlerTlsTests {

    @TempDir
    static Path dir;

    private static PemCertificate pem;

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(IOLoopAutoConfiguration.class, SslAutoConfiguration.class));

    @BeforeAll
    static void certificate() throws Exception {
        pem = PemCertificate.generate(dir);
    }

    @Test
    void aStreamHandlerWithAnSslBundleServesTlsStreams() {
        runner.withUserConfiguration(SecureUpper.class)
                .withPropertyValues(pem.bundleProperties("server"))
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    int port = context.getEnvironment().getRequiredProperty("local.ioloop.secure.port", Integer.class);
                    try (SSLSocket client = connect(pem.client(), port)) {
                        assertThat(exchange(client, "hello")).isEqualTo("HELLO");
                        assertThat(client.getSession().getPeerPrincipal().getName())
                                .isEqualTo("CN=localhost");
                    }
                    assertThat(context.getBean(SecureUpper.class).streams)
                            .singleElement()
                            .isInstanceOf(SSLIOStream.class);
                });
    }

    @Test
    void tlsConnectionsSpreadOverALoopGroupAreServed() {
        runner.withUserConfiguration(SecureUpper.class)
                .withPropertyValues(pem.bundleProperties("server"))
                .withPropertyValues("ioloop.loops=2")
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    int port = context.getEnvironment().getRequiredProperty("local.ioloop.secure.port", Integer.class);
                    for (int i = 0; i < 4; i++) {
                        try (SSLSocket client = connect(pem.client(), port)) {
                            assertThat(exchange(client, "round " + i)).isEqualTo("ROUND " + i);
                        }
                    }
                    Queue<IOStream> streams = context.getBean(SecureUpper.class).streams;
                    assertThat(streams).hasSize(4).allSatisfy(s -> assertThat(s).isInstanceOf(SSLIOStream.class));
                    assertThat(streams.stream().map(IOStream::loop).distinct())
                            .as("the loops the connections live on")
                            .hasSize(2);
                });
    }

    @Test
    void theTlsProviderPropertyServesTheBundleThroughConscrypt() {
        runner.withUserConfiguration(SecureUpper.class)
                .withPropertyValues(pem.bundleProperties("server"))
                .withPropertyValues("ioloop.stream.tls-provider=Conscrypt")
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    int port = context.getEnvironment().getRequiredProperty("local.ioloop.secure.port", Integer.class);
                    for (String line : new String[] {"native", "twice"}) {
                        try (SSLSocket client = connect(pem.client(), port)) {
                            assertThat(exchange(client, line)).isEqualTo(line.toUpperCase(Locale.ROOT));
                            assertThat(client.getSession().getPeerPrincipal().getName())
                                    .isEqualTo("CN=localhost");
                        }
                    }
                    assertThat(context.getBean(SecureUpper.class).sessions)
                            .as("the server side's TLS sessions")
                            .hasSize(2)
                            .allSatisfy(type -> assertThat(type).startsWith("org.conscrypt."));
                    assertThat(tlsOf(context, "secure"))
                            .isEqualTo(new IoHandlerRegistration.Tls("server", "Conscrypt", ClientAuth.NONE));
                });
    }

    @Test
    void withoutTheTlsProviderPropertyTheJdkServes() {
        runner.withUserConfiguration(SecureUpper.class)
                .withPropertyValues(pem.bundleProperties("server"))
                .run(context -> {
                    int port = context.getEnvironment().getRequiredProperty("local.ioloop.secure.port", Integer.class);
                    try (SSLSocket client = connect(pem.client(), port)) {
                        assertThat(exchange(client, "jdk")).isEqualTo("JDK");
                    }
                    assertThat(context.getBean(SecureUpper.class).sessions)
                            .singleElement()
                            .satisfies(type -> assertThat(type).startsWith("sun.security.ssl."));
                    assertThat(tlsOf(context, "secure"))
                            .isEqualTo(new IoHandlerRegistration.Tls("server", "SunJSSE", ClientAuth.NONE));
                });
    }

    @Test
    void theBundleOptionsChooseTheProtocol() {
        runner.withUserConfiguration(SecureUpper.class)
                .withPropertyValues(pem.bundleProperties("server"))
                .withPropertyValues("spring.ssl.bundle.pem.server.options.enabled-protocols=TLSv1.2")
                .run(context -> {
                    int port = context.getEnvironment().getRequiredProperty("local.ioloop.secure.port", Integer.class);
                    try (SSLSocket client = connect(pem.client(), port)) {
                        assertThat(exchange(client, "old")).isEqualTo("OLD");
                        assertThat(client.getSession().getProtocol()).isEqualTo("TLSv1.2");
                    }
                });
    }

    @Test
    void aMissingBundleFailsStartupSayingHowToDefineIt() {
        runner.withUserConfiguration(SecureUpper.class).run(context -> {
            FailureAnalysis analysis = assertStartupFailure(context, "secure", "SSL bundle 'server' does not exist");
            assertThat(analysis.getAction())
                    .contains("spring.ssl.bundle.pem.server.keystore.certificate")
                    .contains("spring.ssl.bundle.jks.server");
        });
    }

    @Test
    void anSslBundleOnADatagramListenerFailsStartup() {
        runner.withUserConfiguration(SecureDatagrams.class)
                .withPropertyValues(pem.bundleProperties("server"))
                .run(context -> {
                    FailureAnalysis analysis = assertStartupFailure(
                            context, "secureDatagrams", "sslBundle 'server' needs a TCP or Unix listener");
                    assertThat(analysis.getAction()).contains("tcp://host:port").contains("remove its sslBundle");
                });
    }

    @Test
    void anSslBundleOnAnFdHandlerFailsStartup() {
        runner.withUserConfiguration(SecureAcceptor.class)
                .withPropertyValues(pem.bundleProperties("server"))
                .run(context -> {
                    FailureAnalysis analysis = assertStartupFailure(
                            context, "secureAcceptor", "sslBundle 'server' is set, but the bean is an FdHandler");
                    assertThat(analysis.getAction()).contains("implement StreamHandler");
                });
    }

    /** The TLS the registrar reports for bean {@code beanName}'s listener (the endpoint and the startup log show it). */
    private static IoHandlerRegistration.@Nullable Tls tlsOf(AssertableApplicationContext context, String beanName) {
        return context.getBean(IoHandlerRegistrar.class).registrations().stream()
                .filter(r -> r.beanName().equals(beanName))
                .findFirst()
                .orElseThrow()
                .tls();
    }

    @IoHandler(value = "secure", listen = "tcp://127.0.0.1:0", sslBundle = "server")
    static class SecureUpper implements StreamHandler {

        final Queue<IOStream> streams = new ConcurrentLinkedQueue<>();
        /** The class of each connection's TLS session, which names the engine's provider. */
        final Queue<String> sessions = new ConcurrentLinkedQueue<>();

        @Override
        public void handleStream(IOStream stream, SocketAddress remote) {
            streams.add(stream);
            ((SSLIOStream) stream)
                    .waitForHandshake()
                    .thenAccept(tls -> sessions.add(tls.session().getClass().getName()));
            upper(stream);
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

    @IoHandler(value = "secureDatagrams", listen = "udp://127.0.0.1:0", sslBundle = "server")
    static class SecureDatagrams implements StreamHandler {
        @Override
        public void handleStream(IOStream stream, SocketAddress remote) {}
    }

    @IoHandler(value = "secureAcceptor", listen = "tcp://127.0.0.1:0", sslBundle = "server")
    static class SecureAcceptor implements FdHandler<ServerSocketChannel> {
        @Override
        public void handle(ServerSocketChannel channel, int events) {}
    }
}
