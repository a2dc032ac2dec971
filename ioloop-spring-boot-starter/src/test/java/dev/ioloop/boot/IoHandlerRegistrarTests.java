package dev.ioloop.boot;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ioloop.FdHandler;
import dev.ioloop.IOLoop;
import dev.ioloop.boot.autoconfigure.IOLoopAutoConfiguration;
import dev.ioloop.net.StreamHandler;
import dev.ioloop.stream.IOStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.SocketAddress;
import java.nio.channels.SelectableChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Every {@code @IoHandler} mistake fails startup with a message and an analysis naming the bean. */
@Timeout(30)
class IoHandlerRegistrarTests {

    private final ApplicationContextRunner runner =
            new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(IOLoopAutoConfiguration.class));

    @Test
    void neitherListenNorChannelFails() {
        runner.withUserConfiguration(Neither.class).run(context -> {
            assertFailure(context, "neither", "neither listen nor channel is set");
            assertThat(analysis(context).getAction()).contains("Set exactly one of listen");
        });
    }

    @Test
    void bothListenAndChannelFail() {
        runner.withUserConfiguration(Both.class)
                .run(context -> assertFailure(context, "both", "both listen and channel are set"));
    }

    @Test
    void beanThatIsNeitherAnFdHandlerNorAStreamHandlerFails() {
        runner.withUserConfiguration(NotAHandler.class).run(context -> {
            assertFailure(
                    context,
                    "plain",
                    NotAHandler.class.getName()
                            + " implements neither dev.ioloop.FdHandler nor dev.ioloop.net.StreamHandler");
            assertThat(analysis(context).getAction())
                    .contains("implement FdHandler")
                    .contains("StreamHandler");
        });
    }

    @Test
    void beanThatIsBothAnFdHandlerAndAStreamHandlerFails() {
        runner.withUserConfiguration(BothKinds.class)
                .run(context -> assertFailure(
                        context,
                        "twoFaced",
                        BothKinds.class.getName()
                                + " implements both dev.ioloop.FdHandler and dev.ioloop.net.StreamHandler"));
    }

    @Test
    void streamHandlerOnADatagramChannelFails() {
        runner.withUserConfiguration(DatagramStreams.class)
                .run(context -> assertFailure(
                        context,
                        "datagrams",
                        "a StreamHandler needs a listening TCP or Unix socket, but its channel is a "));
    }

    @Test
    void missingChannelBeanFails() {
        runner.withUserConfiguration(MissingChannel.class)
                .run(context -> assertFailure(context, "orphan", "channel bean 'nowhere' does not exist"));
    }

    @Test
    void channelBeanThatIsNoSelectableChannelFails() {
        runner.withUserConfiguration(WrongChannel.class, NotAChannel.class)
                .run(context ->
                        assertFailure(context, "wrongChannel", "channel bean 'text' is a java.lang.String, not a"));
    }

    @Test
    void unknownSchemeFailsWithTheAllowedOnes() {
        runner.withUserConfiguration(BadScheme.class).run(context -> {
            assertFailure(
                    context,
                    "ftp",
                    "listen URI 'ftp://127.0.0.1:0' has an unknown scheme 'ftp' "
                            + "(use tcp://host:port, udp://host:port or unix:/path)");
            assertThat(analysis(context).getAction()).contains("tcp://host:port, udp://host:port or unix:/path");
        });
    }

    @Test
    void portInUseFailsAndNamesTheAddress() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            runner.withUserConfiguration(Taken.class)
                    .withPropertyValues("taken.port=" + taken.getLocalPort())
                    .run(context -> {
                        assertFailure(context, "taken", "cannot listen on tcp://127.0.0.1:" + taken.getLocalPort());
                        assertThat(analysis(context).getAction()).contains("port 0 picks a free port");
                    });
        }
    }

    @Test
    void unresolvablePlaceholderFails() {
        runner.withUserConfiguration(Taken.class)
                .run(context ->
                        assertFailure(context, "taken", "cannot resolve listen 'tcp://127.0.0.1:${taken.port}'"));
    }

    @Test
    void handlerOfAnotherChannelTypeFailsAndTheChannelIsClosedAgain(@TempDir Path dir) {
        Path socket = dir.resolve("wrong.sock");
        runner.withUserConfiguration(WrongType.class)
                .withPropertyValues("socket=" + socket)
                .run(context -> assertFailure(
                        context, "wrongType", "it handles java.nio.channels.SocketChannel but its channel is a"));
        assertThat(socket).doesNotExist();
    }

    @Test
    void eventsTheChannelCannotSupportFail() {
        runner.withUserConfiguration(WriteAcceptor.class)
                .run(context ->
                        assertFailure(context, "writeAcceptor", "cannot register sun.nio.ch.ServerSocketChannelImpl"));
    }

    @Test
    void failedStartupClosesWhatItOpenedAndLeavesNoInstance(@TempDir Path dir) {
        Path socket = dir.resolve("acceptor.sock");
        runner.withUserConfiguration(Acceptor.class, Neither.class)
                .withPropertyValues("socket=" + socket)
                .run(context -> {
                    assertThat(context).hasFailed();
                    assertThat(ioHandlerException(context.getStartupFailure()).beanName())
                            .isEqualTo("neither");
                });
        assertThat(socket)
                .as("the acceptor's socket, opened before the failure, is closed")
                .doesNotExist();
        assertThat(IOLoop.initialized()).isFalse();
    }

    private static void assertFailure(AssertableApplicationContext context, String beanName, String problem) {
        assertThat(context).hasFailed();
        IoHandlerException failure = ioHandlerException(context.getStartupFailure());
        assertThat(failure.beanName()).isEqualTo(beanName);
        assertThat(failure.getMessage())
                .startsWith("@IoHandler bean '" + beanName + "': ")
                .contains(problem);
        FailureAnalysis analysis = analysis(context);
        assertThat(analysis.getDescription()).contains("'" + beanName + "'").contains(problem);
        assertThat(analysis.getAction()).contains("bean '" + beanName + "'");
        assertThat(IOLoop.initialized()).isFalse();
    }

    private static IoHandlerException ioHandlerException(Throwable failure) {
        Throwable t = failure;
        while (t != null && !(t instanceof IoHandlerException)) {
            t = t.getCause();
        }
        assertThat(t).as("IoHandlerException in the cause chain of %s", failure).isNotNull();
        return (IoHandlerException) t;
    }

    private static FailureAnalysis analysis(AssertableApplicationContext context) {
        FailureAnalysis analysis = new IoHandlerFailureAnalyzer().analyze(context.getStartupFailure());
        assertThat(analysis).isNotNull();
        return analysis;
    }

    @IoHandler("neither")
    static class Neither implements FdHandler<SelectableChannel> {
        @Override
        public void handle(SelectableChannel channel, int events) {}
    }

    @IoHandler(value = "both", listen = "tcp://127.0.0.1:0", channel = "pipe")
    static class Both extends Neither {}

    @IoHandler(value = "plain", listen = "tcp://127.0.0.1:0")
    static class NotAHandler {}

    @IoHandler(value = "twoFaced", listen = "tcp://127.0.0.1:0")
    static class BothKinds extends Neither implements StreamHandler {
        @Override
        public void handleStream(IOStream stream, SocketAddress remote) {}
    }

    @IoHandler(value = "datagrams", listen = "udp://127.0.0.1:0")
    static class DatagramStreams implements StreamHandler {
        @Override
        public void handleStream(IOStream stream, SocketAddress remote) {}
    }

    @IoHandler(value = "orphan", channel = "nowhere")
    static class MissingChannel extends Neither {}

    @IoHandler(value = "wrongChannel", channel = "text")
    static class WrongChannel extends Neither {}

    @Configuration(proxyBeanMethods = false)
    static class NotAChannel {
        @Bean
        String text() {
            return "not a channel";
        }
    }

    @IoHandler(value = "ftp", listen = "ftp://127.0.0.1:0")
    static class BadScheme extends Neither {}

    @IoHandler(value = "taken", listen = "tcp://127.0.0.1:${taken.port}")
    static class Taken extends Neither {}

    @IoHandler(value = "wrongType", listen = "unix:${socket}")
    static class WrongType implements FdHandler<SocketChannel> {
        @Override
        public void handle(SocketChannel channel, int events) {}
    }

    @IoHandler(value = "writeAcceptor", listen = "tcp://127.0.0.1:0", events = IOLoop.WRITE)
    static class WriteAcceptor extends Acceptor {}

    @IoHandler(value = "acceptor", listen = "unix:${socket}")
    static class Acceptor implements FdHandler<ServerSocketChannel> {
        @Override
        public void handle(ServerSocketChannel channel, int events) {}
    }
}
