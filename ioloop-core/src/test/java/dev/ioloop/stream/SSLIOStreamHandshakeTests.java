package dev.ioloop.stream;

import static dev.ioloop.stream.ConnectedPair.ascii;
import static dev.ioloop.stream.ConnectedPair.await;
import static dev.ioloop.stream.ConnectedPair.failure;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ioloop.LoopThread;
import dev.ioloop.TestTls;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The handshake of {@link SSLIOStream}s made over both ends of one loopback connection on one loop: what waits for
 * it, what ends it early, and {@link SSLIOStream#waitForHandshake()}.
 */
@Timeout(30)
class SSLIOStreamHandshakeTests {

    private static final byte[] NEWLINE = {'\n'};

    private final LoopThread loop = LoopThread.start();
    private final TestTls tls = TestTls.get();
    private final ServerSocketChannel listener =
            ServerSocketChannel.open().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    private final SocketChannel clientChannel = SocketChannel.open(listener.getLocalAddress());
    private final SocketChannel serverChannel = listener.accept();

    SSLIOStreamHandshakeTests() throws Exception {}

    @AfterEach
    void close() throws Exception {
        loop.close();
        listener.close();
        clientChannel.close();
        serverChannel.close();
    }

    @Test
    void writesIssuedBeforeTheHandshakeAreSentAfterItAndReadsWaitForIt() throws Exception {
        // One loop runs both ends: the client's last flight and its first record reach the server in one read.
        CompletableFuture<byte[]> received = new CompletableFuture<>();
        CompletableFuture<byte[]> echoed = loop.call(() -> {
            SSLIOStream server = server(StreamOptions.defaults());
            SSLIOStream client = client("localhost");
            server.readUntil(NEWLINE).thenCompose(line -> {
                received.complete(line);
                return server.write(line);
            });
            client.write(ascii("early\n"));
            assertThat(client.isWriting())
                    .as("queued until the handshake is done")
                    .isTrue();
            return client.readUntil(NEWLINE);
        });
        assertThat(ascii(await(received))).isEqualTo("early\n");
        assertThat(ascii(await(echoed))).isEqualTo("early\n");
    }

    @Test
    void aHandshakeThatDoesNotFinishInTimeClosesTheStream() throws Exception {
        StreamOptions quick =
                StreamOptions.builder().handshakeTimeout(Duration.ofMillis(200)).build();
        // The peer is a plain socket that never says anything.
        SSLIOStream server = loop.call(() -> server(quick));
        CompletableFuture<SSLIOStream> handshake = loop.call(server::waitForHandshake);
        Throwable failure = failure(handshake);
        assertThat(failure).isInstanceOf(StreamClosedException.class).hasCauseInstanceOf(SSLHandshakeException.class);
        assertThat(failure.getCause()).hasMessageContaining("200 ms");
        assertThat(server.isClosed()).isTrue();
        // The server's goodbye (an alert), then its end of stream.
        clientChannel.socket().setSoTimeout(10_000);
        assertThat(clientChannel.socket().getInputStream().readAllBytes()).hasSizeLessThan(100);
    }

    @Test
    void aPeerThatClosesDuringTheHandshakeFailsItWithAHandshakeException() throws Exception {
        SSLIOStream server = loop.call(() -> server(StreamOptions.defaults()));
        CompletableFuture<byte[]> read = loop.call(() -> server.readBytes(1));
        clientChannel.close();
        Throwable failure = failure(read);
        assertThat(failure).isInstanceOf(StreamClosedException.class).hasCauseInstanceOf(SSLHandshakeException.class);
        assertThat(failure(loop.call(server::waitForHandshake))).hasCauseInstanceOf(SSLHandshakeException.class);
    }

    @Test
    void waitForHandshakeGivesANewFutureEachTimeNeverCompletedInsideTheCall() throws Exception {
        CompletableFuture<SSLIOStream> first = new CompletableFuture<>();
        CompletableFuture<SSLIOStream> second = loop.call(() -> {
            SSLIOStream server = server(StreamOptions.defaults());
            client("localhost");
            CompletableFuture<SSLIOStream> a = server.waitForHandshake();
            CompletableFuture<SSLIOStream> b = server.waitForHandshake();
            assertThat(a).isNotSameAs(b);
            assertThat(server.session().getCipherSuite())
                    .as("before the handshake")
                    .isEqualTo("SSL_NULL_WITH_NULL_NULL");
            a.whenComplete((s, e) -> first.complete(s));
            return b;
        });
        SSLIOStream server = await(second);
        assertThat(await(first)).isSameAs(server);
        CompletableFuture<SSLIOStream> after = loop.call(() -> {
            CompletableFuture<SSLIOStream> f = server.waitForHandshake();
            assertThat(f).as("completed inside the call").isNotDone();
            return f;
        });
        assertThat(await(after)).isSameAs(server);
    }

    @Test
    void closingBeforeTheHandshakeFailsItsWaitersWithoutACause() throws Exception {
        CompletableFuture<SSLIOStream> handshake = loop.call(() -> {
            SSLIOStream server = server(StreamOptions.defaults());
            CompletableFuture<SSLIOStream> f = server.waitForHandshake();
            server.close();
            return f;
        });
        assertThat(failure(handshake)).isInstanceOf(StreamClosedException.class).hasNoCause();
    }

    private SSLIOStream server(StreamOptions options) {
        return SSLIOStream.of(loop.loop, serverChannel, tls.server(), true, null, options, null);
    }

    private SSLIOStream client(String hostname) {
        return SSLIOStream.of(loop.loop, clientChannel, tls.client(), false, hostname, StreamOptions.defaults(), null);
    }
}
