package dev.ioloop.boot;

import dev.ioloop.testsupport.SelfSignedCertificate;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import javax.net.ssl.SSLContext;

/**
 * A self-signed certificate for {@code localhost} (and 127.0.0.1) made at test time by the JDK's {@code keytool},
 * written as the two PEM files a {@code spring.ssl.bundle.pem.*} bundle reads, with a client context that trusts it.
 * Nothing is committed: the files live in the test's temporary directory.
 *
 * @param certificate the certificate, PEM
 * @param privateKey its private key, PEM (PKCS #8)
 * @param client a client context that trusts the certificate and nothing else
 * @param keys the certificate and key themselves, for mutual TLS contexts
 */
record PemCertificate(Path certificate, Path privateKey, SSLContext client, SelfSignedCertificate keys) {

    /** Makes the key pair and certificate in {@code dir}. */
    static PemCertificate generate(Path dir) throws IOException, GeneralSecurityException {
        SelfSignedCertificate made = SelfSignedCertificate.generate(dir);
        Path certificate = Files.writeString(dir.resolve("server.crt"), made.certificatePem());
        Path privateKey = Files.writeString(dir.resolve("server.key"), made.privateKeyPem());
        return new PemCertificate(certificate, privateKey, made.clientContext(), made);
    }

    /** Returns the properties of a PEM bundle named {@code name} over these files. */
    String[] bundleProperties(String name) {
        return new String[] {
            "spring.ssl.bundle.pem." + name + ".keystore.certificate=file:" + certificate,
            "spring.ssl.bundle.pem." + name + ".keystore.private-key=file:" + privateKey
        };
    }
}
