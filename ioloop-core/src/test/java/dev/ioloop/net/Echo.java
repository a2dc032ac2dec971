package dev.ioloop.net;

import dev.ioloop.stream.IOStream;
import java.net.SocketAddress;

/** A line echo server's handler: writes each line back, closes the stream when the client goes. */
final class Echo implements StreamHandler {

    private static final byte[] NEWLINE = {'\n'};

    @Override
    public void handleStream(IOStream stream, SocketAddress remote) {
        echo(stream);
    }

    static void echo(IOStream stream) {
        stream.readUntil(NEWLINE).thenCompose(stream::write).whenComplete((v, error) -> {
            if (error == null) {
                echo(stream);
            } else {
                stream.close();
            }
        });
    }
}
