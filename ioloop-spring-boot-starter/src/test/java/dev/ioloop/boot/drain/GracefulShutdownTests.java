package dev.ioloop.boot.drain;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ioloop.IOLoop;
import dev.ioloop.IOLoopGroup;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;

/**
 * Closing the application (what SIGTERM does through its shutdown hook) while requests are in hand, on two loops:
 * the starter stops accepting, drains every connection on both loops, then stops the loops. Every request the server
 * read is answered before its connection closes; a server that never finishes is closed at
 * {@code ioloop.shutdown-timeout}.
 */
@Timeout(60)
class GracefulShutdownTests {

    private final List<Socket> clients = new ArrayList<>();

    @AfterEach
    void closeClients() throws IOException {
        for (Socket c : clients) {
            c.close();
        }
    }

    @Test
    void everyRequestInHandIsAnsweredBeforeItsConnectionClosesOnBothLoops() throws Exception {
        ConfigurableApplicationContext context = run("ioloop.shutdown-timeout=10s");
        SlowReplyServer server = context.getBean(SlowReplyServer.class);
        List<IOLoop> loops = context.getBean(IOLoopGroup.class).loops();
        int port = port(context);
        for (int i = 0; i < 20; i++) {
            connect(port).getOutputStream().write(("r" + i + "\n").getBytes(US_ASCII));
        }
        Socket idle = connect(port); // sends nothing: drained by the default graceful close
        Awaitility.await().atMost(java.time.Duration.ofSeconds(10)).until(() -> server.received.get() == 20);

        long start = System.nanoTime();
        CompletableFuture<Void> closed = CompletableFuture.runAsync(context::close);

        for (int i = 0; i < 20; i++) {
            assertThat(readToEnd(clients.get(i))).as("client %d", i).isEqualTo("done r" + i + "\n");
        }
        assertThat(readToEnd(idle)).isEmpty();
        closed.get(30, TimeUnit.SECONDS);
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start))
                .as("the drain ends when the last reply is out, not at the timeout")
                .isLessThan(8_000);
        assertThat(loops).allSatisfy(loop -> assertThat(loop.isClosed()).isTrue());
    }

    @Test
    void connectionsThatDoNotFinishAreClosedAtTheShutdownTimeout() throws Exception {
        ConfigurableApplicationContext context = run("ioloop.shutdown-timeout=500ms", "slow.ignore-drain=true");
        SlowReplyServer server = context.getBean(SlowReplyServer.class);
        IOLoop loop = context.getBean(IOLoop.class);
        int port = port(context);
        Socket a = connect(port);
        a.getOutputStream().write("x\n".getBytes(US_ASCII));
        Awaitility.await().atMost(java.time.Duration.ofSeconds(10)).until(() -> server.received.get() == 1);

        CompletableFuture<Void> closed = CompletableFuture.runAsync(context::close);

        assertThat(readToEnd(a)).as("the reply, then the close at the timeout").isEqualTo("done x\n");
        closed.get(30, TimeUnit.SECONDS);
        assertThat(loop.isClosed()).isTrue();
    }

    private static ConfigurableApplicationContext run(String... properties) {
        List<String> all = new ArrayList<>(List.of(properties));
        all.add("ioloop.loops=2");
        return new SpringApplicationBuilder(SlowApplication.class)
                .web(WebApplicationType.NONE)
                .properties(all.toArray(String[]::new))
                .run();
    }

    private static int port(ConfigurableApplicationContext context) {
        return context.getEnvironment().getRequiredProperty("local.ioloop.slow.port", Integer.class);
    }

    private Socket connect(int port) throws IOException {
        Socket c = new Socket(InetAddress.getLoopbackAddress(), port);
        clients.add(c);
        return c;
    }

    private static String readToEnd(Socket c) throws IOException {
        InputStream in = c.getInputStream();
        return new String(in.readAllBytes(), US_ASCII);
    }

    /** Only the starter and the slow server: no component scan of the other tests. */
    @Configuration(proxyBeanMethods = false)
    @EnableAutoConfiguration
    @Import(SlowReplyServer.class)
    static class SlowApplication {}
}
