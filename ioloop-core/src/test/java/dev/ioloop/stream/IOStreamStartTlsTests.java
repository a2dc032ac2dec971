package dev.ioloop.stream;

import static dev.ioloop.stream.ConnectedPair.ascii;
import static dev.ioloop.stream.ConnectedPair.await;
import static dev.ioloop.stream.ConnectedPair.failure;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ioloop.LoopThread;
import dev.ioloop.TestTls;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.Pipe;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.concurrent.CompletableFuture;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link IOStream#startTls} on both ends of one loopback connection, both on one loop: a plaintext exchange, then
 * TLS over the same sockets; and the calls it refuses.
 */
@Timeout(30)
class IOStreamStartTlsTests {

    private static final byte[] NEWLINE = {'\n'};

    private final LoopThread loop = LoopThread.start();
    private final ServerSocketChannel listener =
            ServerSocketChannel.open().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    private final SocketChannel clientChannel = SocketChannel.open(listener.getLocalAddress());
    private final SocketChannel serverChannel = listener.accept();
    private final IOStream client = loop.call(() -> IOStream.of(loop.loop, clientChannel));
    private final IOStream server = loop.call(() -> IOStream.of(loop.loop, serverChannel));
    private final TestTls tls = TestTls.get();

    IOStreamStartTlsTests() throws Exception {}

    @AfterEach
    void close() throws Exception {
        loop.close();
        listener.close();
        clientChannel.close();
        serverChannel.close();
    }

    @Test
    void bothEndsSwitchToTlsAfterAPlaintextExchangeAndTheCloseCallbackMoves() throws Exception {
        CompletableFuture<Void> clientClosed = new CompletableFuture<>();
        CompletableFuture<Void> serverCloseFuture = loop.call(server::closeFuture);
        CompletableFuture<SSLIOStream> serverTls = loop.call(() -> server.readUntil(NEWLINE)
                .thenCompose(command -> server.write(ascii("GO\n")))
                .thenCompose(v -> server.startTls(tls.server(), true, null)));
        CompletableFuture<SSLIOStream> clientTls = loop.call(() -> {
            client.write(ascii("STARTTLS\n"));
            return client.readUntil(NEWLINE).thenCompose(go -> {
                client.setCloseCallback(() -> clientClosed.complete(null));
                return client.startTls(tls.client(), false, "localhost");
            });
        });
        SSLIOStream c = await(clientTls);
        SSLIOStream s = await(serverTls);

        CompletableFuture<byte[]> secret = loop.call(() -> {
            c.write(ascii("secret\n"));
            return s.readUntil(NEWLINE);
        });
        assertThat(ascii(await(secret))).isEqualTo("secret\n");
        loop.call(() -> {
            assertThat(c.session().getProtocol()).isEqualTo(s.session().getProtocol());
            assertThat(client.isClosed()).as("the plain stream, handed over").isTrue();
            assertThat(c.isClosed()).isFalse();
            return null;
        });
        assertThat(failure(loop.call(() -> client.write(ascii("plain"))))).isInstanceOf(StreamClosedException.class);
        assertThat(clientClosed)
                .as("the plain stream's close callback, before the TLS stream closes")
                .isNotDone();
        assertThat(serverCloseFuture)
                .as("the plain stream's close future, before the TLS stream closes")
                .isNotDone();
        loop.call(() -> {
            c.close();
            return null;
        });
        await(clientClosed);
        loop.call(() -> {
            server.drain(); // reaches the TLS stream it handed the connection to: a graceful close
            assertThat(s.isDraining()).isTrue();
            return null;
        });
        await(serverCloseFuture);
        assertThat(loop.call(s::isClosed)).isTrue();
    }

    @Test
    void aClientCheckingAnotherHostNameFailsTheHandshakeOnBothEnds() throws Exception {
        CompletableFuture<SSLIOStream> serverTls = loop.call(() -> server.startTls(tls.server(), true, null));
        CompletableFuture<SSLIOStream> clientTls =
                loop.call(() -> client.startTls(tls.client(), false, "not-localhost.example"));
        assertThat(failure(clientTls))
                .isInstanceOf(StreamClosedException.class)
                .hasCauseInstanceOf(SSLHandshakeException.class);
        assertThat(failure(serverTls)).isInstanceOf(StreamClosedException.class);
    }

    @Test
    void aClientThatDoesNotTrustTheCertificateFailsTheHandshake() throws Exception {
        CompletableFuture<SSLIOStream> serverTls = loop.call(() -> server.startTls(tls.untrustedServer(), true, null));
        CompletableFuture<SSLIOStream> clientTls = loop.call(() -> client.startTls(tls.client(), false, null));
        assertThat(failure(clientTls)).isInstanceOf(StreamClosedException.class).hasCauseInstanceOf(SSLException.class);
        assertThat(failure(serverTls)).isInstanceOf(StreamClosedException.class);
    }

    @Test
    void startTlsIsRefusedWhileReadingWritingOrWithInputBufferedAndChangesNothing() throws Exception {
        SSLContext context = tls.server();
        CompletableFuture<byte[]> first = loop.call(() -> {
            CompletableFuture<byte[]> pending = server.readBytes(1);
            assertThatThrownBy(() -> server.startTls(context, true, null))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("while reading");
            client.write(ascii("ab")); // one segment: the read takes "a" and "b" stays buffered
            return pending;
        });
        assertThat(ascii(await(first))).isEqualTo("a");
        loop.call(() -> {
            assertThatThrownBy(() -> server.startTls(context, true, null))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("1 unread bytes buffered");
            client.output().putAscii("queued, not flushed");
            assertThatThrownBy(() -> client.startTls(context, false, null))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("while writing");
            assertThat(server.isClosed()).isFalse();
            assertThat(client.isClosed()).isFalse();
            return null;
        });
        assertThat(ascii(await(loop.call(() -> server.readBytes(1))))).isEqualTo("b");
    }

    @Test
    void startTlsOnAStreamHandedOverAlreadyFailsItsFuture() throws Exception {
        CompletableFuture<SSLIOStream> first = loop.call(() -> server.startTls(tls.server(), true, null));
        CompletableFuture<SSLIOStream> second = loop.call(() -> server.startTls(tls.server(), true, null));
        assertThat(failure(second)).isInstanceOf(StreamClosedException.class);
        loop.call(() -> client.startTls(tls.client(), false, "localhost"));
        assertThat(await(first).isClosed()).isFalse();
        SSLIOStream tlsStream = await(first);
        loop.call(() -> {
            assertThatThrownBy(() -> tlsStream.startTls(tls.server(), true, null))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("TLS already");
            return null;
        });
    }

    @Test
    void startTlsOnAPipeIsRefused() throws Exception {
        Pipe pipe = Pipe.open();
        try {
            loop.call(() -> {
                IOStream source = IOStream.of(loop.loop, pipe.source());
                assertThatThrownBy(() -> source.startTls(tls.server(), true, null))
                        .isInstanceOf(IllegalStateException.class)
                        .hasMessageContaining("connected socket");
                source.close();
                return null;
            });
        } finally {
            pipe.sink().close();
            pipe.source().close();
        }
    }
}
