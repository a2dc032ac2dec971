package dev.ioloop.sample.resp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.Timeout;

/**
 * Sends every transcript's commands to a real redis-server (started for this class on a free port, stopped after)
 * and to the engine, and expects the same reply bytes from both, and the ones recorded in the transcript. Fails, and
 * says how to install it, when redis-server is missing: CI installs it, so this never silently passes.
 *
 * <p>With {@code -Dredis.record=true} it writes redis-server's replies into the transcripts instead (the source
 * files under {@code src/test/resources}), which {@link RedisTranscriptTests} then replays without redis-server.
 */
@Timeout(120)
class RedisSideBySideTests {

    private static RedisServerProcess redis;

    @BeforeAll
    static void startRedis() throws Exception {
        redis = RedisServerProcess.start();
    }

    @AfterAll
    static void stopRedis() throws InterruptedException {
        if (redis != null) {
            redis.close();
        }
    }

    @TestFactory
    Stream<DynamicTest> theEngineAndRedisServerGiveTheSameBytesForEveryTranscript() throws IOException {
        boolean record = Boolean.getBoolean("redis.record");
        return Transcript.files().stream()
                .map(f -> DynamicTest.dynamicTest(f.getFileName().toString(), () -> {
                    Transcript t = Transcript.read(f);
                    List<Transcript.Step> theirs;
                    try (TranscriptTarget.Redis live = new TranscriptTarget.Redis(redis)) {
                        theirs = withoutStaleAverageTtl(live.run(t));
                    }
                    List<Transcript.Step> ours;
                    try (TranscriptTarget.Engine engine = new TranscriptTarget.Engine()) {
                        ours = engine.run(t);
                    }
                    if (record) {
                        new Transcript(t.name(), theirs).write(f);
                    }
                    List<String> diffs = new ArrayList<>(
                            RedisTranscriptTests.differences(f, theirs, ours, "redis-server", "engine"));
                    if (!record) {
                        diffs.addAll(stale(f, t.steps(), theirs));
                    }
                    assertThat(diffs).isEmpty();
                }));
    }

    /**
     * What depends on time or chance, compared by shape: TIME is two integers, the seconds within a few of each
     * other; RANDOMKEY returns one of the keys; a whole SCAN returns the same set of keys, whatever its order and
     * cursors; SRANDMEMBER and SPOP return members, distinct or not and as many as their count says.
     */
    @Test
    void repliesThatDependOnTimeOrChanceHaveTheSameShape() {
        try (TranscriptTarget.Redis live = new TranscriptTarget.Redis(redis);
                TranscriptTarget.Engine engine = new TranscriptTarget.Engine()) {
            for (TranscriptTarget t : List.of(live, engine)) {
                for (int i = 0; i < 300; i++) {
                    t.call('A', args("SET", "key:" + i, "v"));
                }
            }
            String[] ourTime = text(engine.call('A', args("TIME"))).split("\r\n");
            String[] theirTime = text(live.call('A', args("TIME"))).split("\r\n");
            assertThat(ourTime).hasSize(5);
            assertThat(ourTime[0]).isEqualTo(theirTime[0]).isEqualTo("*2");
            assertThat(Long.parseLong(ourTime[2])).isCloseTo(Long.parseLong(theirTime[2]), within(5L));
            assertThat(Long.parseLong(ourTime[4])).isBetween(0L, 999_999L);
            for (TranscriptTarget t : List.of(live, engine)) {
                assertThat(text(t.call('A', args("RANDOMKEY")))).matches("\\$\\d+\r\nkey:\\d+\r\n");
            }
            assertThat(scanAll(engine)).hasSize(300).isEqualTo(scanAll(live));
            for (TranscriptTarget t : List.of(live, engine)) {
                t.call('A', args("SADD", "s", "a", "b", "c", "d", "e"));
                assertThat(text(t.call('A', args("SRANDMEMBER", "s")))).matches("\\$1\r\n[a-e]\r\n");
                assertThat(members(t.call('A', args("SRANDMEMBER", "s", "3"))))
                        .hasSize(3)
                        .doesNotHaveDuplicates();
                assertThat(members(t.call('A', args("SRANDMEMBER", "s", "9"))))
                        .hasSize(5)
                        .doesNotHaveDuplicates();
                assertThat(members(t.call('A', args("SRANDMEMBER", "s", "-9"))))
                        .hasSize(9)
                        .isSubsetOf(SET);
                List<String> popped = members(t.call('A', args("SPOP", "s", "2")));
                assertThat(popped).hasSize(2).isSubsetOf(SET).doesNotHaveDuplicates();
                assertThat(text(t.call('A', args("SPOP", "s")))).matches("\\$1\r\n[a-e]\r\n");
                assertThat(text(t.call('A', args("SCARD", "s")))).isEqualTo(":2\r\n");
            }
        }
    }

    private static final List<String> SET = List.of("a", "b", "c", "d", "e");

    private static final java.util.regex.Pattern NO_EXPIRES_AVG_TTL =
            java.util.regex.Pattern.compile("expires=0,avg_ttl=\\d+");

    /**
     * redis-server's {@code avg_ttl} in INFO keyspace is an estimate its active expiry cycle updates, ten times a
     * second, only while it finds keys with a TTL: a database whose last such key is gone keeps the old figure for
     * as long as it has none ({@code expires=0,avg_ttl=1000000}), or shows 0 if the cycle never ran in between, a
     * matter of timing. With {@code expires=0} the engine reports 0, the average over no keys; so does this.
     */
    private static List<Transcript.Step> withoutStaleAverageTtl(List<Transcript.Step> steps) {
        List<Transcript.Step> out = new ArrayList<>(steps.size());
        for (Transcript.Step step : steps) {
            if (step instanceof Transcript.Command c && c.reply() != null) {
                String reply = new String(c.reply(), StandardCharsets.ISO_8859_1);
                if (reply.startsWith("$") && reply.contains("# Keyspace\r\n")) {
                    String body = NO_EXPIRES_AVG_TTL
                            .matcher(reply.substring(reply.indexOf("\r\n") + 2, reply.length() - 2))
                            .replaceAll("expires=0,avg_ttl=0");
                    byte[] fixed = ("$" + body.length() + "\r\n" + body + "\r\n").getBytes(StandardCharsets.ISO_8859_1);
                    out.add(new Transcript.Command(c.line(), c.client(), c.args(), fixed));
                    continue;
                }
            }
            out.add(step);
        }
        return out;
    }

    /**
     * Random commands over a handful of keys of every type, from two clients, sent to both: any reply that differs
     * fails the test with the commands that led to it and the seed that replays them ({@code -Dredis.seed=...};
     * {@code -Dredis.fuzz.commands=...} runs more). Only commands whose replies are deterministic take part (set members are small
     * integers, so SMEMBERS lists an intset in order), and nothing waits, so TTLs read the same on both.
     */
    @Test
    void randomCommandsOverFewKeysGetTheSameBytes() {
        long seed = Long.getLong("redis.seed", System.nanoTime());
        Random r = new Random(seed);
        List<String> history = new ArrayList<>();
        try (TranscriptTarget.Redis live = new TranscriptTarget.Redis(redis);
                TranscriptTarget.Engine engine = new TranscriptTarget.Engine()) {
            for (int i = 0, n = Integer.getInteger("redis.fuzz.commands", 3_000); i < n; i++) {
                char client = r.nextInt(4) == 0 ? 'B' : 'A';
                String[] command = randomCommand(r);
                history.add(client + "> " + String.join(" ", command));
                List<byte[]> args = args(command);
                String theirs = text(live.call(client, args));
                String ours = text(engine.call(client, args));
                if (!theirs.equals(ours)) {
                    List<String> recent = history.subList(Math.max(0, history.size() - 25), history.size());
                    throw new AssertionError("seed " + seed + " (-Dredis.seed=" + seed + "), command " + i + ": "
                            + history.get(i) + "\n  redis-server: " + Transcript.escape(live(theirs))
                            + "\n  engine:       " + Transcript.escape(live(ours)) + "\n  after:\n    "
                            + String.join("\n    ", recent));
                }
            }
        }
    }

    private static byte[] live(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    private static final String[] KEYS = {"k1", "k2", "k3", "k4"};

    private static String[] randomCommand(Random r) {
        String k = KEYS[r.nextInt(KEYS.length)];
        String k2 = KEYS[r.nextInt(KEYS.length)];
        String n = Integer.toString(r.nextInt(7) - 2);
        String v = r.nextBoolean() ? n : "v" + r.nextInt(3);
        String[][] choices = {
            {"SET", k, v},
            {"SET", k, v, "NX"},
            {"SET", k, v, "XX", "GET"},
            {"SET", k, v, "EX", "100"},
            {"GET", k},
            {"GETSET", k, v},
            {"GETDEL", k},
            {"GETEX", k, "PERSIST"},
            {"SETNX", k, v},
            {"APPEND", k, v},
            {"STRLEN", k},
            {"INCR", k},
            {"DECRBY", k, n},
            {"INCRBYFLOAT", k, "1.5"},
            {"GETRANGE", k, n, "-1"},
            {"SETRANGE", k, Integer.toString(r.nextInt(4)), v},
            {"SETBIT", k, Integer.toString(r.nextInt(12)), Integer.toString(r.nextInt(2))},
            {"GETBIT", k, Integer.toString(r.nextInt(12))},
            {"BITCOUNT", k},
            {"MSET", k, v, k2, v},
            {"MSETNX", k, v, k2, v},
            {"MGET", k, k2},
            {"LCS", k, k2},
            {"DEL", k, k2},
            {"EXISTS", k, k2},
            {"TYPE", k},
            {"RENAME", k, k2},
            {"RENAMENX", k, k2},
            {"COPY", k, k2},
            {"MOVE", k, "1"},
            {"SELECT", Integer.toString(r.nextInt(2))},
            // Not GT: with the same TTL, whether the new deadline is later depends on the milliseconds in between.
            {"EXPIRE", k, "100", new String[] {"NX", "XX", "LT"}[r.nextInt(3)]},
            {"PERSIST", k},
            {"TTL", k},
            {"DBSIZE"},
            {"LPUSH", k, v, n},
            {"RPUSH", k, v},
            {"LPOP", k},
            {"RPOP", k, Integer.toString(r.nextInt(3))},
            {"LLEN", k},
            {"LRANGE", k, n, "-1"},
            {"LINDEX", k, n},
            {"SADD", k, n, Integer.toString(r.nextInt(5))},
            {"SREM", k, n},
            {"SMEMBERS", k},
            {"SISMEMBER", k, n},
            {"SCARD", k},
            {"HSET", k, "f" + r.nextInt(3), v},
            {"HGET", k, "f" + r.nextInt(3)},
            {"HDEL", k, "f" + r.nextInt(3)},
            {"HGETALL", k},
            {"HLEN", k},
            {"HEXISTS", k, "f" + r.nextInt(3)},
            {"HINCRBY", k, "f" + r.nextInt(3), n},
            {"SET", k, v, "KEEPTTL"},
            {"UNLINK", k},
            {"TOUCH", k, k2},
            {"SWAPDB", "0", "1"},
            {"FLUSHDB"},
            {"HSET", k, "f" + r.nextInt(3), v, "f" + r.nextInt(3), n},
            {"SREM", k, n, "1", "2"},
            {"LPOP", k, Integer.toString(r.nextInt(3))},
            {"WATCH", k},
            {"MULTI"},
            {"EXEC"},
            {"DISCARD"},
            {"UNWATCH"},
        };
        return choices[r.nextInt(choices.length)];
    }

    /** The bulk strings of a flat array reply. */
    private static List<String> members(byte[] reply) {
        String[] lines = text(reply).split("\r\n");
        List<String> members = new ArrayList<>();
        for (int i = 2; i < lines.length; i += 2) {
            members.add(lines[i]);
        }
        return members;
    }

    private static Set<String> scanAll(TranscriptTarget t) {
        Set<String> keys = new HashSet<>();
        String cursor = "0";
        do {
            String[] lines =
                    text(t.call('A', args("SCAN", cursor, "COUNT", "20"))).split("\r\n");
            cursor = lines[2];
            for (int i = 5; i < lines.length; i += 2) {
                keys.add(lines[i]);
            }
        } while (!cursor.equals("0"));
        return keys;
    }

    private static List<byte[]> args(String... args) {
        return Arrays.stream(args)
                .map(a -> a.getBytes(StandardCharsets.ISO_8859_1))
                .toList();
    }

    private static String text(byte[] reply) {
        return new String(reply, StandardCharsets.ISO_8859_1);
    }

    /** Recorded replies that redis-server no longer gives: the transcript needs recording again. */
    private static List<String> stale(Path f, List<Transcript.Step> recorded, List<Transcript.Step> live) {
        List<String> diffs = RedisTranscriptTests.differences(f, live, recorded, "redis-server", "recorded");
        return diffs.stream()
                .map(d -> d + "\n    (the transcript is stale: record it again with -Dredis.record=true)")
                .toList();
    }
}
