package dev.ioloop.sample;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ioloop.testsupport.SelfSignedCertificate;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;

/**
 * The sample's TLS port with real clients: Jedis over TLS and {@code redis-cli --tls}, against a certificate made at
 * test time and handed to the app as a Spring Boot PEM SSL bundle; a plaintext client on the TLS port costs only its
 * own connection; the actuator's {@code ioloop} endpoint, over HTTP, names the TLS that serves the port.
 */
@SpringBootTest(
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {"sample.port=0", "sample.tls.port=0"})
@DirtiesContext
@Timeout(60)
class SampleTlsTests {

    private static final Path DIR;
    private static final SSLContext CLIENT;
    private static final Path CERT;

    static {
        try {
            DIR = Files.createTempDirectory("sample-tls");
            SelfSignedCertificate certificate = SelfSignedCertificate.generate(DIR);
            CERT = Files.writeString(DIR.resolve("cert.pem"), certificate.certificatePem());
            Files.writeString(DIR.resolve("key.pem"), certificate.privateKeyPem());
            // Removed when the test JVM exits (the directory last), not after this class: a subclass's
            // application, started later, reads the same files.
            DIR.toFile().deleteOnExit();
            CERT.toFile().deleteOnExit();
            DIR.resolve("key.pem").toFile().deleteOnExit();
            CLIENT = certificate.clientContext();
        } catch (Exception e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    @DynamicPropertySource
    static void bundle(DynamicPropertyRegistry registry) {
        registry.add("spring.ssl.bundle.pem.sample.keystore.certificate", () -> "file:" + CERT);
        registry.add("spring.ssl.bundle.pem.sample.keystore.private-key", () -> "file:" + DIR.resolve("key.pem"));
    }

    @Value("${local.ioloop.respTls.port}")
    int tlsPort;

    @Value("${local.ioloop.resp.port}")
    int plainPort;

    @Value("${local.server.port}")
    int httpPort;

    /** The JCA provider that should serve the TLS port: the JDK's own here. */
    String expectedProvider() {
        return "SunJSSE";
    }

    private Jedis tlsClient() {
        return new Jedis(
                new HostAndPort("127.0.0.1", tlsPort),
                DefaultJedisClientConfig.builder()
                        .ssl(true)
                        .sslSocketFactory(CLIENT.getSocketFactory())
                        .socketTimeoutMillis(10_000)
                        .build());
    }

    @Test
    void theLoopEndpointNamesTheBundleAndTheProviderOfTheTlsPort() throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/actuator/ioloop"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        // The respTls listener's entry, with its tls object; the plain listener's entry has none.
        assertThat(response.body())
                .containsPattern("\\{[^{}]*\"handler\":\"respTls\"[^{}]*\"tls\":\\{\"sslBundle\":\"sample\","
                        + "\"provider\":\"" + expectedProvider() + "\",\"clientAuth\":\"NONE\"}")
                .doesNotContainPattern("\"handler\":\"resp\"[^{}]*\"tls\":\\{");
    }

    @Test
    void jedisOverTlsRunsCommandsAndPipelines() {
        try (Jedis jedis = tlsClient()) {
            assertThat(jedis.ping()).isEqualTo("PONG");
            assertThat(jedis.set("tls:key", "secret")).isEqualTo("OK");
            assertThat(jedis.get("tls:key")).isEqualTo("secret");
            Pipeline p = jedis.pipelined();
            for (int i = 0; i < 1000; i++) {
                p.set("tls:" + i, "v" + i);
            }
            p.sync();
            assertThat(jedis.get("tls:999")).isEqualTo("v999");
        }
        try (Jedis plain = new Jedis("127.0.0.1", plainPort, 10_000)) {
            assertThat(plain.get("tls:key"))
                    .as("one keyspace behind both ports")
                    .isEqualTo("secret");
        }
    }

    @Test
    void redisCliTalksToTheTlsPort() throws Exception {
        Process cli = new ProcessBuilder(
                        "redis-cli",
                        "--tls",
                        "--cacert",
                        CERT.toString(),
                        "-h",
                        "127.0.0.1",
                        "-p",
                        Integer.toString(tlsPort),
                        "ping")
                .redirectErrorStream(true)
                .start();
        String out;
        try (InputStream in = cli.getInputStream()) {
            out = new String(in.readAllBytes(), StandardCharsets.UTF_8).trim();
        }
        assertThat(cli.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(out).isEqualTo("PONG");
    }

    @Test
    void aPlaintextClientOnTheTlsPortCostsOnlyItsConnection() throws Exception {
        try (Socket plaintext = new Socket(InetAddress.getLoopbackAddress(), tlsPort)) {
            plaintext.setSoTimeout(10_000);
            plaintext.getOutputStream().write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
            InputStream in = plaintext.getInputStream();
            int n;
            try {
                while ((n = in.read()) >= 0) {
                    assertThat(n).as("no RESP reply to a plaintext client").isNotEqualTo('+');
                }
            } catch (IOException e) {
                // a reset also ends it
            }
        }
        try (Jedis jedis = tlsClient()) {
            assertThat(jedis.ping()).isEqualTo("PONG");
        }
    }
}
