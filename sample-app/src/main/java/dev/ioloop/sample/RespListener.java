package dev.ioloop.sample;

import dev.ioloop.boot.IoHandler;
import dev.ioloop.net.StreamHandler;
import dev.ioloop.stream.IOStream;
import java.net.SocketAddress;

/**
 * The RESP port: the starter runs a {@code TCPServer} on {@code sample.bind}:{@code sample.port} and hands each
 * connection, as an {@link IOStream} on the loop that serves it for its whole life, to the {@link RespServer}. With
 * {@code sample.loops} above 1 the connections spread over the loops round-robin. Accepting, the pause when out of
 * file descriptors and the drain on shutdown are the server's.
 */
@IoHandler(value = "resp", listen = "tcp://${sample.bind:127.0.0.1}:${sample.port:6380}", backlog = 511)
public class RespListener implements StreamHandler {

    private final RespServer server;

    RespListener(RespServer server) {
        this.server = server;
    }

    @Override
    public void handleStream(IOStream stream, SocketAddress remote) {
        server.accept(stream);
    }
}
