package dev.ioloop;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * TLS keys and contexts for tests, made when first asked for and never written anywhere but a temporary directory
 * that is deleted at once: two self-signed EC certificates made by the JDK's {@code keytool}, one for
 * {@code localhost} (and 127.0.0.1) that {@link #client()} trusts, and another one, for the same names, that it
 * does not. Made once per test JVM ({@code keytool} takes about a second).
 */
public final class TestTls {

    private static final char[] PASSWORD = "test-only".toCharArray();
    private static TestTls instance;

    private final SSLContext server;
    private final SSLContext untrustedServer;
    private final SSLContext client;

    private TestTls() throws IOException, GeneralSecurityException, InterruptedException {
        Path dir = Files.createTempDirectory("ioloop-tls");
        try {
            KeyStore trusted = generate(dir, "trusted");
            KeyStore untrusted = generate(dir, "untrusted");
            server = serverContext(trusted);
            untrustedServer = serverContext(untrusted);
            KeyStore trust = KeyStore.getInstance("PKCS12");
            trust.load(null, null);
            trust.setCertificateEntry("server", trusted.getCertificate("server"));
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trust);
            client = SSLContext.getInstance("TLS");
            client.init(null, tmf.getTrustManagers(), null);
        } finally {
            try (Stream<Path> files = Files.walk(dir)) {
                for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    /** Returns the shared keys, making them on first use. */
    public static synchronized TestTls get() {
        if (instance == null) {
            try {
                instance = new TestTls();
            } catch (IOException | GeneralSecurityException e) {
                throw new IllegalStateException("cannot make test certificates", e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while making test certificates", e);
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

    /** Returns a client context that trusts {@link #server()}'s certificate, and nothing else. */
    public SSLContext client() {
        return client;
    }

    private static SSLContext serverContext(KeyStore keys) throws GeneralSecurityException {
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(keys, PASSWORD);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(kmf.getKeyManagers(), null, null);
        return context;
    }

    /** Runs {@code keytool -genkeypair} for a self-signed localhost certificate and loads the key store it made. */
    private static KeyStore generate(Path dir, String name)
            throws IOException, GeneralSecurityException, InterruptedException {
        Path store = dir.resolve(name + ".p12");
        String keytool =
                Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
        List<String> command = List.of(
                keytool,
                "-genkeypair",
                "-alias",
                "server",
                "-keyalg",
                "EC",
                "-groupname",
                "secp256r1",
                "-sigalg",
                "SHA256withECDSA",
                "-dname",
                "CN=localhost",
                "-ext",
                "SAN=dns:localhost,ip:127.0.0.1",
                "-validity",
                "2",
                "-storetype",
                "PKCS12",
                "-keystore",
                store.toString(),
                "-storepass",
                new String(PASSWORD),
                "-keypass",
                new String(PASSWORD));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output;
        try (InputStream in = process.getInputStream()) {
            output = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
            process.destroyForcibly();
            throw new IOException("keytool failed: " + output);
        }
        KeyStore keys = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(store)) {
            keys.load(in, PASSWORD);
        }
        return keys;
    }
}
