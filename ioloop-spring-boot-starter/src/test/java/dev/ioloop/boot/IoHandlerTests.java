package dev.ioloop.boot;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ioloop.FdHandler;
import dev.ioloop.IOLoop;
import dev.ioloop.boot.autoconfigure.IOLoopAutoConfiguration;
import dev.ioloop.boot.sample.EchoServer;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.Pipe;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/** {@code @IoHandler} beans receiving real bytes over TCP (IPv4 and IPv6), UDP, Unix sockets and a pipe. */
@Timeout(30)
class IoHandlerTests {

    private final ApplicationContextRunner runner =
            new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(IOLoopAutoConfiguration.class));

    @Test
    void tcpListenerAcceptsARealClientThatGetsItsBytesEchoed() {
        runner.withUserConfiguration(EchoServer.class).run(context -> {
            int port = context.getEnvironment().getRequiredProperty("local.ioloop.echo.port", Integer.class);
            assertThat(port).isPositive();
            try (Socket client = new Socket(InetAddress.getLoopbackAddress(), port)) {
                client.getOutputStream().write("hello, loop".getBytes(US_ASCII));
                assertThat(new String(client.getInputStream().readNBytes(11), US_ASCII))
                        .isEqualTo("hello, loop");
            }
            IoHandlerRegistration echo =
                    context.getBean(IoHandlerRegistrar.class).registrations().get(0);
            assertThat(echo.beanName()).isEqualTo("echo");
            assertThat(echo.calls()).isPositive();
        });
    }

    @Test
    void ipv6LiteralListenerAcceptsARealClient() {
        runner.withUserConfiguration(Ipv6Acceptor.class).run(context -> {
            int port = context.getEnvironment().getRequiredProperty("local.ioloop.v6.port", Integer.class);
            try (Socket client = new Socket(InetAddress.getByName("::1"), port)) {
                await().until(() -> context.getBean(Ipv6Acceptor.class).accepted.size() == 1);
            }
        });
    }

    @Test
    void udpListenerReceivesARealDatagram() {
        runner.withUserConfiguration(UdpSink.class).run(context -> {
            int port = context.getEnvironment().getRequiredProperty("local.ioloop.udp.port", Integer.class);
            byte[] bytes = "ping".getBytes(US_ASCII);
            try (DatagramSocket sender = new DatagramSocket()) {
                sender.send(new DatagramPacket(bytes, bytes.length, InetAddress.getLoopbackAddress(), port));
            }
            await().until(() -> context.getBean(UdpSink.class).received.contains("ping"));
        });
    }

    @Test
    void unixListenerAcceptsARealClientAndRemovesItsSocketFileOnClose(@TempDir Path dir) {
        Path socket = dir.resolve("unix.sock");
        runner.withUserConfiguration(UnixAcceptor.class)
                .withPropertyValues("test.socket=" + socket)
                .run(context -> {
                    assertThat(socket).exists();
                    try (SocketChannel client = SocketChannel.open(StandardProtocolFamily.UNIX)) {
                        client.connect(UnixDomainSocketAddress.of(socket));
                        await().until(() ->
                                context.getBean(UnixAcceptor.class).accepted.size() == 1);
                    }
                });
        assertThat(socket).doesNotExist();
    }

    @Test
    void channelBeanOfTheApplicationIsRegisteredButNeverClosed() throws IOException {
        Pipe pipe = Pipe.open();
        AtomicReference<IOLoop> loop = new AtomicReference<>();
        try {
            runner.withUserConfiguration(PipeReader.class)
                    .withBean(
                            "source",
                            Pipe.SourceChannel.class,
                            pipe::source,
                            // no destroy method: Spring would otherwise close an AutoCloseable bean itself
                            definition -> definition.setDestroyMethodName(""))
                    .run(context -> {
                        loop.set(context.getBean(IOLoop.class));
                        pipe.sink().write(ByteBuffer.wrap("piped".getBytes(US_ASCII)));
                        await().until(() ->
                                context.getBean(PipeReader.class).received.contains("piped"));
                        assertThat(context.getBean(IoHandlerRegistrar.class)
                                        .registrations()
                                        .get(0)
                                        .ownsChannel())
                                .isFalse();
                    });
            assertThat(loop.get().isClosed()).isTrue();
            assertThat(pipe.source().isOpen())
                    .as("the application owns its channel")
                    .isTrue();
        } finally {
            pipe.source().close();
            pipe.sink().close();
        }
    }

    @IoHandler(value = "v6", listen = "tcp://[::1]:0")
    static class Ipv6Acceptor implements FdHandler<ServerSocketChannel> {
        final List<SocketChannel> accepted = new CopyOnWriteArrayList<>();

        @Override
        public void handle(ServerSocketChannel server, int events) throws IOException {
            SocketChannel client;
            while ((client = server.accept()) != null) {
                accepted.add(client);
                client.close();
            }
        }
    }

    @IoHandler(value = "unix", listen = "unix:${test.socket}")
    static class UnixAcceptor extends Ipv6Acceptor {}

    @IoHandler(value = "udp", listen = "udp://127.0.0.1:0")
    static class UdpSink implements FdHandler<DatagramChannel> {
        final List<String> received = new CopyOnWriteArrayList<>();

        @Override
        public void handle(DatagramChannel channel, int events) throws IOException {
            ByteBuffer buffer = ByteBuffer.allocate(512);
            while (channel.receive(buffer) instanceof InetSocketAddress) {
                received.add(new String(buffer.array(), 0, buffer.position(), US_ASCII));
                buffer.clear();
            }
        }
    }

    @IoHandler(value = "pipeReader", channel = "source")
    static class PipeReader implements FdHandler<Pipe.SourceChannel> {
        final List<String> received = new CopyOnWriteArrayList<>();

        @Override
        public void handle(Pipe.SourceChannel channel, int events) throws IOException {
            ByteBuffer buffer = ByteBuffer.allocate(512);
            if (channel.read(buffer) > 0) {
                received.add(new String(buffer.array(), 0, buffer.position(), US_ASCII));
            }
        }
    }
}
