package dev.ioloop.sample;

import dev.ioloop.boot.IoHandler;
import dev.ioloop.net.StreamHandler;
import dev.ioloop.stream.IOStream;
import java.net.SocketAddress;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;

/**
 * The RESP server's TLS port, as Redis's {@code tls-port}: with {@code sample.tls.port} set, the starter serves TLS on
 * it with the Spring Boot SSL bundle named by {@code sample.tls.bundle} (default {@code sample}), and hands each
 * connection, its handshake running, to the same {@link RespServer} as the plain port. Reads wait for the
 * handshake, so the connection is the same {@code DataHandler} as a plain one.
 *
 * <pre>
 * java -jar sample-app.jar --sample.tls.port=6390 \
 *   --spring.ssl.bundle.pem.sample.keystore.certificate=file:cert.pem \
 *   --spring.ssl.bundle.pem.sample.keystore.private-key=file:key.pem
 * redis-cli -p 6390 --tls --cacert cert.pem ping
 * </pre>
 */
@IoHandler(
        value = "respTls",
        listen = "tcp://${sample.bind:127.0.0.1}:${sample.tls.port}",
        sslBundle = "${sample.tls.bundle:sample}")
@ConditionalOnProperty("sample.tls.port")
public class RespTlsServer implements StreamHandler {

    private final RespServer server;

    RespTlsServer(RespServer server) {
        this.server = server;
    }

    @Override
    public void handleStream(IOStream stream, SocketAddress remote) {
        server.accept(stream);
    }
}
