package dev.ioloop.boot.faults;

import dev.ioloop.FdHandler;
import dev.ioloop.boot.IoHandler;
import java.io.IOException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;

/**
 * A listener that, while {@link #failing} is set, throws on every event without accepting, so the pending
 * connection keeps it ready and the loop calls it again and again; otherwise it accepts and closes.
 */
@IoHandler(value = "fragile", listen = "tcp://127.0.0.1:0")
public class FragileListener implements FdHandler<ServerSocketChannel> {

    static volatile boolean failing;

    @Override
    public void handle(ServerSocketChannel server, int events) throws IOException {
        if (failing) {
            throw new IOException("fragile listener failing");
        }
        SocketChannel client;
        while ((client = server.accept()) != null) {
            client.close();
        }
    }
}
