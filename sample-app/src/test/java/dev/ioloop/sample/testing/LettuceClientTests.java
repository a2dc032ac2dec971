package dev.ioloop.sample.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lettuce.core.KeyScanCursor;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.TransactionResult;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.api.sync.RedisCommands;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/** Lettuce, Spring Data Redis's default client, running its usual commands against the sample in-process. */
@Timeout(60)
@ExtendWith(RespServerExtension.class)
class LettuceClientTests {

    private RedisClient client;
    private StatefulRedisConnection<String, String> connection;
    private RedisCommands<String, String> redis;

    @BeforeEach
    void connect(RespServerExtension server) {
        client = RedisClient.create(server.uri());
        connection = client.connect();
        connection.setTimeout(Duration.ofSeconds(10));
        redis = connection.sync();
        redis.flushall();
    }

    @AfterEach
    void close() {
        connection.close();
        client.shutdown(Duration.ZERO, Duration.ofSeconds(5));
    }

    @Test
    void stringsKeysAndExpiry() {
        assertThat(redis.set("greeting", "hello")).isEqualTo("OK");
        assertThat(redis.get("greeting")).isEqualTo("hello");
        assertThat(redis.incr("visits")).isEqualTo(1);
        assertThat(redis.incrby("visits", 41)).isEqualTo(42);
        assertThat(redis.append("greeting", " world")).isEqualTo(11);
        assertThat(redis.getrange("greeting", 6, -1)).isEqualTo("world");
        assertThat(redis.expire("greeting", 100)).isTrue();
        assertThat(redis.ttl("greeting")).isBetween(1L, 100L);
        assertThat(redis.type("greeting")).isEqualTo("string");
        assertThat(redis.rename("greeting", "salutation")).isEqualTo("OK");
        assertThat(redis.exists("greeting", "salutation")).isEqualTo(1);
        assertThat(redis.mget("salutation", "missing"))
                .extracting(kv -> kv.getValueOrElse(null))
                .containsExactly("hello world", null);
        assertThat(redis.del("salutation", "visits")).isEqualTo(2);
        assertThat(redis.dbsize()).isZero();
    }

    @Test
    void listsSetsAndHashes() {
        assertThat(redis.rpush("queue", "a", "b", "c")).isEqualTo(3);
        assertThat(redis.lpush("queue", "z")).isEqualTo(4);
        assertThat(redis.lrange("queue", 0, -1)).containsExactly("z", "a", "b", "c");
        assertThat(redis.lpop("queue")).isEqualTo("z");
        assertThat(redis.rpop("queue", 2)).containsExactly("c", "b");
        assertThat(redis.sadd("tags", "x", "y", "x")).isEqualTo(2);
        assertThat(redis.smembers("tags")).containsExactlyInAnyOrder("x", "y");
        assertThat(redis.sismember("tags", "y")).isTrue();
        assertThat(redis.hset("user:1", Map.of("name", "Ada", "visits", "1"))).isEqualTo(2);
        assertThat(redis.hincrby("user:1", "visits", 2)).isEqualTo(3);
        assertThat(redis.hgetall("user:1")).containsExactlyInAnyOrderEntriesOf(Map.of("name", "Ada", "visits", "3"));
        assertThatThrownBy(() -> redis.lpush("tags", "oops"))
                .isInstanceOf(RedisCommandExecutionException.class)
                .hasMessageStartingWith("WRONGTYPE");
    }

    @Test
    void transactionsDatabasesAndScan() {
        redis.multi();
        redis.set("a", "1");
        redis.incr("a");
        TransactionResult result = redis.exec();
        assertThat(result.wasDiscarded()).isFalse();
        assertThat(result.<Object>get(0)).isEqualTo("OK");
        assertThat(result.<Object>get(1)).isEqualTo(2L);

        assertThat(redis.select(3)).isEqualTo("OK");
        assertThat(redis.get("a")).isNull();
        redis.select(0);

        for (int i = 0; i < 250; i++) {
            redis.set("scan:" + i, "v");
        }
        Set<String> seen = new HashSet<>();
        KeyScanCursor<String> cursor =
                redis.scan(ScanArgs.Builder.matches("scan:*").limit(50));
        seen.addAll(cursor.getKeys());
        while (!cursor.isFinished()) {
            cursor = redis.scan(cursor, ScanArgs.Builder.matches("scan:*").limit(50));
            seen.addAll(cursor.getKeys());
        }
        assertThat(seen).hasSize(250);
    }

    @Test
    void asyncCommandsArePipelined() throws Exception {
        RedisAsyncCommands<String, String> async = connection.async();
        connection.setAutoFlushCommands(false);
        List<RedisFuture<Long>> replies = new ArrayList<>();
        for (int i = 0; i < 10_000; i++) {
            replies.add(async.incr("counter"));
        }
        connection.flushCommands();
        for (int i = 0; i < replies.size(); i++) {
            assertThat(replies.get(i).get(10, TimeUnit.SECONDS)).isEqualTo(i + 1);
        }
        connection.setAutoFlushCommands(true);
        assertThat(redis.get("counter")).isEqualTo("10000");
    }
}
