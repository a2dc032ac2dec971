package dev.ioloop.sample.resp;

import static dev.ioloop.sample.resp.RespWire.command;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class PipelineTests {

    private static final String PIPELINE = command("SET", "k", "v")
            + command("GET", "k")
            + "PING\r\n"
            + command("INCR", "n")
            + "\r\n"
            + "incr n\n"
            + command("SET", "big", "x".repeat(300))
            + "*0\r\n"
            + command("APPEND", "k", "w")
            + "get \"k\"\r\n"
            + command("PING", "hello world");

    private static final String REPLIES = "+OK\r\n"
            + "$1\r\nv\r\n"
            + "+PONG\r\n"
            + ":1\r\n"
            + ":2\r\n"
            + "+OK\r\n"
            + ":2\r\n"
            + "$2\r\nvw\r\n"
            + "$11\r\nhello world\r\n";

    @Test
    void pipelinedCommandsInOneReadAreAllAnsweredInOrder() {
        EngineHarness h = new EngineHarness();
        assertThat(h.send(PIPELINE)).isEqualTo(REPLIES);
        assertThat(h.session.stashedBytes()).isZero();
    }

    @Test
    void pipelineStopsOnceThePendingRepliesPassTheOutputLimitAndTheRestIsDropped() {
        EngineHarness h = new EngineHarness();
        h.call("SET", "v", "x".repeat(100));
        h.outputLimit = 250;
        String get = "$100\r\n" + "x".repeat(100) + "\r\n"; // 107 bytes
        // Ten GETs in one read: the third reply takes the pending output past 250 bytes; the seven others
        // are never executed, so a client that does not read cannot make the server build their replies.
        h.feed((command("GET", "v").repeat(10) + command("SET", "dropped", "1")).getBytes(StandardCharsets.ISO_8859_1));
        assertThat(new String(h.out.toByteArray(), StandardCharsets.ISO_8859_1)).isEqualTo(get.repeat(3));
        assertThat(h.session.outputLimitReached()).isTrue();
        assertThat(h.session.closeRequested()).isTrue();
        h.feed(command("SET", "after", "1").getBytes(StandardCharsets.ISO_8859_1));
        assertThat(h.keyspace.size())
                .as("neither the dropped SET nor a later one ran")
                .isEqualTo(1);
    }

    @Test
    void aReplyThatPassesTheOutputLimitWithNothingAfterItIsLeftToTheConnection() {
        EngineHarness h = new EngineHarness();
        h.call("SET", "v", "x".repeat(1000));
        h.outputLimit = 250;
        // One large reply is not cut short by the engine: the connection judges it after writing.
        assertThat(h.call("GET", "v")).hasSize(1000 + 9);
        assertThat(h.session.outputLimitReached()).isFalse();
        assertThat(h.call("PING")).isEqualTo("+PONG\r\n");
    }

    @Test
    void pipelinedCommandsSplitAtEveryByteGiveTheSameReplies() {
        byte[] bytes = PIPELINE.getBytes(StandardCharsets.ISO_8859_1);
        for (int cut = 0; cut <= bytes.length; cut++) {
            EngineHarness h = new EngineHarness();
            h.feedRead(bytes, 0, cut);
            h.feedRead(bytes, cut, bytes.length - cut);
            assertThat(h.drain()).as("split at %d", cut).isEqualTo(REPLIES);
            assertThat(h.session.stashedBytes()).isZero();
        }
    }

    @Test
    void pipelineFedOneByteAtATimeGivesTheSameReplies() {
        byte[] bytes = PIPELINE.getBytes(StandardCharsets.ISO_8859_1);
        EngineHarness h = new EngineHarness();
        for (int i = 0; i < bytes.length; i++) {
            h.feedRead(bytes, i, 1);
        }
        assertThat(h.drain()).isEqualTo(REPLIES);
    }

    @Test
    void pipelineSplitInThreeAtEveryPairOfBoundariesGivesTheSameReplies() {
        byte[] bytes =
                (command("SET", "a", "12345") + command("GET", "a") + "PING\r\n").getBytes(StandardCharsets.ISO_8859_1);
        String expected = "+OK\r\n$5\r\n12345\r\n+PONG\r\n";
        for (int i = 0; i <= bytes.length; i++) {
            for (int j = i; j <= bytes.length; j++) {
                EngineHarness h = new EngineHarness();
                h.feedRead(bytes, 0, i);
                h.feedRead(bytes, i, j - i);
                h.feedRead(bytes, j, bytes.length - j);
                assertThat(h.drain()).as("splits at %d and %d", i, j).isEqualTo(expected);
            }
        }
    }

    @Test
    void directReadBuffersWorkLikeHeapOnes() {
        EngineHarness h = new EngineHarness(RespLimits.defaults(), InfoSource.none(), true);
        byte[] bytes = PIPELINE.getBytes(StandardCharsets.ISO_8859_1);
        int cut = bytes.length / 3;
        h.feedRead(bytes, 0, cut);
        h.feedRead(bytes, cut, bytes.length - cut);
        assertThat(h.drain()).isEqualTo(REPLIES);
    }

    @Test
    void aValueLargerThanOneReadArrivesOverManyReadsAndIsStoredIntact() {
        EngineHarness h = new EngineHarness();
        StringBuilder value = new StringBuilder();
        for (int i = 0; value.length() < 300_000; i++) {
            value.append(i).append(',');
        }
        assertThat(h.send(command("SET", "big", value.toString()) + command("STRLEN", "big")))
                .isEqualTo("+OK\r\n:" + value.length() + "\r\n");
        assertThat(h.call("GET", "big")).isEqualTo("$" + value.length() + "\r\n" + value + "\r\n");
        assertThat(h.session.stashCapacity()).isLessThanOrEqualTo(RespSession.RETAINED_STASH);
    }

    @Test
    void aRequestWithManyArgumentsSplitAcrossReadsIsExecutedOnce() {
        EngineHarness h = new EngineHarness();
        String[] args = new String[1 + 2 * 20_000];
        args[0] = "MSET";
        for (int i = 0; i < 20_000; i++) {
            args[1 + 2 * i] = "key:" + i;
            args[2 + 2 * i] = "value:" + i;
        }
        assertThat(h.send(command(args))).isEqualTo("+OK\r\n");
        assertThat(h.keyspace.size()).isEqualTo(20_000);
        assertThat(h.call("GET", "key:19999")).isEqualTo("$11\r\nvalue:19999\r\n");
    }

    @Test
    void emptyMultibulkRequestsAndEmptyInlineLinesAreSkippedSilently() {
        EngineHarness h = new EngineHarness();
        assertThat(h.send("*0\r\n*-1\r\n\r\n\n   \r\nPING\r\n")).isEqualTo("+PONG\r\n");
        assertThat(h.session.closeRequested()).isFalse();
    }

    @Test
    void commandNamesAreCaseInsensitive() {
        EngineHarness h = new EngineHarness();
        assertThat(h.send(command("sEt", "k", "1") + command("get", "k") + command("InCr", "k") + "pInG\r\n"))
                .isEqualTo("+OK\r\n$1\r\n1\r\n:2\r\n+PONG\r\n");
    }

    @Test
    void binaryKeysAndValuesAreStoredByteForByte() {
        EngineHarness h = new EngineHarness();
        String key = "k\r\n\0\u00ff";
        String value = "\r\n$3\r\n*\u0080";
        assertThat(h.call("SET", key, value)).isEqualTo("+OK\r\n");
        assertThat(h.call("GET", key)).isEqualTo("$8\r\n" + value + "\r\n");
    }
}
