package dev.ioloop.boot.actuate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ioloop.boot.actuate.IOLoopEndpoint.HandlerDescriptor;
import dev.ioloop.boot.actuate.IOLoopEndpoint.LoopDescriptor;
import dev.ioloop.boot.autoconfigure.IOLoopAutoConfiguration;
import dev.ioloop.boot.autoconfigure.IOLoopEndpointAutoConfiguration;
import dev.ioloop.boot.sample.EchoConnection;
import dev.ioloop.boot.sample.EchoServer;
import java.net.InetAddress;
import java.net.Socket;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import tools.jackson.databind.json.JsonMapper;

@Timeout(30)
class IOLoopEndpointTests {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(
                    AutoConfigurations.of(IOLoopAutoConfiguration.class, IOLoopEndpointAutoConfiguration.class))
            .withPropertyValues("management.endpoints.web.exposure.include=ioloop")
            .withUserConfiguration(EchoServer.class);

    @Test
    void showsTheLoopAndEachChannelWithItsBeanOrHandlerClass() {
        runner.run(context -> {
            IOLoopEndpoint endpoint = context.getBean(IOLoopEndpoint.class);
            int port = context.getEnvironment().getRequiredProperty("local.ioloop.echo.port", Integer.class);
            LoopDescriptor idle = endpoint.loop();
            assertThat(idle.name()).isEqualTo("ioloop");
            assertThat(idle.poller()).isEqualTo("selector");
            assertThat(idle.thread()).isEqualTo("ioloop");
            assertThat(idle.running()).isTrue();
            assertThat(idle.handlers())
                    .singleElement()
                    .isEqualTo(new HandlerDescriptor(
                            "ServerSocketChannel",
                            "/127.0.0.1:" + port,
                            null,
                            List.of("READ"),
                            "echo",
                            true,
                            true,
                            null));
            try (Socket client = new Socket(InetAddress.getLoopbackAddress(), port)) {
                await().until(() -> endpoint.loop().handlers().size() == 2);
                HandlerDescriptor connection = endpoint.loop().handlers().stream()
                        .filter(h -> h.channel().equals("SocketChannel"))
                        .findFirst()
                        .orElseThrow();
                assertThat(connection.handler()).isEqualTo(EchoConnection.class.getName());
                assertThat(connection.bean()).isFalse();
                assertThat(connection.localAddress()).isEqualTo("/127.0.0.1:" + port);
                assertThat(connection.remoteAddress()).isEqualTo("/127.0.0.1:" + client.getLocalPort());
            }
            assertThat(endpoint.loop().counters().events()).isPositive();
        });
    }

    @Test
    void serializesWithJackson3() {
        runner.run(context -> {
            String json = JsonMapper.builder()
                    .build()
                    .writeValueAsString(context.getBean(IOLoopEndpoint.class).loop());
            assertThat(json)
                    .contains(
                            "\"name\":\"ioloop\"",
                            "\"poller\":\"selector\"",
                            "\"handler\":\"echo\"",
                            "\"events\":[\"READ\"]",
                            "\"pendingCallbacks\":",
                            "\"counters\":{\"iterations\":");
        });
    }
}
