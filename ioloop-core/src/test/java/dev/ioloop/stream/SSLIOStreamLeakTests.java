package dev.ioloop.stream;

import static dev.ioloop.stream.ConnectedPair.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.ioloop.LoopThread;
import dev.ioloop.TestTls;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A thousand TLS connections, both ends {@link SSLIOStream}s, handshaken and closed, leave no file descriptor and no
 * handler behind. With an OpenSSL-based engine (the tls-conscrypt test run) this also checks that closing a stream
 * frees its engine's native state: Conscrypt holds two descriptors per engine until then.
 */
@Timeout(120)
class SSLIOStreamLeakTests {

    @AutoClose
    private final LoopThread loop = LoopThread.start();

    SSLIOStreamLeakTests() throws Exception {}

    @Test
    void aThousandTlsConnectionsHandshakenAndClosedLeaveNoFdBehind() throws Exception {
        assumeTrue(Files.isDirectory(IOStreamLeakTests.FDS), "counts descriptors in /proc/self/fd (Linux)");
        try (ServerSocketChannel listener =
                ServerSocketChannel.open().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 128)) {
            cycle(listener, 20); // warms up: classes loaded, scratch buffers allocated, the engine's library
            long before = openFds();
            for (int batch = 0; batch < 20; batch++) {
                cycle(listener, 50);
            }
            assertThat(loop.loop.handlers()).isEmpty();
            assertThat(openFds() - before)
                    .as("descriptors left behind")
                    .isLessThanOrEqualTo(IOStreamLeakTests.FD_SLACK);
        }
    }

    /**
     * Connects {@code n} TLS pairs, waits for every handshake, then closes the server ends (half of them) or the
     * client ends, and returns when every stream of both ends has run its close callback.
     */
    private void cycle(ServerSocketChannel listener, int n) throws Exception {
        List<SocketChannel> clients = new ArrayList<>();
        List<SocketChannel> accepted = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            clients.add(SocketChannel.open(listener.getLocalAddress()));
            accepted.add(listener.accept());
        }
        List<CompletableFuture<?>> handshakes = new ArrayList<>();
        List<CompletableFuture<?>> closed = new ArrayList<>();
        List<SSLIOStream> streams = loop.call(() -> {
            List<SSLIOStream> opened = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                SSLIOStream server = SSLIOStream.of(
                        loop.loop, accepted.get(i), TestTls.get().server(), true, null, StreamOptions.defaults(), null);
                SSLIOStream client = SSLIOStream.of(
                        loop.loop,
                        clients.get(i),
                        TestTls.get().client(),
                        false,
                        "localhost",
                        StreamOptions.defaults(),
                        null);
                for (SSLIOStream s : List.of(server, client)) {
                    handshakes.add(s.waitForHandshake());
                    CompletableFuture<Void> done = new CompletableFuture<>();
                    s.setCloseCallback(() -> done.complete(null));
                    s.readUntilClose(); // the peer's close_notify ends each
                    closed.add(done);
                    opened.add(s);
                }
            }
            return opened;
        });
        await(CompletableFuture.allOf(handshakes.toArray(CompletableFuture[]::new)));
        loop.call(() -> {
            for (int i = 0; i < streams.size(); i += 2) {
                streams.get(i % 4 == 0 ? i : i + 1).close();
            }
            return null;
        });
        await(CompletableFuture.allOf(closed.toArray(CompletableFuture[]::new)));
    }

    private long openFds() throws Exception {
        return IOStreamLeakTests.openFds(loop);
    }
}
