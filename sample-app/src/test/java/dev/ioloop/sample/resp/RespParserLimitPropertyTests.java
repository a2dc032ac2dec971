package dev.ioloop.sample.resp;

import static dev.ioloop.sample.resp.ParserHarness.ARGS_INITIAL;
import static dev.ioloop.sample.resp.PropertyCheck.forAll;
import static dev.ioloop.sample.resp.RespBadInputGenerators.badBulkLength;
import static dev.ioloop.sample.resp.RespBadInputGenerators.badCount;
import static dev.ioloop.sample.resp.RespGenerators.LARGE;
import static dev.ioloop.sample.resp.RespGenerators.LIMITS;
import static dev.ioloop.sample.resp.RespGenerators.concat;
import static dev.ioloop.sample.resp.RespGenerators.cuts;
import static dev.ioloop.sample.resp.RespGenerators.value;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ioloop.sample.resp.ParserHarness.Feeder;
import dev.ioloop.sample.resp.ParserHarness.Outcome;
import dev.ioloop.sample.resp.RespBadInputGenerators.Announced;
import dev.ioloop.sample.resp.RespBadInputGenerators.BadHeader;
import dev.ioloop.sample.resp.RespBadInputGenerators.LineKind;
import dev.ioloop.sample.resp.RespBadInputGenerators.LongLine;
import dev.ioloop.sample.resp.RespGenerators.Cut;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Generated input for {@link RespParser} at and over its limits: a bulk length or multibulk count over the limit,
 * negative or malformed is refused as soon as its line ends, a line without its end is refused once it outgrows
 * the inline limit and not before, and sizes that were only announced reserve no memory, in the parser or in the
 * engine's stash, before their bytes arrive. The parser is fed by {@link ParserHarness.Feeder}, which checks every
 * call; the input comes from {@link RespBadInputGenerators}.
 *
 * <p>Runs are reproducible (see {@link PropertyCheck} for the seed and scale switches). Small limits
 * make the generated values reach every limit and cross it.
 */
class RespParserLimitPropertyTests {

    @Test
    void aBulkLengthAboveTheLimitNegativeOrMalformedIsRefusedAsSoonAsItsLineEnds() {
        forAll(
                "aBulkLengthAboveTheLimitNegativeOrMalformedIsRefusedAsSoonAsItsLineEnds",
                300,
                r -> {
                    int count = 1 + r.nextInt(LIMITS.maxMultibulkLength());
                    List<byte[]> before = new ArrayList<>();
                    for (int i = r.nextInt(count); i > 0; i--) {
                        before.add(value(r, 20));
                    }
                    return new BadHeader(count, before, badBulkLength(r), cuts(r));
                },
                BadHeader::shrink,
                BadHeader::toString,
                h -> {
                    byte[] bytes = h.bytes();
                    byte[] withoutLf = Arrays.copyOf(bytes, bytes.length - 1);
                    assertThat(Feeder.whole(withoutLf, LIMITS))
                            .as("before the line end")
                            .isEqualTo(Outcome.waiting());
                    Outcome refused = Outcome.error("invalid bulk length");
                    assertThat(Feeder.whole(bytes, LIMITS)).isEqualTo(refused);
                    assertThat(Feeder.chunked(bytes, h.positions(), LIMITS)).isEqualTo(refused);
                    // Whatever would follow is not waited for: the request is refused on its header.
                    byte[] more = concat(bytes, "abc".getBytes(StandardCharsets.ISO_8859_1));
                    assertThat(Feeder.whole(more, LIMITS)).isEqualTo(refused);
                });
    }

    @Test
    void aMultibulkCountAboveTheLimitOrMalformedIsRefusedAsSoonAsItsLineEnds() {
        forAll(
                "aMultibulkCountAboveTheLimitOrMalformedIsRefusedAsSoonAsItsLineEnds",
                300,
                r -> new Cut<>(badCount(r), cuts(r)),
                c -> c.shrink(count -> Stream.empty()),
                c -> c.show(PropertyCheck::show),
                c -> {
                    byte[] bytes = ("*" + c.value() + "\r\n").getBytes(StandardCharsets.ISO_8859_1);
                    Outcome refused = Outcome.error("invalid multibulk length");
                    assertThat(Feeder.whole(Arrays.copyOf(bytes, bytes.length - 1), LIMITS))
                            .isEqualTo(Outcome.waiting());
                    assertThat(Feeder.whole(bytes, LIMITS)).isEqualTo(refused);
                    assertThat(Feeder.chunked(bytes, c.positions(bytes.length), LIMITS))
                            .isEqualTo(refused);
                });
    }

    @Test
    void aLineWithoutItsEndIsRefusedOnceItOutgrowsTheInlineLimitAndNotBefore() {
        int limit = LIMITS.maxInlineLength();
        forAll(
                "aLineWithoutItsEndIsRefusedOnceItOutgrowsTheInlineLimitAndNotBefore",
                300,
                r -> new LongLine(
                        LineKind.values()[r.nextInt(3)],
                        r.nextInt(3) == 0 ? 1 + r.nextInt(2 * limit) : limit - 3 + r.nextInt(7),
                        r.nextLong(),
                        cuts(r)),
                LongLine::shrink,
                LongLine::toString,
                line -> {
                    byte[] bytes = line.bytes();
                    int lineStart = line.kind() == LineKind.BULK_COUNT ? 4 : 0;
                    int upToLimit = Math.min(bytes.length, lineStart + limit);
                    List<Integer> cuts = line.cuts().stream()
                            .map(x -> Math.floorMod(x, upToLimit + 1))
                            .collect(Collectors.toList());
                    Feeder feeder = new Feeder(LIMITS);
                    feeder.feed(bytes, 0, upToLimit, cuts);
                    assertThat(feeder.outcome())
                            .as("with %d bytes of the line", upToLimit - lineStart)
                            .isEqualTo(Outcome.waiting());
                    feeder.feed(bytes, upToLimit, bytes.length, List.of());
                    Outcome expected = line.length() > limit ? Outcome.error(line.kind().error) : Outcome.waiting();
                    assertThat(feeder.outcome())
                            .as("with all %d bytes of the line", line.length())
                            .isEqualTo(expected);
                });
    }

    @Test
    void announcedSizesReserveNothingBeforeTheirBytesArrive() {
        forAll(
                "announcedSizesReserveNothingBeforeTheirBytesArrive",
                300,
                r -> {
                    int count = 1 + (r.nextBoolean() ? r.nextInt(LARGE.maxMultibulkLength()) : r.nextInt(64));
                    int sent = r.nextInt(Math.min(count, 40));
                    int bulk = r.nextBoolean()
                            ? r.nextInt(LARGE.maxBulkLength() + 1)
                            : LARGE.maxBulkLength() - r.nextInt(3);
                    int payload = r.nextInt((int) Math.min(bulk + 2L, 100));
                    return new Announced(count, sent, bulk, payload, cuts(r));
                },
                Announced::shrink,
                Announced::toString,
                a -> {
                    byte[] bytes = a.bytes();
                    Feeder feeder = new Feeder(LARGE);
                    feeder.feed(bytes, 0, bytes.length, a.positions(bytes.length));
                    assertThat(feeder.outcome()).isEqualTo(Outcome.waiting());
                    assertThat(feeder.state.need).as("bytes still missing").isEqualTo(a.bulk() + 2L - a.payload());
                    assertThat(feeder.state.args.count).isEqualTo(a.sent());
                    assertThat(feeder.state.args.off.length)
                            .as("argument table")
                            .isLessThanOrEqualTo(Math.max(ARGS_INITIAL, 2 * a.sent()));

                    // The engine stashes what arrived, not what was announced.
                    EngineHarness h = new EngineHarness(LARGE, InfoSource.none(), false);
                    h.feed(bytes);
                    assertThat(h.drain()).isEmpty();
                    assertThat(h.session.stashedBytes()).isEqualTo(bytes.length);
                    assertThat(h.session.stashCapacity()).isLessThanOrEqualTo(Math.max(64, bytes.length));
                });
    }
}
