package dev.ioloop.boot;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * A self-signed certificate for {@code localhost} (and 127.0.0.1) made at test time by the JDK's {@code keytool},
 * written as the two PEM files a {@code spring.ssl.bundle.pem.*} bundle reads, with a client context that trusts it.
 * Nothing is committed: the files live in the test's temporary directory.
 *
 * @param certificate the certificate, PEM
 * @param privateKey its private key, PEM (PKCS #8)
 * @param client a client context that trusts the certificate and nothing else
 */
record PemCertificate(Path certificate, Path privateKey, SSLContext client) {

    private static final char[] PASSWORD = "test-only".toCharArray();

    /** Makes the key pair and certificate in {@code dir}. */
    static PemCertificate generate(Path dir) throws IOException, GeneralSecurityException, InterruptedException {
        Path store = dir.resolve("server.p12");
        String keytool =
                Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
        Process process = new ProcessBuilder(List.of(
                        keytool,
                        "-genkeypair",
                        "-alias",
                        "server",
                        "-keyalg",
                        "EC",
                        "-groupname",
                        "secp256r1",
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
                        new String(PASSWORD)))
                .redirectErrorStream(true)
                .start();
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
        Files.delete(store);
        Certificate cert = keys.getCertificate("server");
        PrivateKey key = (PrivateKey) keys.getKey("server", PASSWORD);
        Path certificate = Files.writeString(dir.resolve("server.crt"), pem("CERTIFICATE", cert.getEncoded()));
        Path privateKey = Files.writeString(dir.resolve("server.key"), pem("PRIVATE KEY", key.getEncoded()));

        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("server", cert);
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext client = SSLContext.getInstance("TLS");
        client.init(null, tmf.getTrustManagers(), null);
        return new PemCertificate(certificate, privateKey, client);
    }

    /** Returns the properties of a PEM bundle named {@code name} over these files. */
    String[] bundleProperties(String name) {
        return new String[] {
            "spring.ssl.bundle.pem." + name + ".keystore.certificate=file:" + certificate,
            "spring.ssl.bundle.pem." + name + ".keystore.private-key=file:" + privateKey
        };
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n"
                + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }
}
