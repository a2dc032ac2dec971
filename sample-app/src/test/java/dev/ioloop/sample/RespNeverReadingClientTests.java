package dev.ioloop.sample;

import static dev.ioloop.sample.resp.RespWire.command;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.boot.test.context.SpringBootTest;
import redis.clients.jedis.Jedis;

/**
 * Clients that pipeline requests and never read their replies, while a well-behaved bystander does its round
 * trips ({@link AbruptClientTestSupport}): each is disconnected at the output limit, and what it costs the
 * loop is bounded by that limit, not by what it asked for.
 *
 * <p>Its own context, with a 1 MB output limit: a never-reading client costs the loop about one limit's worth
 * of replies (here, three 512 KB replies), so ten of them arriving together cost the bystander little. The
 * request is 64 KB of pipelined {@code GET big} (2,849 requests, 1.4 GB of replies); before the engine
 * checked the limit between requests, the server built all of it in one go (for a 1 MB value: 24 s of loop
 * time and an {@code IllegalStateException} at 2 GB).
 */
@SpringBootTest(
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {"sample.port=0", "sample.client-output-buffer-limit=1MB", "ioloop.blocked-threshold=2s"})
@Timeout(120)
class RespNeverReadingClientTests extends AbruptClientTestSupport {

    static final int VALUE = 512 * 1024;

    @Test
    void connectionsThatNeverReadAreDisconnectedAtTheOutputLimitWithoutStallingTheLoop() throws Exception {
        jedis.set("big".getBytes(), filled(VALUE, (byte) 'n'));
        String get = command("GET", "big");
        int requests = 65536 / get.length();
        byte[] request = get.repeat(requests).getBytes(StandardCharsets.US_ASCII);
        long asked = (long) requests * VALUE;
        long closedBefore = infoLong("ioloop", "clients_closed_for_output_limit");
        int perRound = 10;
        Scenario s;
        try (Jedis observer = newClient()) {
            s = whileFaulting("never read (10 connections a round, 64 KB of pipelined GET of 512 KB each)", round -> {
                List<Socket> sockets = new ArrayList<>();
                try {
                    for (int i = 0; i < perRound; i++) {
                        Socket socket = rawSocket();
                        sockets.add(socket);
                        socket.getOutputStream().write(request);
                    }
                    long expected = closedBefore + (long) perRound * (round + 1);
                    await().atMost(Duration.ofSeconds(20))
                            .until(() -> infoLong(observer, "ioloop", "clients_closed_for_output_limit") >= expected);
                    for (Socket socket : sockets) {
                        // Disconnected: the stream ends long before what was asked for.
                        assertThat(drainToEndOfStream(socket)).isLessThan(asked / 100);
                    }
                } finally {
                    for (Socket socket : sockets) {
                        socket.close();
                    }
                }
            });
        }
        s.assertBystanderUnaffected();
        assertThat(jedis.strlen("big")).isEqualTo(VALUE);
        assertThat(infoLong("ioloop", "clients_closed_for_output_limit"))
                .isEqualTo(closedBefore + (long) perRound * s.faultRounds);
        assertOnlyTheTestClientRemains();
        assertNothingLoggedWithAnException(true);
    }
}
