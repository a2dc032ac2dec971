package dev.ioloop.sample;

import dev.ioloop.FdHandler;
import dev.ioloop.boot.IoHandler;
import java.io.IOException;
import java.net.StandardSocketOptions;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;

/**
 * The listening socket: the seed's accept loop. Accepts until {@code accept()} returns {@code null} and hands
 * each connection to the {@link RespServer}, on the same loop. When {@code accept()} fails (out of file
 * descriptors), accepting pauses for {@link RespServer#ACCEPT_PAUSE} instead of failing on every iteration.
 */
@IoHandler(value = "respAcceptor", listen = "tcp://${sample.bind:127.0.0.1}:${sample.port:6380}", backlog = 511)
public class RespAcceptor implements FdHandler<ServerSocketChannel> {

    private final RespServer server;

    RespAcceptor(RespServer server) {
        this.server = server;
    }

    @Override
    public void handle(ServerSocketChannel channel, int events) throws IOException {
        SocketChannel connection;
        while (true) {
            try {
                connection = channel.accept();
            } catch (ClosedChannelException e) {
                throw e;
            } catch (IOException e) {
                // Typically "Too many open files". Level-triggered, the pending connection would make the loop
                // call us again at once, forever: stop watching the socket for a while instead (like Netty).
                server.acceptPaused(channel, e);
                return;
            }
            if (connection == null) {
                return;
            }
            if (server.isDraining()) {
                connection.close(); // shutting down: the starter takes this channel off the loop next
                continue;
            }
            try {
                connection.configureBlocking(false);
                connection.setOption(StandardSocketOptions.TCP_NODELAY, true);
                server.accept(connection);
            } catch (IOException | RuntimeException e) {
                // Costs only this client; the acceptor goes on.
                connection.close();
                server.acceptFailed(connection, e);
            }
        }
    }
}
