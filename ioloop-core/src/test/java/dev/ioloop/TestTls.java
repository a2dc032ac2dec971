package dev.ioloop;

import dev.ioloop.testsupport.SelfSignedCertificate;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import javax.net.ssl.SSLContext;

/**
 * TLS keys and contexts for tests, made when first asked for and never written anywhere but a temporary directory
 * that is deleted at once: two self-signed EC certificates made by the JDK's {@code keytool}, one for
 * {@code localhost} (and 127.0.0.1) that {@link #client()} trusts, and another one, for the same names, that it
 * does not. Made once per test JVM ({@code keytool} takes about a second).
 */
public final class TestTls {

    private static TestTls instance;

    private final SSLContext server;
    private final SSLContext untrustedServer;
    private final SSLContext client;
    private final SSLContext jdkClient;

    private TestTls() throws IOException, GeneralSecurityException {
        Path dir = Files.createTempDirectory("ioloop-tls");
        try {
            SelfSignedCertificate trusted = SelfSignedCertificate.generate(dir);
            SelfSignedCertificate untrusted = SelfSignedCertificate.generate(dir);
            server = trusted.serverContext();
            untrustedServer = untrusted.serverContext();
            client = trusted.clientContext();
            jdkClient = trusted.jdkClientContext();
        } finally {
            Files.deleteIfExists(dir);
        }
    }

    /** Returns the shared keys, making them on first use. */
    public static synchronized TestTls get() {
        if (instance == null) {
            try {
                instance = new TestTls();
            } catch (IOException | GeneralSecurityException e) {
                throw new IllegalStateException("cannot make test certificates", e);
            }
        }
        return instance;
    }

    /** Returns a server context presenting the certificate {@link #client()} trusts. */
    public SSLContext server() {
        return server;
    }

    /** Returns a server context presenting a certificate for the same names that {@link #client()} does not trust. */
    public SSLContext untrustedServer() {
        return untrustedServer;
    }

    /**
     * Returns a client context of the JDK's own provider that trusts {@link #server()}'s certificate, and nothing
     * else, even when the tests run with another provider.
     */
    public SSLContext jdkClient() {
        return jdkClient;
    }

    /** Returns a client context that trusts {@link #server()}'s certificate, and nothing else. */
    public SSLContext client() {
        return client;
    }
}
