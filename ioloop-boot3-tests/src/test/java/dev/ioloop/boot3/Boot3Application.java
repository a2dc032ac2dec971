package dev.ioloop.boot3;

import dev.ioloop.boot.IoHandler;
import dev.ioloop.net.StreamHandler;
import dev.ioloop.stream.IOStream;
import java.net.SocketAddress;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/** An application on Spring Boot 3 with the starter and one {@code @IoHandler}, as a user would write it. */
@SpringBootApplication
public class Boot3Application {

    /** Closes each connection; it is never registered, since the application does not start. */
    @IoHandler(value = "closer", listen = "tcp://127.0.0.1:0")
    static class Closer implements StreamHandler {
        @Override
        public void handleStream(IOStream stream, SocketAddress remote) {
            stream.close();
        }
    }
}
