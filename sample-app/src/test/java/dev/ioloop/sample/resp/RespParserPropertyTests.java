package dev.ioloop.sample.resp;

import static dev.ioloop.sample.resp.PropertyCheck.forAll;
import static dev.ioloop.sample.resp.PropertyCheck.show;
import static dev.ioloop.sample.resp.RespBadInputGenerators.mutations;
import static dev.ioloop.sample.resp.RespBadInputGenerators.randomBytes;
import static dev.ioloop.sample.resp.RespFrameGenerators.encode;
import static dev.ioloop.sample.resp.RespFrameGenerators.inlineFrame;
import static dev.ioloop.sample.resp.RespFrameGenerators.multibulkFrame;
import static dev.ioloop.sample.resp.RespFrameGenerators.pipeline;
import static dev.ioloop.sample.resp.RespGenerators.LIMITS;
import static dev.ioloop.sample.resp.RespGenerators.cuts;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ioloop.sample.resp.ParserHarness.Feeder;
import dev.ioloop.sample.resp.ParserHarness.Outcome;
import dev.ioloop.sample.resp.RespBadInputGenerators.Mutated;
import dev.ioloop.sample.resp.RespFrameGenerators.Frame;
import dev.ioloop.sample.resp.RespGenerators.Cut;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Generated input for {@link RespParser}: valid requests parse back to exactly their arguments however their
 * bytes are cut into reads, and random or mutated bytes give requests, a wait for more bytes, or the parser's
 * protocol error (an {@link RespParser#ERROR} result with one of Redis's texts) and never anything else. The
 * parser is fed by {@link ParserHarness.Feeder}, which checks every call; the input comes from
 * {@link RespFrameGenerators} and {@link RespBadInputGenerators}. {@link RespParserLimitPropertyTests} covers the
 * limits and {@link RespEnginePropertyTests} the engine that drives the parser.
 *
 * <p>Runs are reproducible (see {@link PropertyCheck} for the seed and scale switches). Small limits
 * make the generated values reach every limit and cross it.
 */
class RespParserPropertyTests {

    // ------------------------------------------------------------------------------------------------
    // Valid requests
    // ------------------------------------------------------------------------------------------------

    @Test
    void aRequestEncodedAsMultibulkParsesBackToExactlyItsArguments() {
        framesParseBackToTheirArguments(
                "aRequestEncodedAsMultibulkParsesBackToExactlyItsArguments", r -> multibulkFrame(r, LIMITS));
    }

    @Test
    void anInlineCommandParsesToItsArgumentsWhateverTheQuotingAndBlanks() {
        framesParseBackToTheirArguments(
                "anInlineCommandParsesToItsArgumentsWhateverTheQuotingAndBlanks", r -> inlineFrame(r, LIMITS));
    }

    /** Checks 600 generated frames: each, fed whole, parses to exactly one request with its arguments. */
    private static void framesParseBackToTheirArguments(String property, PropertyCheck.Gen<Frame> frames) {
        forAll(property, 600, frames, RespFrameGenerators::shrinkFrame, Frame::toString, frame -> {
            Outcome got = Feeder.whole(frame.encode(), LIMITS);
            assertThat(got).isEqualTo(Outcome.of(List.of(frame.expected())));
        });
    }

    @Test
    void pipelinedRequestsParseBackInOrderWhereverTheReadsAreCut() {
        forAll(
                "pipelinedRequestsParseBackInOrderWhereverTheReadsAreCut",
                200,
                r -> new Cut<>(pipeline(r, LIMITS), cuts(r)),
                c -> c.shrink(RespFrameGenerators::shrinkPipeline),
                c -> c.show(RespFrameGenerators::showPipeline),
                c -> {
                    byte[] bytes = encode(c.value());
                    Outcome expected = Outcome.of(c.value().stream()
                            .map(Frame::expected)
                            .filter(args -> !args.isEmpty())
                            .collect(Collectors.toList()));
                    assertThat(Feeder.whole(bytes, LIMITS)).as("in one read").isEqualTo(expected);
                    assertThat(Feeder.chunked(bytes, c.positions(bytes.length), LIMITS))
                            .as("in reads cut at %s", c.positions(bytes.length))
                            .isEqualTo(expected);
                    assertThat(Feeder.byteByByte(bytes, LIMITS))
                            .as("one byte per read")
                            .isEqualTo(expected);
                });
    }

    // ------------------------------------------------------------------------------------------------
    // Bad input
    // ------------------------------------------------------------------------------------------------

    @Test
    void randomBytesGiveRequestsAWaitOrTheProtocolErrorAndNothingElse() {
        Set<String> seen = new TreeSet<>();
        forAll(
                "randomBytesGiveRequestsAWaitOrTheProtocolErrorAndNothingElse",
                2000,
                r -> new Cut<>(randomBytes(r), cuts(r)),
                c -> c.shrink(PropertyCheck::shrinkBytes),
                c -> c.show(PropertyCheck::show),
                c -> seen.add(parsesAlikeHoweverCut(c.value(), c.positions(c.value().length))
                        .kind()));
        // The generator must reach the interesting outcomes, or the property says little.
        assertThat(seen)
                .contains(
                        "requests",
                        "waiting",
                        "expected '$'",
                        "invalid multibulk length",
                        "unbalanced quotes in request",
                        "too big inline request");
    }

    @Test
    void mutatedFramesGiveRequestsAWaitOrTheProtocolErrorAndNothingElse() {
        Set<String> seen = new TreeSet<>();
        forAll(
                "mutatedFramesGiveRequestsAWaitOrTheProtocolErrorAndNothingElse",
                1000,
                r -> new Cut<>(new Mutated(pipeline(r, LIMITS), mutations(r)), cuts(r)),
                c -> c.shrink(Mutated::shrink),
                c -> c.show(m -> show(m.bytes()) + " from " + m),
                c -> {
                    byte[] bytes = c.value().bytes();
                    seen.add(parsesAlikeHoweverCut(bytes, c.positions(bytes.length))
                            .kind());
                });
        assertThat(seen)
                .contains(
                        "requests",
                        "waiting",
                        "expected '$'",
                        "invalid multibulk length",
                        "invalid bulk length",
                        "unbalanced quotes in request");
    }

    /**
     * Feeds {@code bytes} whole, cut at {@code cuts} and one byte at a time: the {@link Feeder} checks
     * every result, and the three must agree, except that a line may outgrow the inline limit in a
     * short read before its end arrives, which is refused where the whole line in one read is not.
     * Returns the outcome in one read.
     */
    private static Outcome parsesAlikeHoweverCut(byte[] bytes, List<Integer> cuts) {
        Outcome whole = Feeder.whole(bytes, LIMITS);
        assertAgrees(whole, Feeder.chunked(bytes, cuts, LIMITS), "cut at " + cuts);
        assertAgrees(whole, Feeder.byteByByte(bytes, LIMITS), "one byte per read");
        return whole;
    }

    private static void assertAgrees(Outcome whole, Outcome cut, String how) {
        if (cut.equals(whole)) {
            return;
        }
        boolean lineOutgrewLimitEarlier = cut.error() != null
                && cut.error().startsWith("too big")
                && cut.requests().size() <= whole.requests().size()
                && cut.requests()
                        .equals(whole.requests().subList(0, cut.requests().size()));
        assertThat(lineOutgrewLimitEarlier)
                .as("%s gave %s, in one read %s", how, cut, whole)
                .isTrue();
    }
}
