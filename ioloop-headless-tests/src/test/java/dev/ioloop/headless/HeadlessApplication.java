package dev.ioloop.headless;

import dev.ioloop.boot.IoHandler;
import dev.ioloop.net.StreamHandler;
import dev.ioloop.stream.IOStream;
import java.net.SocketAddress;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/** A TCP server with no web server and no actuator: the starter is its only dependency. */
@SpringBootApplication
public class HeadlessApplication {

    public static void main(String[] args) {
        SpringApplication.run(HeadlessApplication.class, args);
    }

    /** Echoes each line. */
    @IoHandler(value = "echo", listen = "tcp://127.0.0.1:0")
    static class LineEcho implements StreamHandler {
        private static final byte[] EOL = {'\n'};

        @Override
        public void handleStream(IOStream stream, SocketAddress remote) {
            stream.readUntil(EOL).thenAccept(line -> {
                stream.write(line);
                handleStream(stream, remote);
            });
        }
    }
}
