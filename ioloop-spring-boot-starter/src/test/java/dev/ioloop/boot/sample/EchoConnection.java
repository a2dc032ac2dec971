package dev.ioloop.boot.sample;

import dev.ioloop.FdHandler;
import dev.ioloop.IOLoop;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;

/** Writes back what one client sends; waits for WRITE while the client does not read fast enough. */
public class EchoConnection implements FdHandler<SocketChannel> {

    private final ByteBuffer buffer = ByteBuffer.allocate(8192);

    @Override
    public void handle(SocketChannel client, int events) throws IOException {
        IOLoop loop = IOLoop.current();
        try {
            if ((events & IOLoop.READ) != 0 && client.read(buffer) < 0) {
                close(loop, client);
                return;
            }
            buffer.flip();
            client.write(buffer);
            buffer.compact();
            loop.updateHandler(client, buffer.position() > 0 ? IOLoop.WRITE : IOLoop.READ);
        } catch (IOException e) {
            close(loop, client); // reset by the peer
        }
    }

    private static void close(IOLoop loop, SocketChannel client) throws IOException {
        loop.removeHandler(client);
        client.close();
    }
}
