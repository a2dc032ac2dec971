package dev.ioloop.sample;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.Socket;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import redis.clients.jedis.Jedis;

/**
 * Malformed input over raw sockets: each bad client gets its protocol error and is closed; the app stays up
 * and a second client connected throughout keeps getting correct answers.
 */
@Timeout(60)
class RespBadInputTests extends SampleServerTestSupport {

    private Jedis bystander;

    @BeforeEach
    void connectBystander() {
        bystander = newClient();
        bystander.set("bystander", "ok");
    }

    @AfterEach
    void bystanderStillServed() {
        assertThat(bystander.get("bystander")).isEqualTo("ok");
        assertThat(bystander.incr("bystander:count")).isPositive();
        bystander.close();
    }

    private String errorFor(String request) throws Exception {
        try (Socket socket = rawSocket()) {
            send(socket, request);
            socket.shutdownOutput();
            return readUntilClosed(socket);
        }
    }

    @Test
    void wrongTypeByteInsideAMultibulk() throws Exception {
        assertThat(errorFor("*1\r\n+PING\r\n")).isEqualTo("-ERR Protocol error: expected '$', got '+'\r\n");
    }

    @Test
    void negativeAndHugeLengths() throws Exception {
        assertThat(errorFor("*1\r\n$-5\r\n")).isEqualTo("-ERR Protocol error: invalid bulk length\r\n");
        assertThat(errorFor("*1\r\n$2147483647\r\n")).isEqualTo("-ERR Protocol error: invalid bulk length\r\n");
        assertThat(errorFor("*100000000\r\n")).isEqualTo("-ERR Protocol error: invalid multibulk length\r\n");
        assertThat(errorFor("*1\r\n$abc\r\n")).isEqualTo("-ERR Protocol error: invalid bulk length\r\n");
    }

    @Test
    void twoGigabyteHeaderIsRefusedAtTheHeaderWithoutWaitingForThePayload() throws Exception {
        // The client sends only the header; the reply (and the close) come without the 2 GB ever arriving.
        assertThat(errorFor("*2\r\n$3\r\nSET\r\n$2000000000\r\n"))
                .isEqualTo("-ERR Protocol error: invalid bulk length\r\n");
    }

    @Test
    void truncatedFrameWaitsAndCompletesWhenTheRestArrives() throws Exception {
        try (Socket socket = rawSocket()) {
            send(socket, "*2\r\n$4\r\nECHO\r\n$5\r\nhel");
            // Nothing complete yet: the bystander is still served meanwhile.
            assertThat(bystander.ping()).isEqualTo("PONG");
            send(socket, "lo\r\n");
            assertThat(read(socket, 11)).isEqualTo("$5\r\nhello\r\n");
        }
    }

    @Test
    void truncatedFrameThenHangUpLeavesTheServerHealthy() throws Exception {
        try (Socket socket = rawSocket()) {
            send(socket, "*3\r\n$3\r\nSET\r\n$1\r\nk");
        }
        assertThat(bystander.exists("k")).isFalse();
    }

    @Test
    void oneMegabyteInlineLineWithoutNewline() throws Exception {
        char[] line = new char[1024 * 1024];
        Arrays.fill(line, 'a');
        assertThat(errorFor(new String(line))).isEqualTo("-ERR Protocol error: too big inline request\r\n");
    }

    @Test
    void unbalancedQuotesInAnInlineCommand() throws Exception {
        assertThat(errorFor("SET \"abc 1\r\n")).isEqualTo("-ERR Protocol error: unbalanced quotes in request\r\n");
    }

    @Test
    void binaryGarbageGetsAProtocolErrorOrAnUnknownCommandNeverAHang() throws Exception {
        Random random = new Random(7);
        for (int i = 0; i < 20; i++) {
            byte[] garbage = new byte[512];
            random.nextBytes(garbage);
            garbage[0] = '*'; // a multibulk header followed by junk
            try (Socket socket = rawSocket()) {
                socket.getOutputStream().write(garbage);
                socket.getOutputStream().write("\r\n".getBytes());
                socket.getOutputStream().flush();
                socket.shutdownOutput();
                String reply = readUntilClosed(socket);
                assertThat(reply).startsWith("-ERR");
            }
        }
    }

    @Test
    void inlineCommandsWorkForTelnetUsers() throws Exception {
        try (Socket socket = rawSocket()) {
            send(socket, "PING\r\nset a \"x y\"\nget a\r\n");
            assertThat(read(socket, 7 + 5 + 9)).isEqualTo("+PONG\r\n+OK\r\n$3\r\nx y\r\n");
        }
    }
}
