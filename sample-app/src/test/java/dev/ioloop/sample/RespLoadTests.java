package dev.ioloop.sample;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.Response;

/** Pipelining and many concurrent clients, bounded in count and time. */
@Timeout(120)
class RespLoadTests extends SampleServerTestSupport {

    @Test
    void tenThousandPipelinedCommandsGetTheirRepliesInOrder() {
        Pipeline pipeline = jedis.pipelined();
        List<Response<Long>> incrs = new ArrayList<>();
        List<Response<String>> gets = new ArrayList<>();
        for (int i = 0; i < 5_000; i++) {
            pipeline.set("key:" + i, "value:" + i);
            incrs.add(pipeline.incr("counter"));
        }
        for (int i = 0; i < 5_000; i += 1_000) {
            gets.add(pipeline.get("key:" + i));
        }
        pipeline.sync();
        for (int i = 0; i < incrs.size(); i++) {
            assertThat(incrs.get(i).get()).isEqualTo(i + 1);
        }
        for (int i = 0; i < gets.size(); i++) {
            assertThat(gets.get(i).get()).isEqualTo("value:" + (i * 1_000));
        }
        assertThat(jedis.dbSize()).isEqualTo(5_001);
    }

    @Test
    void twoHundredConcurrentClientsAllGetCorrectAnswers() throws Exception {
        int clients = 200;
        ExecutorService pool = Executors.newFixedThreadPool(50);
        try {
            CountDownLatch allConnected = new CountDownLatch(clients);
            List<Jedis> connections = new ArrayList<>();
            for (int c = 0; c < clients; c++) {
                Jedis client = newClient();
                client.ping();
                connections.add(client);
                allConnected.countDown();
            }
            assertThat(allConnected.await(30, TimeUnit.SECONDS)).isTrue();
            List<Future<Boolean>> results = new ArrayList<>();
            for (int c = 0; c < clients; c++) {
                Jedis client = connections.get(c);
                String key = "client:" + c;
                results.add(pool.submit(() -> {
                    for (int i = 0; i < 50; i++) {
                        client.set(key, Integer.toString(i));
                        client.incr("shared");
                        if (!Integer.toString(i).equals(client.get(key))) {
                            return false;
                        }
                    }
                    return true;
                }));
            }
            for (Future<Boolean> r : results) {
                assertThat(r.get(60, TimeUnit.SECONDS)).isTrue();
            }
            assertThat(jedis.get("shared")).isEqualTo(Integer.toString(clients * 50));
            String info = jedis.info("clients");
            assertThat(info).contains("connected_clients:" + (clients + 1));
            connections.forEach(Jedis::close);
        } finally {
            pool.shutdownNow();
        }
    }
}
