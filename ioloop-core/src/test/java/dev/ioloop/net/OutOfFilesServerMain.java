package dev.ioloop.net;

import dev.ioloop.IOLoop;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Run in a child JVM by {@link NetUtilOutOfFilesTests}: an echo server on {@link NetUtil#addAcceptHandler}, whose
 * open-files limit the test lowers. Prints {@code listening on port N} once ready.
 */
public final class OutOfFilesServerMain {

    private static final Logger log = LoggerFactory.getLogger(OutOfFilesServerMain.class);

    private OutOfFilesServerMain() {}

    public static void main(String[] args) throws IOException {
        IOLoop loop = IOLoop.builder().blockedThreshold(Duration.ZERO).build();
        ServerSocketChannel server =
                NetUtil.bindSockets(0, "127.0.0.1", 16, false).get(0);
        NetUtil.addAcceptHandler(
                loop, server, (ch, remote) -> loop.addHandler(ch, OutOfFilesServerMain::echo, IOLoop.READ));
        // While no descriptor is free, no class file can be opened: load what the pause runs beforehand (a timeout,
        // a formatted log line) so that only the server's own behaviour is under test.
        loop.callLater(
                Duration.ZERO,
                () -> log.info("listening on port {}", server.socket().getLocalPort()));
        loop.start();
    }

    private static void echo(SocketChannel ch, int events) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(256);
        if (ch.read(buffer) < 0) {
            ch.close();
            return;
        }
        buffer.flip();
        ch.write(buffer); // a few bytes on loopback: the socket buffer takes them
    }
}
