package dev.ioloop.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ioloop.LoopThread;
import dev.ioloop.net.TCPServer;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Runs the README's "Writing a protocol" example against a real client, and checks the README shows this code. */
class KeyValueServerTests {

    @Test
    @Timeout(30)
    void answersEachRequestLineAndClosesOnALineTooLong() throws Exception {
        try (LoopThread lt = LoopThread.start()) {
            TCPServer server = lt.call(() -> new KeyValueServer().listen(lt.loop, 0));
            InetSocketAddress address =
                    (InetSocketAddress) server.boundAddresses().get(0);
            try (Socket client = new Socket(address.getAddress(), address.getPort())) {
                OutputStream out = client.getOutputStream();
                BufferedReader in =
                        new BufferedReader(new InputStreamReader(client.getInputStream(), StandardCharsets.UTF_8));
                // Pipelined: all requests in one write, the replies in order.
                out.write("SET greeting hello world\nGET greeting\nSET greeting hi\nDEL greeting\nGET greeting\nDEL x\n"
                        .getBytes(StandardCharsets.UTF_8));
                assertThat(in.readLine()).isEqualTo("OK");
                assertThat(in.readLine()).isEqualTo("hello world");
                assertThat(in.readLine()).isEqualTo("OK replaced");
                assertThat(in.readLine()).isEqualTo("1");
                assertThat(in.readLine()).isEqualTo("(nil)");
                assertThat(in.readLine()).isEqualTo("0");
                out.write("get\nPING\n".getBytes(StandardCharsets.UTF_8));
                assertThat(in.readLine()).isEqualTo("ERR usage: GET key");
                assertThat(in.readLine()).isEqualTo("ERR unknown command 'PING'");
                out.write(("SET k " + "v".repeat(2000) + "\n").getBytes(StandardCharsets.UTF_8));
                assertThat(in.readLine()).as("the server closed the connection").isNull();
            }
            lt.call(() -> {
                server.stop();
                return null;
            });
        }
    }

    @Test
    void theReadmeShowsThisExampleAsItIs() throws Exception {
        String source = Files.readString(Path.of("src/test/java/dev/ioloop/examples/KeyValueServer.java"));
        String readme = Files.readString(Path.of("../README.md"));
        assertThat(readme).contains(source.substring(source.indexOf("import static")));
    }
}
