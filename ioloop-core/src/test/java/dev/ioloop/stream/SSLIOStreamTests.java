package dev.ioloop.stream;

import static dev.ioloop.stream.ConnectedPair.ascii;
import static dev.ioloop.stream.ConnectedPair.await;
import static dev.ioloop.stream.ConnectedPair.failure;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSession;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * An {@link SSLIOStream} serving a JDK {@link javax.net.ssl.SSLSocket} client: the futures over TLS, the session,
 * and the ends of a TLS conversation ({@code close_notify} both ways, truncation).
 */
@Timeout(30)
class SSLIOStreamTests {

    @AutoClose
    private final TlsPair pair = TlsPair.open();

    private final SSLIOStream stream = pair.stream;

    SSLIOStreamTests() throws Exception {}

    @Test
    void linesAreEchoedToAnSslSocketClient() throws Exception {
        pair.run(() -> echoLines(stream));
        pair.send(ascii("hello\nworld\n"));
        assertThat(ascii(pair.receive(12))).isEqualTo("hello\nworld\n");
        assertThat(pair.loopErrors).isEmpty();
    }

    @Test
    void theSessionNamesTheNegotiatedProtocolOnceTheHandshakeIsDone() throws Exception {
        SSLSession session = pair.call(stream::session);
        assertThat(session.getProtocol()).isEqualTo(pair.peer.getSession().getProtocol());
        assertThat(session.getCipherSuite()).isEqualTo(pair.peer.getSession().getCipherSuite());
        assertThat(await(pair.call(stream::waitForHandshake))).isSameAs(stream);
    }

    @Test
    void closeSendsCloseNotifySoTheClientReadsACleanEnd() throws Exception {
        pair.run(() -> {
            stream.write(ascii("bye"));
            stream.closeGracefully(java.time.Duration.ZERO);
        });
        assertThat(ascii(pair.receiveToEnd())).isEqualTo("bye");
    }

    @Test
    void closeAfterAWriteSendsTheBytesThenCloseNotify() throws Exception {
        pair.run(() -> {
            stream.write(ascii("last words"));
            stream.close();
        });
        assertThat(ascii(pair.receiveToEnd())).isEqualTo("last words");
    }

    @Test
    void aLingeringGracefulCloseEndsCleanlyOnBothSides() throws Exception {
        CompletableFuture<Void> closed = pair.call(() -> {
            stream.write(ascii("done"));
            return stream.closeGracefully(java.time.Duration.ofSeconds(10));
        });
        assertThat(ascii(pair.receiveToEnd()))
                .as("up to the server's close_notify")
                .isEqualTo("done");
        pair.peer.close(); // the client's close_notify ends the server's lingering
        await(closed);
        assertThat(pair.call(stream::error)).isNull();
    }

    @Test
    void closeNotifyFromTheClientIsACleanEndOfInput() throws Exception {
        CompletableFuture<byte[]> rest = pair.call(stream::readUntilClose);
        pair.send(ascii("all of it"));
        pair.peer.close();
        assertThat(ascii(await(rest))).isEqualTo("all of it");
        assertThat(pair.call(stream::error)).isNull();
    }

    @Test
    void anEndWithoutCloseNotifyIsATruncationNotACleanEnd() throws Exception {
        CompletableFuture<byte[]> rest = pair.call(stream::readUntilClose);
        pair.send(ascii("cut short"));
        pair.endWithoutCloseNotify();
        Throwable failure = failure(rest);
        assertThat(failure).isInstanceOf(StreamClosedException.class).hasCauseInstanceOf(SSLException.class);
        assertThat(pair.call(stream::error)).isInstanceOf(SSLException.class).hasMessageContaining("truncated");
        assertThat(pair.loopErrors).isEmpty();
    }

    @Test
    void anEndInsideARecordIsATruncation() throws Exception {
        CompletableFuture<byte[]> rest = pair.call(stream::readUntilClose);
        pair.send(ascii("whole record"));
        pair.cutInNextWrite();
        try {
            pair.send(new byte[10_000]);
        } catch (java.io.IOException expected) {
            // the cut
        }
        assertThat(failure(rest)).isInstanceOf(StreamClosedException.class).hasCauseInstanceOf(SSLException.class);
        assertThat(pair.call(stream::error)).isInstanceOf(SSLException.class).hasMessageContaining("truncated");
    }

    private static void echoLines(IOStream s) {
        s.readUntil("\n".getBytes(StandardCharsets.US_ASCII))
                .thenCompose(s::write)
                .whenComplete((v, e) -> {
                    if (e == null) {
                        echoLines(s);
                    } else {
                        s.close();
                    }
                });
    }
}
