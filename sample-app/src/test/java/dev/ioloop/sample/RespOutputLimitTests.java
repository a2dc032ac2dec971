package dev.ioloop.sample;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;
import redis.clients.jedis.Jedis;

/** A client that sends but never reads is disconnected once its pending replies pass the limit. */
@SpringBootTest(properties = {"sample.port=0", "sample.client-output-buffer-limit=1MB", "server.port=0"})
@Timeout(60)
class RespOutputLimitTests {

    @Value("${local.ioloop.resp.port}")
    int respPort;

    @Test
    void clientThatDoesNotReadIsDisconnectedAndOthersAreNot() throws Exception {
        try (Jedis other = new Jedis("127.0.0.1", respPort, 10_000)) {
            other.set("big", "x".repeat(100_000));
            byte[] request = "*2\r\n$3\r\nGET\r\n$3\r\nbig\r\n".getBytes(StandardCharsets.US_ASCII);
            boolean disconnected = false;
            try (Socket greedy = new Socket(InetAddress.getLoopbackAddress(), respPort)) {
                greedy.setSoTimeout(10_000);
                // Up to 1 GB of replies requested, never read: socket buffers fill, then the server's buffer.
                for (int i = 0; i < 10_000 && !disconnected; i++) {
                    try {
                        greedy.getOutputStream().write(request);
                    } catch (SocketException e) {
                        disconnected = true;
                    }
                }
                if (!disconnected) {
                    disconnected = drainsToEof(greedy);
                }
            }
            assertThat(disconnected).isTrue();
            assertThat(other.get("big")).hasSize(100_000);
            assertThat(other.info("ioloop")).contains("clients_closed_for_output_limit:1");
        }
    }

    /** Whether the server closed (EOF or reset) before all 10,000 replies (1 GB) arrived. */
    private static boolean drainsToEof(Socket socket) throws IOException {
        return SampleServerTestSupport.drainToEndOfStream(socket) < 10_000L * 100_000;
    }
}
