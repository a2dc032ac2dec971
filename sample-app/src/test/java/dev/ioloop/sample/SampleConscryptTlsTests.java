package dev.ioloop.sample;

import org.springframework.boot.test.context.SpringBootTest;

/**
 * {@link SampleTlsTests} again with the TLS port served by Conscrypt (BoringSSL) through
 * {@code ioloop.stream.tls-provider=Conscrypt}, the configuration the README recommends for TLS: Jedis, pipelines
 * of 1,000 commands, {@code redis-cli --tls} and a plaintext client, against the native engine, which the {@code ioloop} endpoint names.
 */
@SpringBootTest(
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {"sample.port=0", "sample.tls.port=0", "ioloop.stream.tls-provider=Conscrypt"})
class SampleConscryptTlsTests extends SampleTlsTests {

    @Override
    String expectedProvider() {
        return "Conscrypt";
    }
}
