package dev.ioloop.boot;

import static dev.ioloop.boot.TlsTestSupport.connect;
import static dev.ioloop.boot.TlsTestSupport.exchange;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import dev.ioloop.boot.IoHandlerTlsTests.SecureUpper;
import dev.ioloop.boot.autoconfigure.IOLoopAutoConfiguration;
import dev.ioloop.testsupport.RootLogCapture;
import dev.ioloop.testsupport.SelfSignedCertificate;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.time.Duration;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.ssl.SslAutoConfiguration;
import org.springframework.boot.ssl.DefaultSslBundleRegistry;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * A TLS {@code @IoHandler} whose PEM bundle is reloaded ({@code reload-on-update=true}): once its certificate and key
 * files are replaced, new connections are served with the new certificate, while a connection opened before goes on
 * with the old one. Real files in a temporary directory, Boot's own file watcher, real TLS clients.
 */
@Timeout(60)
class IoHandlerTlsReloadTests {

    @TempDir
    Path dir;

    private final RootLogCapture log = new RootLogCapture();

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(IOLoopAutoConfiguration.class, SslAutoConfiguration.class))
            .withUserConfiguration(SecureUpper.class);

    @AfterEach
    void release() {
        log.stop();
    }

    @Test
    void newConnectionsGetTheReloadedCertificateWhileOpenOnesKeepTheirs() throws Exception {
        SelfSignedCertificate first = SelfSignedCertificate.generate(dir);
        SelfSignedCertificate second = SelfSignedCertificate.generate(dir);
        Path certificate = Files.writeString(dir.resolve("server.crt"), first.certificatePem());
        Path key = Files.writeString(dir.resolve("server.key"), first.privateKeyPem());
        SSLContext client = trusting(first, second);

        runner.withPropertyValues(
                        "spring.ssl.bundle.pem.server.keystore.certificate=file:" + certificate,
                        "spring.ssl.bundle.pem.server.keystore.private-key=file:" + key,
                        "spring.ssl.bundle.pem.server.reload-on-update=true",
                        "spring.ssl.bundle.watch.file.quiet-period=200ms")
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    int port = context.getEnvironment().getRequiredProperty("local.ioloop.secure.port", Integer.class);
                    try (SSLSocket old = connect(client, port)) {
                        assertThat(exchange(old, "before")).isEqualTo("BEFORE");
                        assertThat(peer(old)).isEqualTo(first.certificate());
                        log.start();

                        replace(certificate, second.certificatePem());
                        replace(key, second.privateKeyPem());

                        // Until the watcher's quiet period has passed, new connections still get the first
                        // certificate; a connection may also fail if the watcher caught the key and the
                        // certificate of different pairs (it then reloads again).
                        await().atMost(Duration.ofSeconds(30))
                                .pollInterval(Duration.ofMillis(100))
                                .ignoreExceptions()
                                .untilAsserted(() -> {
                                    try (SSLSocket fresh = connect(client, port)) {
                                        assertThat(exchange(fresh, "after")).isEqualTo("AFTER");
                                        assertThat(peer(fresh)).isEqualTo(second.certificate());
                                    }
                                });

                        assertThat(exchange(old, "still there")).isEqualTo("STILL THERE");
                        assertThat(peer(old)).isEqualTo(first.certificate());
                    }
                    assertThat(log.events())
                            .filteredOn(e -> e.getLevel() == Level.INFO)
                            .extracting(ILoggingEvent::getFormattedMessage)
                            .contains("SSL bundle 'server' reloaded: new TLS connections use it, open ones keep their"
                                    + " keys");
                    assertThat(log.events())
                            .filteredOn(e -> e.getLevel().isGreaterOrEqual(Level.WARN))
                            .filteredOn(e -> e.getLoggerName().equals(DefaultSslBundleRegistry.class.getName())
                                    || e.getLoggerName().equals(SslBundleContext.class.getName()))
                            .as("Boot's warning for a bundle no one reloads, or a failed reload")
                            .isEmpty();
                });
    }

    /** Replaces {@code file} in one step, as a deployment tool would (a reader never sees it half written). */
    private static void replace(Path file, String content) throws IOException {
        Path next = Files.writeString(file.resolveSibling(file.getFileName() + ".next"), content);
        Files.move(next, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** A client context that trusts both certificates, so that a connection tells which one it was shown. */
    private static SSLContext trusting(SelfSignedCertificate... certificates)
            throws GeneralSecurityException, IOException {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        for (int i = 0; i < certificates.length; i++) {
            trust.setCertificateEntry("server-" + i, certificates[i].certificate());
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, tmf.getTrustManagers(), null);
        return context;
    }

    /** The certificate the server presented on {@code client}'s connection (handshaking first if need be). */
    private static Certificate peer(SSLSocket client) throws IOException {
        return client.getSession().getPeerCertificates()[0];
    }
}
