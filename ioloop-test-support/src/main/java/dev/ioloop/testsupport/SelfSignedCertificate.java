package dev.ioloop.testsupport;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.Provider;
import java.security.Security;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;

/**
 * A self-signed EC certificate for {@code localhost} (and 127.0.0.1), made at test time by the JDK's {@code keytool}
 * (about a second), with its key: nothing is committed, and the key store file is deleted once loaded. Gives a server
 * context presenting it, a client context trusting it and nothing else, and the PEM text a Spring Boot PEM SSL bundle
 * or {@code redis-cli --cacert} reads.
 */
public final class SelfSignedCertificate {

    private static final char[] PASSWORD = "test-only".toCharArray();
    private static final String ALIAS = "server";

    private final Certificate certificate;
    private final PrivateKey key;
    private final KeyStore keys;

    private SelfSignedCertificate(KeyStore keys) throws GeneralSecurityException {
        this.keys = keys;
        this.certificate = keys.getCertificate(ALIAS);
        this.key = (PrivateKey) keys.getKey(ALIAS, PASSWORD);
    }

    /**
     * Makes a certificate for {@code localhost}; {@code dir} holds the key store while {@code keytool} writes it.
     *
     * @param dir a temporary directory of the test
     * @throws IOException if {@code keytool} fails (its output is in the message)
     */
    public static SelfSignedCertificate generate(Path dir) throws IOException, GeneralSecurityException {
        return generate(dir, "localhost");
    }

    /**
     * Makes a certificate whose subject is {@code CN=<commonName>} (a DNS name of that name and 127.0.0.1 as its
     * alternative names), for example a client certificate for mutual TLS; {@code dir} holds the key store while
     * {@code keytool} writes it.
     *
     * @param dir a temporary directory of the test
     * @param commonName the subject's common name, a valid DNS name
     * @throws IOException if {@code keytool} fails (its output is in the message)
     */
    public static SelfSignedCertificate generate(Path dir, String commonName)
            throws IOException, GeneralSecurityException {
        Path store = Files.createTempFile(dir, "server", ".p12");
        Files.delete(store); // keytool creates it
        String keytool =
                Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
        Process process = new ProcessBuilder(List.of(
                        keytool,
                        "-genkeypair",
                        "-alias",
                        ALIAS,
                        "-keyalg",
                        "EC",
                        "-groupname",
                        "secp256r1",
                        "-sigalg",
                        "SHA256withECDSA",
                        "-dname",
                        "CN=" + commonName,
                        "-ext",
                        "SAN=dns:" + commonName + ",ip:127.0.0.1",
                        "-validity",
                        "2",
                        "-storetype",
                        "PKCS12",
                        "-keystore",
                        store.toString(),
                        "-storepass",
                        new String(PASSWORD),
                        "-keypass",
                        new String(PASSWORD)))
                .redirectErrorStream(true)
                .start();
        String output;
        try (InputStream in = process.getInputStream()) {
            output = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        try {
            if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
                process.destroyForcibly();
                throw new IOException("keytool failed: " + output);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
            throw new IOException("interrupted while keytool ran", e);
        }
        KeyStore keys = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(store)) {
            keys.load(in, PASSWORD);
        } finally {
            Files.deleteIfExists(store);
        }
        return new SelfSignedCertificate(keys);
    }

    /** Returns a server context presenting this certificate. */
    public SSLContext serverContext() throws GeneralSecurityException {
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(keys, PASSWORD);
        SSLContext context = newContext();
        context.init(kmf.getKeyManagers(), null, null);
        return context;
    }

    /** Returns a client context that trusts this certificate and nothing else. */
    public SSLContext clientContext() throws GeneralSecurityException, IOException {
        SSLContext context = newContext();
        context.init(null, trusting(certificate), null);
        return context;
    }

    /**
     * Returns a client context of the JDK's own provider, whatever {@link #PROVIDER_PROPERTY} says, that trusts this
     * certificate and nothing else: for a blocking peer socket that must behave as the JDK's (Conscrypt's blocking
     * socket can leave a second record read in the same socket read undelivered until more bytes arrive).
     */
    public SSLContext jdkClientContext() throws GeneralSecurityException, IOException {
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, trusting(certificate), null);
        return context;
    }

    /**
     * Returns a context for mutual TLS: it presents this certificate and trusts {@code peer}'s and nothing else. A
     * server context of it accepts clients presenting {@code peer}'s certificate; a client context of it presents
     * this certificate to a server with {@code peer}'s.
     */
    public SSLContext mutualContext(SelfSignedCertificate peer) throws GeneralSecurityException, IOException {
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(keys, PASSWORD);
        SSLContext context = newContext();
        context.init(kmf.getKeyManagers(), trusting(peer.certificate), null);
        return context;
    }

    /**
     * The system property naming the JCA provider of every context made here: unset, the JDK's default; a
     * provider registered with {@link Security} by that name; or {@code Conscrypt}, made from
     * {@code org.conscrypt.Conscrypt} when it is on the class path and not registered.
     */
    public static final String PROVIDER_PROPERTY = "ioloop.test.tls.provider";

    /** Returns a TLS context of the provider {@link #PROVIDER_PROPERTY} names, not initialised. */
    public static SSLContext newContext() throws GeneralSecurityException {
        String name = System.getProperty(PROVIDER_PROPERTY, "");
        return name.isEmpty() ? SSLContext.getInstance("TLS") : SSLContext.getInstance("TLS", provider(name));
    }

    /** Returns the JCA provider {@code name}, as {@link #newContext()} finds it. */
    public static Provider provider(String name) {
        Provider registered = Security.getProvider(name);
        if (registered != null) {
            return registered;
        }
        if (name.equalsIgnoreCase("Conscrypt")) {
            try {
                return (Provider) Class.forName("org.conscrypt.Conscrypt")
                        .getMethod("newProvider")
                        .invoke(null);
            } catch (ReflectiveOperationException | LinkageError e) {
                throw new IllegalStateException("cannot make the Conscrypt provider: " + e, e);
            }
        }
        throw new IllegalArgumentException(PROVIDER_PROPERTY + "=" + name + ": no such JCA provider");
    }

    private static TrustManager[] trusting(Certificate trusted) throws GeneralSecurityException, IOException {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry(ALIAS, trusted);
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        return tmf.getTrustManagers();
    }

    /** Returns the certificate, to compare with the one a peer presents. */
    public X509Certificate certificate() {
        return (X509Certificate) certificate;
    }

    /** Returns the certificate as PEM text. */
    public String certificatePem() throws GeneralSecurityException {
        return pem("CERTIFICATE", certificate.getEncoded());
    }

    /** Returns the private key as PEM text (PKCS #8). */
    public String privateKeyPem() {
        return pem("PRIVATE KEY", key.getEncoded());
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n"
                + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }
}
