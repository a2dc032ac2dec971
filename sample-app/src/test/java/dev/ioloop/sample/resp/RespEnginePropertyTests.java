package dev.ioloop.sample.resp;

import static dev.ioloop.sample.resp.ParserHarness.PROTOCOL_ERROR;
import static dev.ioloop.sample.resp.PropertyCheck.forAll;
import static dev.ioloop.sample.resp.PropertyCheck.show;
import static dev.ioloop.sample.resp.PropertyCheck.shrinkList;
import static dev.ioloop.sample.resp.RespBadInputGenerators.mutations;
import static dev.ioloop.sample.resp.RespFrameGenerators.commands;
import static dev.ioloop.sample.resp.RespGenerators.LIMITS;
import static dev.ioloop.sample.resp.RespGenerators.bytes;
import static dev.ioloop.sample.resp.RespGenerators.cuts;
import static dev.ioloop.sample.resp.RespGenerators.latin1;
import static dev.ioloop.sample.resp.RespGenerators.value;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ioloop.sample.resp.RespBadInputGenerators.Mutated;
import dev.ioloop.sample.resp.RespFrameGenerators.Arg;
import dev.ioloop.sample.resp.RespFrameGenerators.Frame;
import dev.ioloop.sample.resp.RespFrameGenerators.Kind;
import dev.ioloop.sample.resp.RespFrameGenerators.Style;
import dev.ioloop.sample.resp.RespGenerators.Cut;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Generated input for {@link RespEngine}, which drives {@link RespParser}: the engine answers any input, valid or
 * mutated requests of its own commands, alike however the reads are cut and in heap or direct buffers, stashes no
 * more than the limits allow, and closes the session with one of the parser's protocol error texts when it
 * refuses input; payloads echoed back arrive byte for byte. The input comes from {@link RespFrameGenerators} and
 * {@link RespBadInputGenerators}; the engine runs in an {@link EngineHarness}.
 *
 * <p>Runs are reproducible (see {@link PropertyCheck} for the seed and scale switches). Small limits
 * make the generated values reach every limit and cross it.
 */
class RespEnginePropertyTests {

    @Test
    void theEngineAnswersAnyInputAlikeWhateverTheReadsAndStashesNoMoreThanTheLimitsAllow() {
        forAll(
                "theEngineAnswersAnyInputAlikeWhateverTheReadsAndStashesNoMoreThanTheLimitsAllow",
                150,
                r -> new Cut<>(new Mutated(commands(r), r.nextInt(4) == 0 ? List.of() : mutations(r)), cuts(r)),
                c -> c.shrink(Mutated::shrink),
                c -> c.show(m -> show(m.bytes()) + " from " + m),
                c -> {
                    byte[] bytes = c.value().bytes();
                    List<Integer> cuts = c.positions(bytes.length);
                    String whole = engineReplies(bytes, List.of(), false);
                    String heap = engineReplies(bytes, cuts, false);
                    String direct = engineReplies(bytes, cuts, true);
                    assertThat(direct).as("direct buffers").isEqualTo(heap);
                    if (!heap.equals(whole)) {
                        // Only a line outgrowing the inline limit in a short read may end the session early.
                        assertThat(lastLine(heap))
                                .as("replies %s, in one read %s", show(heap), show(whole))
                                .matches("-ERR Protocol error: too big [a-z ]+\r\n");
                        assertThat(whole).startsWith(stripLastLine(heap));
                    }
                });
    }

    @Test
    void echoedPayloadsComeBackByteForByteWhateverTheReads() {
        forAll(
                "echoedPayloadsComeBackByteForByteWhateverTheReads",
                100,
                r -> {
                    List<byte[]> payloads = new ArrayList<>();
                    for (int i = 1 + r.nextInt(6); i > 0; i--) {
                        payloads.add(value(r, LIMITS.maxBulkLength()));
                    }
                    return new Cut<>(payloads, cuts(r));
                },
                c -> c.shrink(p -> shrinkList(p, 1, PropertyCheck::shrinkBytes)),
                c -> c.show(p -> p.stream().map(PropertyCheck::show).collect(Collectors.joining(", ", "[", "]"))),
                c -> {
                    ByteArrayOutputStream in = new ByteArrayOutputStream();
                    StringBuilder expected = new StringBuilder();
                    for (byte[] p : c.value()) {
                        in.writeBytes(new Frame(
                                        Kind.MULTIBULK,
                                        List.of(new Arg(bytes("ECHO"), Style.BARE), new Arg(p, Style.DOUBLE)),
                                        0)
                                .encode());
                        expected.append('$')
                                .append(p.length)
                                .append("\r\n")
                                .append(latin1(p))
                                .append("\r\n");
                    }
                    byte[] bytes = in.toByteArray();
                    List<Integer> cuts = c.positions(bytes.length);
                    assertThat(engineReplies(bytes, cuts, false)).isEqualTo(expected.toString());
                    assertThat(engineReplies(bytes, cuts, true)).isEqualTo(expected.toString());
                });
    }

    /**
     * Feeds {@code bytes} to a fresh engine in reads cut at {@code cuts}, checking after every read that
     * the stash stays within what arrived and what the limits allow, and that a protocol error closes
     * the session with one of the parser's texts as its last reply.
     */
    private static String engineReplies(byte[] bytes, List<Integer> cuts, boolean direct) {
        EngineHarness h = new EngineHarness(LIMITS, InfoSource.none(), direct);
        StringBuilder replies = new StringBuilder();
        int from = 0;
        List<Integer> ends = new ArrayList<>(cuts);
        ends.add(bytes.length);
        for (int end : ends) {
            h.feedRead(bytes, from, end - from);
            from = end;
            replies.append(h.drain());
            // The stash doubles as bytes arrive, or is sized once for the rest of an announced bulk, which
            // the parser has checked against maxBulkLength: never more than either allows.
            long bound = Math.max(64, Math.max(2L * from, from + LIMITS.maxBulkLength() + 2L));
            assertThat((long) h.session.stashCapacity())
                    .as("stash after %d bytes", from)
                    .isLessThanOrEqualTo(bound);
            if (h.session.protocolError()) {
                String last = lastLine(replies.toString());
                assertThat(last).startsWith("-ERR Protocol error: ").endsWith("\r\n");
                assertThat(last.substring("-ERR Protocol error: ".length(), last.length() - 2))
                        .as("protocol error text of %s", show(last))
                        .matches(PROTOCOL_ERROR);
                assertThat(h.session.closeRequested()).isTrue();
                assertThat(h.session.stashedBytes()).isZero();
            }
        }
        return replies.toString();
    }

    private static String lastLine(String replies) {
        int end = replies.length() - 2;
        int start = replies.lastIndexOf("\r\n", end - 1);
        return replies.substring(start < 0 ? 0 : start + 2);
    }

    private static String stripLastLine(String replies) {
        return replies.substring(0, replies.length() - lastLine(replies).length());
    }
}
