package dev.ioloop.stream;

import static dev.ioloop.stream.ConnectedPair.ascii;
import static dev.ioloop.stream.ConnectedPair.await;
import static dev.ioloop.stream.ConnectedPair.failure;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ioloop.LoopThread;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code IOStream.connect}: to a TCP listener, to a closed port, and over a Unix domain socket. */
@Timeout(30)
class IOStreamConnectTests {

    @AutoClose
    private final LoopThread loop = LoopThread.start();

    IOStreamConnectTests() throws Exception {}

    @Test
    void connectToAListeningServerCompletesOnTheLoopWithAStreamThatTalks() throws Exception {
        try (ServerSocketChannel listener =
                ServerSocketChannel.open().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            SocketAddress address = listener.getLocalAddress();
            StreamOptions options = StreamOptions.builder().maxBufferSize(4096).build();
            CompletableFuture<Thread> completedOn = new CompletableFuture<>();
            CompletableFuture<IOStream> connecting = loop.call(() -> {
                CompletableFuture<IOStream> f = IOStream.connect(loop.loop, address, options);
                f.whenComplete((s, e) -> completedOn.complete(Thread.currentThread()));
                return f;
            });
            try (SocketChannel server = listener.accept()) {
                // Waiting on the connect future itself would let this thread run its dependents: wait on one.
                assertThat(await(completedOn)).isSameAs(loop.thread);
                IOStream client = await(connecting);
                assertThat(client.remoteAddress()).isEqualTo(address);
                assertThat(loop.call(client::options)).isEqualTo(options);
                assertThat(loop.call(client::channel)).isInstanceOf(SocketChannel.class);
                talk(client, server);
                loop.call(() -> {
                    client.close();
                    return null;
                });
            }
        }
    }

    @Test
    void ofWrapsAConnectingChannelAndSendsEarlierWritesOnceConnected() throws Exception {
        try (ServerSocketChannel listener =
                        ServerSocketChannel.open().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
                SocketChannel connecting = SocketChannel.open()) {
            connecting.configureBlocking(false);
            connecting.connect(listener.getLocalAddress());
            IOStream client = loop.call(() -> IOStream.of(loop.loop, connecting));
            CompletableFuture<Void> written = loop.call(() -> client.write(ascii("hello\n")));
            CompletableFuture<byte[]> reply = loop.call(() -> client.readUntil(ascii("\n")));
            try (SocketChannel server = listener.accept()) {
                ByteBuffer request = ByteBuffer.allocate(6);
                while (request.hasRemaining()) {
                    assertThat(server.read(request)).isNotNegative();
                }
                assertThat(ascii(request.array())).isEqualTo("hello\n");
                await(written);
                server.write(ByteBuffer.wrap(ascii("world\n")));
                assertThat(ascii(await(reply))).isEqualTo("world\n");
                assertThat(client.remoteAddress()).isEqualTo(listener.getLocalAddress());
                loop.call(() -> {
                    client.close();
                    return null;
                });
            }
        }
    }

    @Test
    void connectToAClosedPortFailsWithStreamClosedExceptionCausedByConnectException() throws Exception {
        SocketAddress refusing;
        try (ServerSocketChannel closed =
                ServerSocketChannel.open().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            refusing = closed.getLocalAddress();
        }
        Throwable failure = failure(loop.call(() -> IOStream.connect(loop.loop, refusing)));
        assertThat(failure).isInstanceOf(StreamClosedException.class);
        assertThat(failure.getCause()).isInstanceOf(ConnectException.class);
        loop.call(() -> null);
        assertThat(loop.loop.handlers()).as("nothing left registered").isEmpty();
    }

    @Test
    void connectOverAUnixDomainSocket(@TempDir Path dir) throws Exception {
        UnixDomainSocketAddress address = UnixDomainSocketAddress.of(dir.resolve("stream.sock"));
        try (ServerSocketChannel listener =
                ServerSocketChannel.open(StandardProtocolFamily.UNIX).bind(address)) {
            CompletableFuture<IOStream> connecting = loop.call(() -> IOStream.connect(loop.loop, address));
            try (SocketChannel server = listener.accept()) {
                IOStream client = await(connecting);
                assertThat(client.remoteAddress()).isEqualTo(address);
                loop.call(() -> {
                    client.setNoDelay(true);
                    return null;
                });
                talk(client, server);
                loop.call(() -> {
                    client.close();
                    return null;
                });
                assertThat(server.read(ByteBuffer.allocate(1)))
                        .as("EOF after close")
                        .isEqualTo(-1);
            }
        }
    }

    /** A line each way between {@code client} and the blocking {@code server} end. */
    private void talk(IOStream client, SocketChannel server) throws Exception {
        CompletableFuture<List<Object>> exchange = loop.call(() -> client.write(ascii("hello\n"))
                .thenCompose(v -> client.readUntil(ascii("\n")))
                .thenApply(reply -> List.of(ascii(reply))));
        ByteBuffer request = ByteBuffer.allocate(6);
        while (request.hasRemaining()) {
            assertThat(server.read(request)).isNotNegative();
        }
        assertThat(ascii(request.array())).isEqualTo("hello\n");
        server.write(ByteBuffer.wrap(ascii("world\n")));
        assertThat(await(exchange)).containsExactly("world\n");
    }
}
