package dev.ioloop;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The seed's Tornado accept-loop example, ported as in IOLoop's Javadoc, serving real clients. */
@Timeout(30)
class AcceptLoopExampleTests {

    @Test
    void acceptLoopServesManyClientsOnOneThread() throws Exception {
        ServerSocketChannel server = ServerSocketChannel.open();
        server.setOption(StandardSocketOptions.SO_REUSEADDR, true);
        server.configureBlocking(false);
        server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 128);
        IOLoop loop = TestLoops.unwatched().build();
        loop.addHandler(
                server,
                (ch, events) -> {
                    SocketChannel connection;
                    while ((connection = ch.accept()) != null) {
                        connection.configureBlocking(false);
                        handleConnection(loop, connection);
                    }
                },
                IOLoop.READ);
        int port = server.socket().getLocalPort();
        try (LoopThread running = LoopThread.start(loop)) {
            for (int i = 0; i < 20; i++) {
                try (Socket client = new Socket(InetAddress.getLoopbackAddress(), port)) {
                    OutputStream out = client.getOutputStream();
                    out.write(("hello " + i + "\n").getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                    InputStream in = client.getInputStream();
                    byte[] reply = in.readNBytes(("hello " + i + "\n").length());
                    assertThat(new String(reply, StandardCharsets.US_ASCII)).isEqualTo("hello " + i + "\n");
                }
            }
        }
        assertThat(server.isOpen())
                .as("close(true) closed the registered server")
                .isFalse();
    }

    /** An echo connection: read what is there, write it back, close on EOF. */
    private static void handleConnection(IOLoop loop, SocketChannel connection) {
        ByteBuffer buffer = ByteBuffer.allocate(1024);
        loop.addHandler(
                connection,
                (ch, events) -> {
                    int n = ch.read(buffer);
                    if (n < 0) {
                        loop.removeHandler(ch);
                        ch.close();
                        return;
                    }
                    buffer.flip();
                    ch.write(buffer); // a few bytes on loopback: always fits the socket buffer
                    buffer.compact();
                },
                IOLoop.READ);
    }
}
