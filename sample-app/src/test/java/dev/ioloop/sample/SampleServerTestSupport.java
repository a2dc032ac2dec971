package dev.ioloop.sample;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;
import redis.clients.jedis.Jedis;

/**
 * Starts the real sample app once (the context is cached across test classes): RESP on an ephemeral port,
 * actuator on another. Each test gets a fresh Jedis client and an empty keyspace.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = "sample.port=0")
abstract class SampleServerTestSupport {

    @Value("${local.ioloop.resp.port}")
    int respPort;

    @Value("${local.server.port}")
    int httpPort;

    Jedis jedis;

    @BeforeEach
    void connect() {
        jedis = newClient();
        jedis.flushAll();
    }

    @AfterEach
    void disconnect() {
        jedis.close();
    }

    Jedis newClient() {
        return new Jedis("127.0.0.1", respPort, 10_000);
    }

    Socket rawSocket() throws IOException {
        Socket socket = new Socket(InetAddress.getLoopbackAddress(), respPort);
        socket.setSoTimeout(10_000);
        return socket;
    }

    /** Reads until the server closes the connection (or 10 s pass), returning everything it sent. */
    static String readUntilClosed(Socket socket) throws IOException {
        InputStream in = socket.getInputStream();
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        byte[] buf = new byte[8192];
        try {
            int n;
            while ((n = in.read(buf)) >= 0) {
                all.write(buf, 0, n);
            }
        } catch (SocketTimeoutException e) {
            throw new AssertionError(
                    "server did not close the connection; got: " + all.toString(StandardCharsets.ISO_8859_1), e);
        } catch (IOException e) {
            // a reset after the reply is also a close
        }
        return all.toString(StandardCharsets.ISO_8859_1);
    }

    /** Reads until the server closes (EOF or reset), returning how many bytes came. */
    static long drainToEndOfStream(Socket socket) throws IOException {
        byte[] buf = new byte[65536];
        long total = 0;
        try {
            int n;
            while ((n = socket.getInputStream().read(buf)) >= 0) {
                total += n;
            }
        } catch (SocketException e) {
            // reset: the server closed with our requests unread
        }
        return total;
    }

    /** Reads exactly {@code n} bytes of reply. */
    static String read(Socket socket, int n) throws IOException {
        return new String(socket.getInputStream().readNBytes(n), StandardCharsets.ISO_8859_1);
    }

    static void send(Socket socket, String s) throws IOException {
        socket.getOutputStream().write(s.getBytes(StandardCharsets.ISO_8859_1));
        socket.getOutputStream().flush();
    }
}
