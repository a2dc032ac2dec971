package dev.ioloop.sample.resp;

import static dev.ioloop.sample.resp.PropertyCheck.forAll;
import static dev.ioloop.sample.resp.PropertyCheck.show;
import static dev.ioloop.sample.resp.PropertyCheck.shrinkBytes;
import static dev.ioloop.sample.resp.PropertyCheck.shrinkInt;
import static dev.ioloop.sample.resp.PropertyCheck.shrinkList;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Generated input for {@link RespParser}, and for the {@link RespEngine} that drives it: valid
 * requests parse back to exactly their arguments however their bytes are cut into reads, and random
 * or mutated bytes give requests, a wait for more bytes, or the parser's protocol error (an
 * {@link RespParser#ERROR} result with one of Redis's texts) and never anything else, without
 * reserving memory for sizes that were only announced.
 *
 * <p>The parser is fed by {@link Feeder}, which keeps an incomplete request the way the engine's stash
 * does (resumed in place, restarted once when moved, the storage reallocated and the old storage
 * scribbled over) and checks on every call what the parser promises: progress, in-bounds argument
 * ranges, a positive bounded {@code need}, a known error text, and no table or arena larger than what
 * actually arrived.
 *
 * <p>Runs are reproducible (see {@link PropertyCheck} for the seed and scale switches). Small limits
 * make the generated values reach every limit and cross it.
 */
class RespParserPropertyTests {

    /** Small enough for generated frames to reach and cross every limit. */
    static final RespLimits LIMITS = new RespLimits(300, 20, 512);
    /** Large announced sizes, to see that announcing reserves nothing. */
    static final RespLimits LARGE = new RespLimits(1 << 30, 1 << 20, 1024);

    private static final int ARENA_INITIAL = 256;
    private static final int ARGS_INITIAL = 16;

    private static final Pattern PROTOCOL_ERROR = Pattern.compile(
            "invalid multibulk length|invalid bulk length|too big mbulk count string|too big bulk count string"
                    + "|too big inline request|unbalanced quotes in request|expected '\\$', got '[^$]'",
            Pattern.DOTALL);

    // ------------------------------------------------------------------------------------------------
    // Valid requests
    // ------------------------------------------------------------------------------------------------

    @Test
    void aRequestEncodedAsMultibulkParsesBackToExactlyItsArguments() {
        framesParseBackToTheirArguments("aRequestEncodedAsMultibulkParsesBackToExactlyItsArguments",
                r -> multibulkFrame(r, LIMITS));
    }

    @Test
    void anInlineCommandParsesToItsArgumentsWhateverTheQuotingAndBlanks() {
        framesParseBackToTheirArguments("anInlineCommandParsesToItsArgumentsWhateverTheQuotingAndBlanks",
                r -> inlineFrame(r, LIMITS));
    }

    /** Checks 600 generated frames: each, fed whole, parses to exactly one request with its arguments. */
    private static void framesParseBackToTheirArguments(String property, PropertyCheck.Gen<Frame> frames) {
        forAll(property, 600, frames, RespParserPropertyTests::shrinkFrame, Frame::toString, frame -> {
            Outcome got = Feeder.whole(frame.encode(), LIMITS);
            assertThat(got).isEqualTo(Outcome.of(List.of(frame.expected())));
        });
    }

    @Test
    void pipelinedRequestsParseBackInOrderWhereverTheReadsAreCut() {
        forAll("pipelinedRequestsParseBackInOrderWhereverTheReadsAreCut", 200,
                r -> new Cut<>(pipeline(r, LIMITS), cuts(r)),
                c -> c.shrink(RespParserPropertyTests::shrinkPipeline),
                c -> c.show(RespParserPropertyTests::showPipeline),
                c -> {
                    byte[] bytes = encode(c.value());
                    Outcome expected = Outcome.of(c.value().stream().map(Frame::expected)
                            .filter(args -> !args.isEmpty()).collect(Collectors.toList()));
                    assertThat(Feeder.whole(bytes, LIMITS)).as("in one read").isEqualTo(expected);
                    assertThat(Feeder.chunked(bytes, c.positions(bytes.length), LIMITS))
                            .as("in reads cut at %s", c.positions(bytes.length)).isEqualTo(expected);
                    assertThat(Feeder.byteByByte(bytes, LIMITS)).as("one byte per read").isEqualTo(expected);
                });
    }

    // ------------------------------------------------------------------------------------------------
    // Bad input
    // ------------------------------------------------------------------------------------------------

    @Test
    void randomBytesGiveRequestsAWaitOrTheProtocolErrorAndNothingElse() {
        Set<String> seen = new TreeSet<>();
        forAll("randomBytesGiveRequestsAWaitOrTheProtocolErrorAndNothingElse", 2000,
                r -> new Cut<>(randomBytes(r), cuts(r)),
                c -> c.shrink(PropertyCheck::shrinkBytes),
                c -> c.show(PropertyCheck::show),
                c -> seen.add(parsesAlikeHoweverCut(c.value(), c.positions(c.value().length)).kind()));
        // The generator must reach the interesting outcomes, or the property says little.
        assertThat(seen).contains("requests", "waiting", "expected '$'", "invalid multibulk length",
                "unbalanced quotes in request", "too big inline request");
    }

    @Test
    void mutatedFramesGiveRequestsAWaitOrTheProtocolErrorAndNothingElse() {
        Set<String> seen = new TreeSet<>();
        forAll("mutatedFramesGiveRequestsAWaitOrTheProtocolErrorAndNothingElse", 1000,
                r -> new Cut<>(new Mutated(pipeline(r, LIMITS), mutations(r)), cuts(r)),
                c -> c.shrink(Mutated::shrink),
                c -> c.show(m -> show(m.bytes()) + " from " + m),
                c -> {
                    byte[] bytes = c.value().bytes();
                    seen.add(parsesAlikeHoweverCut(bytes, c.positions(bytes.length)).kind());
                });
        assertThat(seen).contains("requests", "waiting", "expected '$'", "invalid multibulk length",
                "invalid bulk length", "unbalanced quotes in request");
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
        boolean lineOutgrewLimitEarlier = cut.error() != null && cut.error().startsWith("too big")
                && cut.requests().size() <= whole.requests().size()
                && cut.requests().equals(whole.requests().subList(0, cut.requests().size()));
        assertThat(lineOutgrewLimitEarlier).as("%s gave %s, in one read %s", how, cut, whole).isTrue();
    }

    // ------------------------------------------------------------------------------------------------
    // Limits
    // ------------------------------------------------------------------------------------------------

    @Test
    void aBulkLengthAboveTheLimitNegativeOrMalformedIsRefusedAsSoonAsItsLineEnds() {
        forAll("aBulkLengthAboveTheLimitNegativeOrMalformedIsRefusedAsSoonAsItsLineEnds", 300,
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
                    assertThat(Feeder.whole(withoutLf, LIMITS)).as("before the line end").isEqualTo(Outcome.waiting());
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
        forAll("aMultibulkCountAboveTheLimitOrMalformedIsRefusedAsSoonAsItsLineEnds", 300,
                r -> new Cut<>(badCount(r), cuts(r)),
                c -> c.shrink(count -> Stream.empty()),
                c -> c.show(PropertyCheck::show),
                c -> {
                    byte[] bytes = ("*" + c.value() + "\r\n").getBytes(StandardCharsets.ISO_8859_1);
                    Outcome refused = Outcome.error("invalid multibulk length");
                    assertThat(Feeder.whole(Arrays.copyOf(bytes, bytes.length - 1), LIMITS)).isEqualTo(Outcome.waiting());
                    assertThat(Feeder.whole(bytes, LIMITS)).isEqualTo(refused);
                    assertThat(Feeder.chunked(bytes, c.positions(bytes.length), LIMITS)).isEqualTo(refused);
                });
    }

    @Test
    void aLineWithoutItsEndIsRefusedOnceItOutgrowsTheInlineLimitAndNotBefore() {
        int limit = LIMITS.maxInlineLength();
        forAll("aLineWithoutItsEndIsRefusedOnceItOutgrowsTheInlineLimitAndNotBefore", 300,
                r -> new LongLine(LineKind.values()[r.nextInt(3)],
                        r.nextInt(3) == 0 ? 1 + r.nextInt(2 * limit) : limit - 3 + r.nextInt(7), r.nextLong(), cuts(r)),
                LongLine::shrink,
                LongLine::toString,
                line -> {
                    byte[] bytes = line.bytes();
                    int lineStart = line.kind() == LineKind.BULK_COUNT ? 4 : 0;
                    int upToLimit = Math.min(bytes.length, lineStart + limit);
                    List<Integer> cuts = line.cuts().stream().map(x -> Math.floorMod(x, upToLimit + 1)).collect(Collectors.toList());
                    Feeder feeder = new Feeder(LIMITS);
                    feeder.feed(bytes, 0, upToLimit, cuts);
                    assertThat(feeder.outcome()).as("with %d bytes of the line", upToLimit - lineStart).isEqualTo(Outcome.waiting());
                    feeder.feed(bytes, upToLimit, bytes.length, List.of());
                    Outcome expected = line.length() > limit ? Outcome.error(line.kind().error) : Outcome.waiting();
                    assertThat(feeder.outcome()).as("with all %d bytes of the line", line.length()).isEqualTo(expected);
                });
    }

    @Test
    void announcedSizesReserveNothingBeforeTheirBytesArrive() {
        forAll("announcedSizesReserveNothingBeforeTheirBytesArrive", 300,
                r -> {
                    int count = 1 + (r.nextBoolean() ? r.nextInt(LARGE.maxMultibulkLength()) : r.nextInt(64));
                    int sent = r.nextInt(Math.min(count, 40));
                    int bulk = r.nextBoolean() ? r.nextInt(LARGE.maxBulkLength() + 1) : LARGE.maxBulkLength() - r.nextInt(3);
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
                    assertThat(feeder.state.args.off.length).as("argument table")
                            .isLessThanOrEqualTo(Math.max(ARGS_INITIAL, 2 * a.sent()));

                    // The engine stashes what arrived, not what was announced.
                    EngineHarness h = new EngineHarness(LARGE, InfoSource.none(), false);
                    h.feed(bytes);
                    assertThat(h.drain()).isEmpty();
                    assertThat(h.session.stashedBytes()).isEqualTo(bytes.length);
                    assertThat(h.session.stashCapacity()).isLessThanOrEqualTo(Math.max(64, bytes.length));
                });
    }

    // ------------------------------------------------------------------------------------------------
    // Through the engine
    // ------------------------------------------------------------------------------------------------

    @Test
    void theEngineAnswersAnyInputAlikeWhateverTheReadsAndStashesNoMoreThanTheLimitsAllow() {
        forAll("theEngineAnswersAnyInputAlikeWhateverTheReadsAndStashesNoMoreThanTheLimitsAllow", 150,
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
                        assertThat(lastLine(heap)).as("replies %s, in one read %s", show(heap), show(whole))
                                .matches("-ERR Protocol error: too big [a-z ]+\r\n");
                        assertThat(whole).startsWith(stripLastLine(heap));
                    }
                });
    }

    @Test
    void echoedPayloadsComeBackByteForByteWhateverTheReads() {
        forAll("echoedPayloadsComeBackByteForByteWhateverTheReads", 100,
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
                        in.writeBytes(new Frame(Kind.MULTIBULK, List.of(new Arg(bytes("ECHO"), Style.BARE), new Arg(p, Style.DOUBLE)), 0).encode());
                        expected.append('$').append(p.length).append("\r\n").append(latin1(p)).append("\r\n");
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
            assertThat((long) h.session.stashCapacity()).as("stash after %d bytes", from).isLessThanOrEqualTo(bound);
            if (h.session.protocolError()) {
                String last = lastLine(replies.toString());
                assertThat(last).startsWith("-ERR Protocol error: ").endsWith("\r\n");
                assertThat(last.substring("-ERR Protocol error: ".length(), last.length() - 2))
                        .as("protocol error text of %s", show(last)).matches(PROTOCOL_ERROR);
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

    // ------------------------------------------------------------------------------------------------
    // The parser, driven as the engine drives it
    // ------------------------------------------------------------------------------------------------

    /** What feeding bytes to the parser gave: the requests' arguments (ISO-8859-1), and how it ended. */
    record Outcome(List<List<String>> requests, String error, boolean pending) {

        static Outcome of(List<List<String>> requests) {
            return new Outcome(requests, null, false);
        }

        static Outcome waiting() {
            return new Outcome(List.of(), null, true);
        }

        static Outcome error(String error) {
            return new Outcome(List.of(), error, false);
        }

        /** How it ended: "requests", "waiting", or the error text (without the byte "expected '$'" names). */
        String kind() {
            return error != null ? error.replaceFirst("(?s), got '.'$", "") : pending ? "waiting" : "requests";
        }

        @Override
        public String toString() {
            return requests.stream().map(a -> a.stream().map(PropertyCheck::show).collect(Collectors.joining(", ", "[", "]")))
                    .collect(Collectors.joining(", ", "{requests [", "]"))
                    + (error != null ? ", error " + show(error) : "") + (pending ? ", pending" : "") + "}";
        }
    }

    /**
     * Feeds the parser as {@link RespEngine} does: requests complete in the buffer are parsed from it; an
     * incomplete one is moved to the start of a buffer of its own and parsed afresh there, then resumed
     * as bytes are appended. Appending reallocates the buffer by doubling and scribbles over the old one,
     * so that a parser keeping a stale array or offset gives wrong arguments.
     */
    static final class Feeder {

        final RespLimits limits;
        final RespParser parser;
        final ParseState state = new ParseState();
        private byte[] buf = new byte[16];
        private int len;
        private boolean resume;
        private final List<List<String>> requests = new ArrayList<>();
        private String error;
        private int longestLine;
        private int mostArgs;

        Feeder(RespLimits limits) {
            this.limits = limits;
            this.parser = new RespParser(limits);
        }

        static Outcome whole(byte[] bytes, RespLimits limits) {
            return chunked(bytes, List.of(), limits);
        }

        static Outcome chunked(byte[] bytes, List<Integer> cuts, RespLimits limits) {
            Feeder f = new Feeder(limits);
            f.feed(bytes, 0, bytes.length, cuts);
            return f.outcome();
        }

        static Outcome byteByByte(byte[] bytes, RespLimits limits) {
            Feeder f = new Feeder(limits);
            for (int i = 0; i < bytes.length; i++) {
                f.read(bytes, i, 1);
            }
            return f.outcome();
        }

        /** Feeds {@code b[from, to)} in reads ending at each of the (sorted) cuts within the range. */
        void feed(byte[] b, int from, int to, List<Integer> cuts) {
            int start = from;
            for (int cut : cuts) {
                if (cut > start && cut < to) {
                    read(b, start, cut - start);
                    start = cut;
                }
            }
            if (to > start) {
                read(b, start, to - start);
            }
        }

        Outcome outcome() {
            return new Outcome(List.copyOf(requests), error, error == null && len > 0);
        }

        void read(byte[] b, int off, int n) {
            if (error != null) {
                return;
            }
            if (len + n > buf.length) {
                byte[] bigger = new byte[Math.max(len + n, buf.length * 2)];
                System.arraycopy(buf, 0, bigger, 0, len);
                Arrays.fill(buf, (byte) '#');
                buf = bigger;
            }
            System.arraycopy(b, off, buf, len, n);
            len += n;
            int pos = 0;
            while (pos < len) {
                if (!resume) {
                    state.reset();
                }
                int next = parser.parse(buf, pos, len, state);
                if (next == RespParser.NEED_MORE) {
                    check(state.need >= 1 && state.need <= limits.maxBulkLength() + 2L, "need %d", state.need);
                    if (pos > 0) {
                        // The engine copies the start of a request into the session's stash and parses it afresh.
                        byte[] moved = new byte[Math.max(16, len - pos)];
                        System.arraycopy(buf, pos, moved, 0, len - pos);
                        Arrays.fill(buf, (byte) '#');
                        buf = moved;
                        len -= pos;
                        resume = false;
                    } else {
                        resume = true;
                    }
                    return;
                }
                resume = false;
                if (next == RespParser.ERROR) {
                    check(state.error != null && PROTOCOL_ERROR.matcher(state.error).matches(), "protocol error text %s", state.error);
                    error = state.error;
                    Arrays.fill(buf, (byte) '#');
                    len = 0;
                    return;
                }
                checkRequest(pos, next);
                pos = next;
            }
            Arrays.fill(buf, 0, len, (byte) '#');
            len = 0;
        }

        // Plain checks rather than AssertJ: this runs on every parser call, a byte at a time.
        private void checkRequest(int pos, int next) {
            check(next > pos && next <= len, "request parsed at %d of %d ends at %d", pos, len, next);
            Args args = state.args;
            check(args.count >= 0, "%d arguments", args.count);
            mostArgs = Math.max(mostArgs, args.count);
            check(args.off.length <= Math.max(ARGS_INITIAL, 2 * mostArgs),
                    "argument table of %d for at most %d arguments", args.off.length, mostArgs);
            if (state.type == ParseState.MULTIBULK) {
                check(args.buf == buf, "multibulk arguments are read in place");
                check(args.count <= limits.maxMultibulkLength(), "%d multibulk arguments", args.count);
                for (int i = 0; i < args.count; i++) {
                    check(args.len[i] >= 0 && args.len[i] <= limits.maxBulkLength(), "argument %d of %d bytes", i, args.len[i]);
                    check(args.off[i] >= pos && args.off[i] + args.len[i] + 2 <= next,
                            "argument %d at [%d, +%d) outside the request [%d, %d)", i, args.off[i], args.len[i], pos, next);
                }
            } else {
                check(state.type == ParseState.INLINE, "parse state type %d", state.type);
                // Inline arguments are unescaped into the parser's arena, which args.buf now is.
                longestLine = Math.max(longestLine, next - pos);
                check(args.buf.length <= Math.max(ARENA_INITIAL, 2 * longestLine),
                        "inline arena of %d bytes after lines of at most %d bytes", args.buf.length, longestLine);
                long total = 0;
                for (int i = 0; i < args.count; i++) {
                    check(args.off[i] >= 0 && args.len[i] >= 0 && args.off[i] + args.len[i] <= args.buf.length,
                            "argument %d at [%d, +%d) outside the arena of %d", i, args.off[i], args.len[i], args.buf.length);
                    total += args.len[i];
                }
                check(total <= next - pos, "%d unescaped bytes from a %d-byte line", total, next - pos);
            }
            if (args.count > 0) {
                List<String> list = new ArrayList<>(args.count);
                for (int i = 0; i < args.count; i++) {
                    list.add(new String(args.buf, args.off[i], args.len[i], StandardCharsets.ISO_8859_1));
                }
                requests.add(List.copyOf(list));
            }
        }
    }

    private static void check(boolean ok, String format, Object... args) {
        if (!ok) {
            throw new AssertionError(String.format(format, args));
        }
    }

    // ------------------------------------------------------------------------------------------------
    // Requests and their encodings
    // ------------------------------------------------------------------------------------------------

    /** How an inline argument is written. */
    enum Style {
        BARE, DOUBLE, SINGLE;

        boolean fits(byte[] v) {
            return switch (this) {
                case BARE -> v.length > 0 && allBare(v);
                case DOUBLE -> true;
                case SINGLE -> indexOf(v, '\n') < 0 && indexOf(v, 0) < 0 && (v.length == 0 || v[v.length - 1] != '\\');
            };
        }
    }

    record Arg(byte[] value, Style style) {
        @Override
        public String toString() {
            return style == Style.DOUBLE ? show(value) : style + ":" + show(value);
        }
    }

    enum Kind { MULTIBULK, INLINE, EMPTY_LINE, EMPTY_MULTIBULK }

    /** One request as a client writes it; {@code layout} picks blanks, escapes and line ends. */
    record Frame(Kind kind, List<Arg> args, int layout) {

        List<String> expected() {
            return args.stream().map(a -> latin1(a.value())).collect(Collectors.toList());
        }

        byte[] encode() {
            Random r = new Random(layout);
            ByteArrayOutputStream o = new ByteArrayOutputStream();
            switch (kind) {
                case MULTIBULK -> {
                    o.writeBytes(bytes("*" + args.size() + "\r\n"));
                    for (Arg a : args) {
                        o.writeBytes(bytes("$" + a.value().length + "\r\n"));
                        o.writeBytes(a.value());
                        o.writeBytes(bytes("\r\n"));
                    }
                }
                case EMPTY_MULTIBULK -> o.writeBytes(bytes(r.nextBoolean() ? "*0\r\n" : "*-" + (1 + r.nextInt(3)) + "\r\n"));
                case EMPTY_LINE -> {
                    blanks(o, r, r.nextInt(3));
                    o.writeBytes(bytes(r.nextBoolean() ? "\r\n" : "\n"));
                }
                case INLINE -> {
                    if (r.nextInt(4) == 0) {
                        blanks(o, r, 1 + r.nextInt(2));
                    }
                    for (int i = 0; i < args.size(); i++) {
                        if (i > 0) {
                            blanks(o, r, 1 + r.nextInt(2));
                        }
                        inlineArg(o, r, args.get(i));
                    }
                    if (r.nextInt(4) == 0) {
                        blanks(o, r, 1 + r.nextInt(2));
                    }
                    o.writeBytes(bytes(r.nextBoolean() ? "\r\n" : "\n"));
                }
            }
            byte[] b = o.toByteArray();
            // A line starting with '*' would be a multibulk request; a leading blank keeps it inline.
            return kind == Kind.INLINE && b[0] == '*' ? concat(bytes(" "), b) : b;
        }

        /**
         * Blanks between arguments. As in sdssplitargs, any isspace() byte is skipped before an argument,
         * but only ' ', '\t' and '\r' end an unquoted one: "a\u000bb" is one argument.
         */
        private static void blanks(ByteArrayOutputStream o, Random r, int n) {
            byte[] ending = {' ', ' ', ' ', '\t', '\r'};
            byte[] blanks = {' ', ' ', ' ', '\t', 0x0b, 0x0c, '\r'};
            for (int i = 0; i < n; i++) {
                o.write(i == 0 ? ending[r.nextInt(ending.length)] : blanks[r.nextInt(blanks.length)]);
            }
        }

        private static void inlineArg(ByteArrayOutputStream o, Random r, Arg a) {
            byte[] v = a.value();
            switch (a.style()) {
                case BARE -> o.writeBytes(v);
                case SINGLE -> {
                    o.write('\'');
                    for (byte c : v) {
                        if (c == '\'') {
                            o.write('\\');
                        }
                        o.write(c);
                    }
                    o.write('\'');
                }
                case DOUBLE -> {
                    o.write('"');
                    for (byte x : v) {
                        int c = x & 0xFF;
                        String named = switch (c) {
                            case '\n' -> "\\n";
                            case '\r' -> "\\r";
                            case '\t' -> "\\t";
                            case '\b' -> "\\b";
                            case 7 -> "\\a";
                            case '"' -> "\\\"";
                            case '\\' -> "\\\\";
                            default -> null;
                        };
                        if (named != null && r.nextInt(3) > 0) {
                            o.writeBytes(bytes(named));
                        } else if (c >= 0x20 && c < 0x7F && c != '"' && c != '\\') {
                            if ("nrtbax".indexOf(c) < 0 && r.nextInt(8) == 0) {
                                o.write('\\'); // "\<any>" is the byte itself
                            }
                            o.write(c);
                        } else {
                            String hex = String.format(r.nextBoolean() ? "\\x%02x" : "\\x%02X", c);
                            o.writeBytes(bytes(hex));
                        }
                    }
                    o.write('"');
                }
            }
        }

        @Override
        public String toString() {
            return kind + args.toString() + (kind == Kind.MULTIBULK ? "" : "@" + layout);
        }
    }

    private static Frame multibulkFrame(Random r, RespLimits limits) {
        int max = limits.maxMultibulkLength();
        int n = switch (r.nextInt(8)) {
            case 0 -> max;
            case 1, 2 -> 1 + r.nextInt(max);
            default -> 1 + r.nextInt(4);
        };
        List<Arg> args = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            args.add(new Arg(value(r, limits.maxBulkLength()), Style.DOUBLE));
        }
        return new Frame(Kind.MULTIBULK, args, 0);
    }

    private static Frame inlineFrame(Random r, RespLimits limits) {
        while (true) {
            int n = 1 + r.nextInt(r.nextInt(4) == 0 ? 24 : 6);
            List<Arg> args = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                args.add(inlineArg(r, r.nextInt(4) == 0 ? value(r, 40) : null));
            }
            Frame f = new Frame(Kind.INLINE, args, r.nextInt());
            if (f.encode().length <= limits.maxInlineLength()) {
                return f;
            }
        }
    }

    /** An inline argument for {@code v}, or for a generated value if null, in a style that can write it. */
    private static Arg inlineArg(Random r, byte[] v) {
        Style style = Style.values()[r.nextInt(3)];
        if (v == null) {
            v = style == Style.BARE ? bare(r, 1 + r.nextInt(12)) : value(r, 24);
        }
        return new Arg(v, style.fits(v) ? style : Style.DOUBLE);
    }

    private static List<Frame> pipeline(Random r, RespLimits limits) {
        List<Frame> frames = new ArrayList<>();
        for (int i = 1 + r.nextInt(6); i > 0; i--) {
            int k = r.nextInt(100);
            frames.add(k < 50 ? multibulkFrame(r, limits)
                    : k < 86 ? inlineFrame(r, limits)
                    : new Frame(k < 93 ? Kind.EMPTY_LINE : Kind.EMPTY_MULTIBULK, List.of(), r.nextInt()));
        }
        return frames;
    }

    /** Requests of the engine's own commands, with keys, numbers and odd values as arguments. */
    private static List<Frame> commands(Random r) {
        String[] names = {"get", "set", "ping", "echo", "incr", "decr", "incrby", "decrby", "mget", "mset", "del",
                "exists", "getdel", "append", "strlen", "expire", "pexpire", "ttl", "pttl", "persist", "keys", "dbsize",
                "flushall", "flushdb", "select", "info", "config", "command", "client", "hello", "quit", "nosuch"};
        String[] words = {"k", "n", "a", "", "*", "?", "[a-z]", "get", "help", "count", "docs", "info", "list", "id",
                "getname", "setname", "setinfo", "lib-name", "EX", "PX", "NX", "XX", "KEEPTTL", "GET", "server", "all"};
        List<Frame> frames = new ArrayList<>();
        for (int i = 1 + r.nextInt(8); i > 0; i--) {
            String name = names[r.nextInt(names.length - (r.nextInt(20) == 0 ? 0 : 2))];
            if (r.nextBoolean()) {
                name = name.toUpperCase();
            }
            List<byte[]> values = new ArrayList<>();
            values.add(bytes(name));
            for (int j = r.nextInt(5); j > 0; j--) {
                values.add(switch (r.nextInt(4)) {
                    case 0 -> bytes(words[r.nextInt(words.length)]);
                    case 1 -> bytes(NUMBERS[r.nextInt(NUMBERS.length)]);
                    case 2 -> bytes(Long.toString(r.nextInt(2000) - 1000));
                    default -> value(r, 30);
                });
            }
            if (r.nextInt(3) == 0) {
                List<Arg> args = values.stream().map(v -> inlineArg(r, v)).collect(Collectors.toList());
                Frame f = new Frame(Kind.INLINE, args, r.nextInt());
                if (f.encode().length <= LIMITS.maxInlineLength()) {
                    frames.add(f);
                    continue;
                }
            }
            frames.add(new Frame(Kind.MULTIBULK, values.stream().map(v -> new Arg(v, Style.DOUBLE)).collect(Collectors.toList()), 0));
        }
        return frames;
    }

    private static byte[] encode(List<Frame> frames) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        frames.forEach(f -> o.writeBytes(f.encode()));
        return o.toByteArray();
    }

    private static Stream<Frame> shrinkFrame(Frame f) {
        int min = f.kind() == Kind.MULTIBULK || f.kind() == Kind.INLINE ? 1 : 0;
        return shrinkList(f.args(), min, a -> shrinkBytes(a.value()).filter(a.style()::fits).map(v -> new Arg(v, a.style())))
                .map(args -> new Frame(f.kind(), args, f.layout()))
                .filter(s -> s.kind() != Kind.INLINE || s.encode().length <= LIMITS.maxInlineLength());
    }

    private static Stream<List<Frame>> shrinkPipeline(List<Frame> frames) {
        return shrinkList(frames, 1, RespParserPropertyTests::shrinkFrame);
    }

    private static String showPipeline(List<Frame> frames) {
        return show(encode(frames)) + " from " + frames;
    }

    // ------------------------------------------------------------------------------------------------
    // Bad input
    // ------------------------------------------------------------------------------------------------

    /** Header numbers worth trying: malformed, signed, at and around the limits, and overflowing. */
    private static final String[] NUMBERS = {
        "-1", "0", "-0", "00", "01", "+1", " 1", "1 ", "", "-", "x", "1x", "1.5", "0x10",
        "19", "20", "21", "299", "300", "301", "511", "512", "513",
        "2147483647", "2147483648", "-2147483648", "4294967296", "4294967298",
        "9223372036854775807", "9223372036854775808", "-9223372036854775808", "-9223372036854775809",
        "18446744073709551617", "99999999999999999999999", "000000000000000000001", "1".repeat(40),
    };

    private static final String[] TOKENS = {
        "*", "$", "\r\n", "\r", "\n", " ", "\t", "\"", "'", "\\", "\\x", "\\x4", "0", "1", "2", "9", "-", "-1",
        "300", "301", "20", "21", "PING", "a", "x", "\0", "\u00ff", "*1\r\n", "$1\r\n", "*2\r\n$4\r\nECHO\r\n",
    };

    /** Protocol tokens, numbers and random bytes; often after a multibulk header, sometimes with a line as long as the limit. */
    private static byte[] randomBytes(Random r) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        if (r.nextInt(3) == 0) {
            String count = r.nextInt(3) == 0 ? NUMBERS[r.nextInt(NUMBERS.length)] : Integer.toString(1 + r.nextInt(4));
            o.writeBytes(bytes("*" + count + "\r\n"));
        }
        for (int i = r.nextInt(r.nextInt(5) == 0 ? 120 : 30); i > 0; i--) {
            switch (r.nextInt(10)) {
                case 0 -> o.write(r.nextInt(256));
                case 1 -> o.writeBytes(bytes(NUMBERS[r.nextInt(NUMBERS.length)]));
                case 2 -> {
                    if (r.nextInt(6) == 0) {
                        // A long run, to cross the inline limit.
                        String run = "a1 ".substring(r.nextInt(3)).substring(0, 1);
                        o.writeBytes(bytes(run.repeat(LIMITS.maxInlineLength() - 4 + r.nextInt(8))));
                    } else {
                        o.writeBytes(value(r, 8));
                    }
                }
                default -> o.writeBytes(bytes(TOKENS[r.nextInt(TOKENS.length)]));
            }
        }
        return o.toByteArray();
    }

    /** One change to a valid encoding; {@code where} and {@code what} are taken modulo what they index. */
    record Mutation(int kind, int where, int what) {

        static final String[] KINDS = {"flip", "set", "insert", "delete", "truncate", "duplicate", "number", "sigil"};
        private static final String SIGILS = "*$+:-#\r\n \0";

        byte[] apply(byte[] b) {
            int pos = Math.floorMod(where, b.length + 1);
            int w = what & 0x7FFFFFFF;
            switch (kind) {
                case 0, 1 -> {
                    if (pos == b.length) {
                        return b;
                    }
                    byte[] c = b.clone();
                    c[pos] = kind == 0 ? (byte) (c[pos] ^ (1 + w % 255)) : bytes(TOKENS[w % TOKENS.length])[0];
                    return c;
                }
                case 2 -> {
                    return splice(b, pos, 0, bytes(TOKENS[w % TOKENS.length]));
                }
                case 3 -> {
                    return splice(b, pos, Math.min(b.length - pos, 1 + w % 4), new byte[0]);
                }
                case 4 -> {
                    return Arrays.copyOf(b, pos);
                }
                case 5 -> {
                    int n = Math.min(b.length - pos, 1 + w % 16);
                    return splice(b, pos, 0, Arrays.copyOfRange(b, pos, pos + n));
                }
                default -> {
                    List<Integer> headers = new ArrayList<>();
                    for (int i = 0; i < b.length; i++) {
                        if ((b[i] == '*' || b[i] == '$') && (i == 0 || b[i - 1] == '\n')) {
                            headers.add(i);
                        }
                    }
                    if (headers.isEmpty()) {
                        return b;
                    }
                    int h = headers.get(Math.floorMod(where, headers.size()));
                    if (kind == 7) {
                        return splice(b, h, 1, new byte[] {(byte) SIGILS.charAt(w % SIGILS.length())});
                    }
                    int end = h + 1;
                    while (end < b.length && b[end] != '\r') {
                        end++;
                    }
                    return splice(b, h + 1, end - h - 1, bytes(NUMBERS[w % NUMBERS.length]));
                }
            }
        }

        @Override
        public String toString() {
            return KINDS[kind] + "(" + where + "," + what + ")";
        }
    }

    private static List<Mutation> mutations(Random r) {
        List<Mutation> list = new ArrayList<>();
        for (int i = 1 + r.nextInt(4); i > 0; i--) {
            list.add(new Mutation(r.nextInt(Mutation.KINDS.length), r.nextInt(), r.nextInt()));
        }
        return list;
    }

    record Mutated(List<Frame> frames, List<Mutation> mutations) {

        byte[] bytes() {
            byte[] b = encode(frames);
            for (Mutation m : mutations) {
                b = m.apply(b);
            }
            return b;
        }

        Stream<Mutated> shrink() {
            return Stream.concat(
                    shrinkList(mutations, 0, m -> Stream.empty()).map(ms -> new Mutated(frames, ms)),
                    shrinkPipeline(frames).map(fs -> new Mutated(fs, mutations)));
        }

        @Override
        public String toString() {
            return frames + " mutated by " + mutations;
        }
    }

    private static String badBulkLength(Random r) {
        int max = LIMITS.maxBulkLength();
        return switch (r.nextInt(6)) {
            case 0 -> Integer.toString(max + 1);
            case 1 -> Long.toString(max + 1L + (r.nextLong() & Long.MAX_VALUE) % (Long.MAX_VALUE - max));
            case 2 -> "-" + (1 + r.nextInt(Integer.MAX_VALUE));
            case 3 -> Integer.toString(max + 1 + r.nextInt(Integer.MAX_VALUE - max));
            default -> {
                String[] bad = {"", "-", "+1", "01", "00", " 1", "1 ", "x", "1x", "-0", "1.0", "2147483648",
                        "9223372036854775807", "9223372036854775808", "-9223372036854775808", "1".repeat(21), "\0"};
                yield bad[r.nextInt(bad.length)];
            }
        };
    }

    private static String badCount(Random r) {
        int max = LIMITS.maxMultibulkLength();
        return switch (r.nextInt(5)) {
            case 0 -> Integer.toString(max + 1);
            case 1 -> Long.toString(max + 1L + (r.nextLong() & Long.MAX_VALUE) % (Long.MAX_VALUE - max));
            case 2 -> Integer.toString(max + 1 + r.nextInt(Integer.MAX_VALUE - max));
            default -> {
                String[] bad = {"", "-", "+1", "01", "00", " 1", "1 ", "x", "1x", "-0", "1.0", "9223372036854775808",
                        "-9223372036854775809", "1".repeat(21), "\0", "\n"};
                yield bad[r.nextInt(bad.length)];
            }
        };
    }

    /** {@code *count}, the {@code before} arguments, then a bulk header with a refused {@code length}. */
    record BadHeader(int count, List<byte[]> before, String length, List<Integer> cuts) {

        byte[] bytes() {
            ByteArrayOutputStream o = new ByteArrayOutputStream();
            o.writeBytes(RespParserPropertyTests.bytes("*" + count + "\r\n"));
            for (byte[] v : before) {
                o.writeBytes(RespParserPropertyTests.bytes("$" + v.length + "\r\n"));
                o.writeBytes(v);
                o.writeBytes(RespParserPropertyTests.bytes("\r\n"));
            }
            o.writeBytes(RespParserPropertyTests.bytes("$" + length + "\r\n"));
            return o.toByteArray();
        }

        List<Integer> positions() {
            return RespParserPropertyTests.positions(cuts, bytes().length);
        }

        Stream<BadHeader> shrink() {
            return shrinkList(before, 0, PropertyCheck::shrinkBytes).map(b -> new BadHeader(Math.max(count, b.size() + 1), b, length, cuts));
        }

        @Override
        public String toString() {
            return show(bytes()) + " cut at " + positions();
        }
    }

    enum LineKind {
        INLINE("too big inline request"), COUNT("too big mbulk count string"), BULK_COUNT("too big bulk count string");

        final String error;

        LineKind(String error) {
            this.error = error;
        }
    }

    /** A line of {@code length} bytes (its first byte included) with no line end yet. */
    record LongLine(LineKind kind, int length, long fill, List<Integer> cuts) {

        byte[] bytes() {
            Random r = new Random(fill);
            byte[] line = new byte[length];
            for (int i = 0; i < length; i++) {
                byte c;
                do {
                    c = (byte) (r.nextInt(3) == 0 ? r.nextInt(256) : "ab1 \t\"'\\".charAt(r.nextInt(8)));
                } while (c == '\n' || c == '\r' || c == '*' && i == 0);
                line[i] = c;
            }
            if (kind == LineKind.COUNT) {
                line[0] = '*';
            } else if (kind == LineKind.BULK_COUNT) {
                line[0] = '$';
                return concat(RespParserPropertyTests.bytes("*1\r\n"), line);
            }
            return line;
        }

        Stream<LongLine> shrink() {
            return shrinkInt(length, 1).map(n -> new LongLine(kind, n, fill, cuts));
        }

        @Override
        public String toString() {
            return kind + " line of " + length + " bytes (fill " + fill + "), cuts " + cuts;
        }
    }

    /** {@code *count}, {@code sent} arguments, then a {@code $bulk} header and {@code payload} bytes of it. */
    record Announced(int count, int sent, int bulk, int payload, List<Integer> cuts) {

        byte[] bytes() {
            ByteArrayOutputStream o = new ByteArrayOutputStream();
            o.writeBytes(RespParserPropertyTests.bytes("*" + count + "\r\n"));
            for (int i = 0; i < sent; i++) {
                o.writeBytes(RespParserPropertyTests.bytes("$1\r\n" + (char) ('a' + i % 26) + "\r\n"));
            }
            o.writeBytes(RespParserPropertyTests.bytes("$" + bulk + "\r\n"));
            o.writeBytes(RespParserPropertyTests.bytes("z".repeat(payload)));
            return o.toByteArray();
        }

        List<Integer> positions(int length) {
            return RespParserPropertyTests.positions(cuts, length);
        }

        Stream<Announced> shrink() {
            return Stream.concat(shrinkInt(sent, 0).map(s -> new Announced(count, s, bulk, payload, cuts)),
                    shrinkInt(payload, 0).map(p -> new Announced(count, sent, bulk, p, cuts)));
        }

        @Override
        public String toString() {
            return "*" + count + ", " + sent + " sent, $" + bulk + " with " + payload + " bytes, cuts " + cuts;
        }
    }

    // ------------------------------------------------------------------------------------------------
    // Read boundaries
    // ------------------------------------------------------------------------------------------------

    /** A value and where its bytes are cut into reads; cuts are taken modulo the length, so they survive shrinking. */
    record Cut<T>(T value, List<Integer> cuts) {

        List<Integer> positions(int length) {
            return RespParserPropertyTests.positions(cuts, length);
        }

        Stream<Cut<T>> shrink(Function<T, Stream<T>> shrinkValue) {
            return Stream.concat(
                    shrinkValue.apply(value).map(v -> new Cut<>(v, cuts)),
                    shrinkList(cuts, 0, c -> Stream.empty()).map(cs -> new Cut<>(value, cs)));
        }

        String show(Function<T, String> showValue) {
            return showValue.apply(value) + " cut " + cuts;
        }
    }

    private static List<Integer> cuts(Random r) {
        List<Integer> cuts = new ArrayList<>();
        for (int i = r.nextInt(7); i > 0; i--) {
            cuts.add(r.nextInt() & 0x7FFFFFFF);
        }
        return cuts;
    }

    static List<Integer> positions(List<Integer> cuts, int length) {
        return cuts.stream().map(c -> Math.floorMod(c, length + 1)).sorted().distinct().collect(Collectors.toList());
    }

    // ------------------------------------------------------------------------------------------------
    // Bytes
    // ------------------------------------------------------------------------------------------------

    private static final byte[] ODD = bytes("\r\n*$\"'\\ \t0123-x:+\0\u00ff\u0080");

    /** A value of at most {@code max} bytes: mostly short, sometimes exactly {@code max}, with protocol bytes mixed in. */
    private static byte[] value(Random r, int max) {
        int n = switch (r.nextInt(10)) {
            case 0, 1, 2, 3, 4 -> r.nextInt(Math.min(max, 8) + 1);
            case 5, 6, 7 -> r.nextInt(Math.min(max, 40) + 1);
            case 8 -> r.nextInt(max + 1);
            default -> Math.max(0, max - r.nextInt(2));
        };
        byte[] v = new byte[n];
        for (int i = 0; i < n; i++) {
            v[i] = switch (r.nextInt(10)) {
                case 0, 1, 2 -> ODD[r.nextInt(ODD.length)];
                case 3, 4, 5 -> (byte) r.nextInt(256);
                default -> (byte) ('a' + r.nextInt(26));
            };
        }
        return v;
    }

    private static final byte[] BARE = bytes("abcxyzABCXYZ0189-+*$:#!?.,;/\\()[]{}<>=_|~`@%^&\u00e9\u00ff\u0080\u0001\u007f");

    private static byte[] bare(Random r, int n) {
        byte[] v = new byte[n];
        for (int i = 0; i < n; i++) {
            v[i] = BARE[r.nextInt(BARE.length)];
        }
        return v;
    }

    private static boolean allBare(byte[] v) {
        for (byte c : v) {
            if (c == 0 || c == ' ' || c >= '\t' && c <= '\r' || c == '"' || c == '\'') {
                return false;
            }
        }
        return true;
    }

    private static int indexOf(byte[] v, int c) {
        for (int i = 0; i < v.length; i++) {
            if (v[i] == (byte) c) {
                return i;
            }
        }
        return -1;
    }

    static byte[] bytes(String latin1) {
        return latin1.getBytes(StandardCharsets.ISO_8859_1);
    }

    static String latin1(byte[] b) {
        return new String(b, StandardCharsets.ISO_8859_1);
    }

    static byte[] concat(byte[] a, byte[] b) {
        byte[] c = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }

    private static byte[] splice(byte[] b, int at, int remove, byte[] insert) {
        byte[] c = new byte[b.length - remove + insert.length];
        System.arraycopy(b, 0, c, 0, at);
        System.arraycopy(insert, 0, c, at, insert.length);
        System.arraycopy(b, at + remove, c, at + insert.length, b.length - at - remove);
        return c;
    }
}
