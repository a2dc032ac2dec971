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
                        theirs = live.run(t);
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
