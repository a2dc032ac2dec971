package dev.ioloop.sample.resp;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
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

    /** Recorded replies that redis-server no longer gives: the transcript needs recording again. */
    private static List<String> stale(Path f, List<Transcript.Step> recorded, List<Transcript.Step> live) {
        List<String> diffs = RedisTranscriptTests.differences(f, live, recorded, "redis-server", "recorded");
        return diffs.stream()
                .map(d -> d + "\n    (the transcript is stale: record it again with -Dredis.record=true)")
                .toList();
    }
}
