package dev.ioloop.boot;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ioloop.HandlerInfo;
import dev.ioloop.IOLoop;
import dev.ioloop.boot.autoconfigure.IOLoopAutoConfiguration;
import dev.ioloop.boot.sample.EchoServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SocketChannel;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * Closing the context closes the connections the application's handlers accepted and still had on the loop:
 * once the loop is closed no handler will ever run for them again, so nobody else could close them, and their
 * clients would wait forever.
 */
@Timeout(30)
class IOLoopLifecycleCloseTests {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(IOLoopAutoConfiguration.class))
            .withUserConfiguration(EchoServer.class);

    @Test
    void connectionStillOnTheLoopWhenTheContextClosesIsClosedAndItsClientSeesTheEnd() throws IOException {
        AtomicReference<SelectableChannel> accepted = new AtomicReference<>();
        try (Socket client = new Socket()) {
            runner.run(context -> {
                IOLoop loop = context.getBean(IOLoop.class);
                int port = context.getEnvironment().getRequiredProperty("local.ioloop.echo.port", Integer.class);
                client.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
                client.setSoTimeout(10_000);
                client.getOutputStream().write("open\n".getBytes(US_ASCII));
                assertThat(new String(client.getInputStream().readNBytes(5), US_ASCII))
                        .isEqualTo("open\n");
                await().until(() -> loop.handlers().size() == 2); // the listener and the accepted connection
                List<SelectableChannel> connections = loop.handlers().stream()
                        .map(HandlerInfo::channel)
                        .filter(SocketChannel.class::isInstance)
                        .toList();
                assertThat(connections).hasSize(1);
                accepted.set(connections.get(0));
            }); // the client is still connected: the context closes under it
            assertThat(accepted.get().isOpen())
                    .as("the accepted connection after the context closed")
                    .isFalse();
            try {
                assertThat(client.getInputStream().read())
                        .as("what the client reads next")
                        .isEqualTo(-1);
            } catch (SocketTimeoutException e) {
                throw new AssertionError("the client was never told the server is gone", e);
            }
        }
    }
}
