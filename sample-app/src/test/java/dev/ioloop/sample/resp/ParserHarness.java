package dev.ioloop.sample.resp;

import static dev.ioloop.sample.resp.PropertyCheck.show;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Drives {@link RespParser} for the parser and engine properties, the way {@link RespEngine} does, and checks on
 * every call what the parser promises. {@link Feeder} keeps an incomplete request the way the engine's stash does
 * (resumed in place, restarted once when moved, the storage reallocated and the old storage scribbled over) and
 * checks progress, in-bounds argument ranges, a positive bounded {@code need}, a known error text, and no table or
 * arena larger than what actually arrived; {@link Outcome} is what a run of it gave. {@link #PROTOCOL_ERROR} holds
 * the texts the parser may refuse input with.
 */
final class ParserHarness {

    /** The sizes the parser's inline arena and argument table start at, before input grows them. */
    private static final int ARENA_INITIAL = 256;

    static final int ARGS_INITIAL = 16;

    /** Every text the parser may refuse input with. */
    static final Pattern PROTOCOL_ERROR = Pattern.compile(
            "invalid multibulk length|invalid bulk length|too big mbulk count string|too big bulk count string"
                    + "|too big inline request|unbalanced quotes in request|expected '\\$', got '[^$]'",
            Pattern.DOTALL);

    private ParserHarness() {}

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
            return requests.stream()
                            .map(a -> a.stream().map(PropertyCheck::show).collect(Collectors.joining(", ", "[", "]")))
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
                    check(
                            state.error != null
                                    && PROTOCOL_ERROR.matcher(state.error).matches(),
                            "protocol error text %s",
                            state.error);
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
            check(
                    args.off.length <= Math.max(ARGS_INITIAL, 2 * mostArgs),
                    "argument table of %d for at most %d arguments",
                    args.off.length,
                    mostArgs);
            if (state.type == ParseState.MULTIBULK) {
                check(args.buf == buf, "multibulk arguments are read in place");
                check(args.count <= limits.maxMultibulkLength(), "%d multibulk arguments", args.count);
                for (int i = 0; i < args.count; i++) {
                    check(
                            args.len[i] >= 0 && args.len[i] <= limits.maxBulkLength(),
                            "argument %d of %d bytes",
                            i,
                            args.len[i]);
                    check(
                            args.off[i] >= pos && args.off[i] + args.len[i] + 2 <= next,
                            "argument %d at [%d, +%d) outside the request [%d, %d)",
                            i,
                            args.off[i],
                            args.len[i],
                            pos,
                            next);
                }
            } else {
                check(state.type == ParseState.INLINE, "parse state type %d", state.type);
                // Inline arguments are unescaped into the parser's arena, which args.buf now is.
                longestLine = Math.max(longestLine, next - pos);
                check(
                        args.buf.length <= Math.max(ARENA_INITIAL, 2 * longestLine),
                        "inline arena of %d bytes after lines of at most %d bytes",
                        args.buf.length,
                        longestLine);
                long total = 0;
                for (int i = 0; i < args.count; i++) {
                    check(
                            args.off[i] >= 0 && args.len[i] >= 0 && args.off[i] + args.len[i] <= args.buf.length,
                            "argument %d at [%d, +%d) outside the arena of %d",
                            i,
                            args.off[i],
                            args.len[i],
                            args.buf.length);
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
}
