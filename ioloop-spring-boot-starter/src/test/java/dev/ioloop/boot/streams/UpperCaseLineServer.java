package dev.ioloop.boot.streams;

import static java.nio.charset.StandardCharsets.UTF_8;

import dev.ioloop.boot.IoHandler;
import dev.ioloop.net.StreamHandler;
import dev.ioloop.stream.IOStream;
import java.net.SocketAddress;
import java.util.Locale;

/**
 * Answers each line with the line upper-cased. A {@link StreamHandler} bean: the starter runs a {@code TCPServer} on
 * its {@code listen} address and hands it every connection as an {@link IOStream}.
 */
@IoHandler(value = "upper", listen = "tcp://127.0.0.1:0")
public class UpperCaseLineServer implements StreamHandler {

    private static final byte[] EOL = {'\n'};

    @Override
    public void handleStream(IOStream stream, SocketAddress remote) {
        stream.readUntil(EOL).thenAccept(line -> {
            stream.write(new String(line, UTF_8).toUpperCase(Locale.ROOT).getBytes(UTF_8));
            handleStream(stream, remote);
        });
    }
}
