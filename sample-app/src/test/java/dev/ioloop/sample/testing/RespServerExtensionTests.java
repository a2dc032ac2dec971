package dev.ioloop.sample.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.Socket;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Configuration;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.context.junit.jupiter.SpringJUnitConfig;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Transaction;

/** {@link RespServerExtension} as its users would use it: with a real client, and handing its port to Spring. */
@Timeout(60)
@ExtendWith(RespServerExtension.class)
class RespServerExtensionTests {

    @Test
    void aTestGetsARunningServerOnAFreePort(RespServerExtension server) {
        try (Jedis jedis = new Jedis(server.host(), server.port())) {
            jedis.flushAll();
            assertThat(jedis.set("greeting", "hello")).isEqualTo("OK");
            assertThat(jedis.get("greeting")).isEqualTo("hello");
            Transaction tx = jedis.multi();
            tx.incr("visits");
            tx.incr("visits");
            assertThat(tx.exec()).containsExactly(1L, 2L);
        }
    }

    @Test
    void theServerIsSharedByTheTestsOfAClass(RespServerExtension server) throws Exception {
        try (Socket socket = new Socket(server.host(), server.port())) {
            assertThat(socket.isConnected()).isTrue();
        }
        assertThat(server.uri()).isEqualTo("redis://127.0.0.1:" + server.port());
    }

    /** The {@code @DynamicPropertySource} recipe: a Spring test whose own context gets the server's port. */
    @Nested
    @SpringJUnitConfig(WithSpring.Config.class)
    class WithSpring {

        @RegisterExtension
        static RespServerExtension redis = RespServerExtension.withProperties("sample.databases=2");

        @DynamicPropertySource
        static void redisProperties(DynamicPropertyRegistry registry) {
            registry.add("app.redis.host", redis::host);
            registry.add("app.redis.port", redis::port);
        }

        @Value("${app.redis.host}")
        String host;

        @Value("${app.redis.port}")
        int port;

        @Test
        void theContextSeesThePortAndTheServerHasTheGivenSettings() {
            try (Jedis jedis = new Jedis(host, port)) {
                assertThat(jedis.select(1)).isEqualTo("OK");
                assertThat(jedis.configGet("databases")).containsEntry("databases", "2");
            }
        }

        @Configuration(proxyBeanMethods = false)
        static class Config {}
    }
}
