package dev.ioloop.sample;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ioloop.IOLoop;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.boot.SpringApplication;
import org.springframework.context.ConfigurableApplicationContext;
import redis.clients.jedis.Jedis;

/** Graceful shutdown: replies already produced are written in full, then connections close. */
@Timeout(60)
class SampleShutdownTests {

    @Test
    void closingTheAppWritesEveryPendingReplyThenClosesTheConnection() throws Exception {
        ConfigurableApplicationContext app = SpringApplication.run(
                SampleApplication.class, "--sample.port=0", "--server.port=0", "--spring.main.banner-mode=off");
        IOLoop loop = app.getBean(IOLoop.class);
        int port = app.getEnvironment().getRequiredProperty("local.ioloop.resp.port", Integer.class);
        int value = 200_000;
        int replies = 50;
        try (Jedis setup = new Jedis("127.0.0.1", port, 10_000)) {
            setup.set("big", "v".repeat(value));
        }
        try (Socket client = new Socket(InetAddress.getLoopbackAddress(), port)) {
            client.setSoTimeout(20_000);
            String get = "*2\r\n$3\r\nGET\r\n$3\r\nbig\r\n";
            client.getOutputStream().write(get.repeat(replies).getBytes(StandardCharsets.US_ASCII));
            client.getOutputStream().flush();
            // 10 MB of replies: more than the socket buffers hold, so some wait in the server when it stops.
            InputStream in = client.getInputStream();
            byte[] first = in.readNBytes(16);
            assertThat(new String(first, StandardCharsets.US_ASCII)).startsWith("$" + value + "\r\n");
            CompletableFuture<Void> closed = CompletableFuture.runAsync(app::close);
            ByteArrayOutputStream rest = new ByteArrayOutputStream();
            in.transferTo(rest);
            long expected = (long) replies * (("$" + value + "\r\n").length() + value + 2);
            assertThat(first.length + rest.size()).isEqualTo(expected);
            closed.get(30, TimeUnit.SECONDS);
        }
        assertThat(app.isActive()).isFalse();
        assertThat(loop.isClosed()).isTrue();
        // Other test contexts of this JVM may have installed their own loop; this one is gone.
        assertThat(IOLoop.initialized() && IOLoop.instance() == loop).isFalse();
    }
}
