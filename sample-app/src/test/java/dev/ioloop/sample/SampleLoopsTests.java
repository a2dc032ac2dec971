package dev.ioloop.sample;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ioloop.HandlerInfo;
import dev.ioloop.IOLoop;
import dev.ioloop.IOLoopGroup;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;
import redis.clients.jedis.Jedis;

/**
 * {@code sample.loops=2}: connections are served by both loops, and the keyspace, owned by the first, stays correct
 * under clients on both: multi-key commands are atomic (a reader never sees half of an {@code MSET}), and
 * read-modify-write commands lose no update.
 */
@SpringBootTest(properties = {"sample.port=0", "sample.loops=2", "server.port=0"})
@Timeout(60)
class SampleLoopsTests {

    private static final int CLIENTS = 4;
    private static final int ROUNDS = 2_000;

    @Value("${local.ioloop.resp.port}")
    private int respPort;

    @Autowired
    private IOLoopGroup group;

    private final List<Jedis> clients = new ArrayList<>();
    private final ExecutorService pool = Executors.newFixedThreadPool(CLIENTS);

    @BeforeEach
    void connect() {
        for (int i = 0; i < CLIENTS; i++) {
            Jedis c = new Jedis("127.0.0.1", respPort, 10_000);
            c.ping();
            clients.add(c);
        }
        clients.get(0).flushAll();
    }

    @AfterEach
    void close() throws InterruptedException {
        clients.forEach(Jedis::close);
        pool.shutdownNow();
        assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void connectionsAreServedByBothLoops() throws Exception {
        assertThat(group.loops()).hasSize(2);
        for (IOLoop loop : group.loops()) {
            CompletableFuture<Long> connections = new CompletableFuture<>();
            loop.addCallback(() -> connections.complete(loop.handlers().stream()
                    .map(HandlerInfo::channel)
                    .filter(SocketChannel.class::isInstance)
                    .count()));
            assertThat(connections.get(10, TimeUnit.SECONDS))
                    .as("clients on %s", loop.name())
                    .isGreaterThanOrEqualTo(1);
        }
    }

    @Test
    void aReaderOnOneLoopNeverSeesHalfOfAnMsetFromTheOther() throws Exception {
        clients.get(0).mset("a", "0", "b", "0");
        List<CompletableFuture<Void>> runs = new ArrayList<>();
        for (int w = 0; w < 2; w++) {
            Jedis writer = clients.get(w);
            String tag = "w" + w + "-";
            runs.add(CompletableFuture.runAsync(
                    () -> {
                        for (int i = 0; i < ROUNDS; i++) {
                            writer.mset("a", tag + i, "b", tag + i);
                        }
                    },
                    pool));
        }
        for (int r = 2; r < CLIENTS; r++) {
            Jedis reader = clients.get(r);
            runs.add(CompletableFuture.runAsync(
                    () -> {
                        for (int i = 0; i < ROUNDS; i++) {
                            List<String> ab = reader.mget("a", "b");
                            assertThat(ab.get(0)).as("MGET a b").isEqualTo(ab.get(1));
                        }
                    },
                    pool));
        }
        CompletableFuture.allOf(runs.toArray(CompletableFuture[]::new)).get(50, TimeUnit.SECONDS);
    }

    @Test
    void incrementsFromClientsOnBothLoopsAreNeverLost() throws Exception {
        List<CompletableFuture<Void>> runs = new ArrayList<>();
        for (Jedis client : clients) {
            runs.add(CompletableFuture.runAsync(
                    () -> {
                        for (int i = 0; i < ROUNDS; i++) {
                            client.incr("counter");
                        }
                    },
                    pool));
        }
        CompletableFuture.allOf(runs.toArray(CompletableFuture[]::new)).get(50, TimeUnit.SECONDS);
        assertThat(clients.get(0).get("counter")).isEqualTo(Integer.toString(CLIENTS * ROUNDS));
    }
}
