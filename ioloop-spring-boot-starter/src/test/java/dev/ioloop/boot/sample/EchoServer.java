package dev.ioloop.boot.sample;

import dev.ioloop.FdHandler;
import dev.ioloop.IOLoop;
import dev.ioloop.boot.IoHandler;
import java.io.IOException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;

/** Accepts TCP clients and hands each one to an {@link EchoConnection} on the same loop. */
@IoHandler(value = "echo", listen = "tcp://127.0.0.1:${echo.port:0}")
public class EchoServer implements FdHandler<ServerSocketChannel> {

    @Override
    public void handle(ServerSocketChannel server, int events) throws IOException {
        SocketChannel client;
        while ((client = server.accept()) != null) {
            client.configureBlocking(false);
            IOLoop.current().addHandler(client, new EchoConnection(), IOLoop.READ);
        }
    }
}
