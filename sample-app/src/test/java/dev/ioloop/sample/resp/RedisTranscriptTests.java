package dev.ioloop.sample.resp;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Replays every transcript recorded from redis-server 7.0 (see {@link Transcript}) against the engine and expects the
 * same reply bytes for every command. Needs no redis-server: {@link RedisSideBySideTests} records the transcripts and
 * checks them against a live one.
 */
class RedisTranscriptTests {

    @TestFactory
    Stream<DynamicTest> theEngineRepliesAsRedisDidToEveryRecordedCommand() throws IOException {
        return Transcript.files().stream()
                .map(f -> DynamicTest.dynamicTest(f.getFileName().toString(), () -> {
                    Transcript t = Transcript.read(f);
                    List<Transcript.Step> ours;
                    try (TranscriptTarget.Engine engine = new TranscriptTarget.Engine()) {
                        ours = engine.run(t);
                    }
                    assertThat(differences(f, t.steps(), ours, "redis-server (recorded)", "engine"))
                            .isEmpty();
                }));
    }

    /** One message per command whose replies differ, naming the file and line; empty if none. */
    static List<String> differences(
            Path file,
            List<Transcript.Step> expected,
            List<Transcript.Step> actual,
            String expectedName,
            String actualName) {
        List<String> diffs = new ArrayList<>();
        for (int i = 0; i < expected.size(); i++) {
            if (expected.get(i) instanceof Transcript.Command e) {
                Transcript.Command a = (Transcript.Command) actual.get(i);
                if (e.reply() == null) {
                    diffs.add(file.getFileName() + ":" + e.line() + ": '" + e.show()
                            + "' has no recorded reply: record with -Dredis.record=true (RedisSideBySideTests)");
                } else if (!Arrays.equals(e.reply(), a.reply())) {
                    diffs.add(file.getFileName() + ":" + e.line() + ": " + e.client() + "> " + e.show() + "\n    "
                            + expectedName + ": " + Transcript.escape(e.reply()) + "\n    " + actualName + ": "
                            + (a.reply() == null ? "(not recorded)" : Transcript.escape(a.reply())));
                }
            }
        }
        return diffs;
    }
}
