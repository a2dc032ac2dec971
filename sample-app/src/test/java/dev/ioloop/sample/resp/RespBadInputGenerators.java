package dev.ioloop.sample.resp;

import static dev.ioloop.sample.resp.PropertyCheck.show;
import static dev.ioloop.sample.resp.PropertyCheck.shrinkInt;
import static dev.ioloop.sample.resp.PropertyCheck.shrinkList;
import static dev.ioloop.sample.resp.RespFrameGenerators.encode;
import static dev.ioloop.sample.resp.RespFrameGenerators.shrinkPipeline;
import static dev.ioloop.sample.resp.RespGenerators.LIMITS;
import static dev.ioloop.sample.resp.RespGenerators.NUMBERS;
import static dev.ioloop.sample.resp.RespGenerators.bytes;
import static dev.ioloop.sample.resp.RespGenerators.concat;
import static dev.ioloop.sample.resp.RespGenerators.splice;
import static dev.ioloop.sample.resp.RespGenerators.value;

import dev.ioloop.sample.resp.RespFrameGenerators.Frame;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

/**
 * Bad RESP input for the parser and engine properties: random protocol tokens, numbers and bytes; valid frames
 * changed by {@link Mutation}s (bytes flipped, set, inserted, deleted or duplicated, the input truncated, a header
 * number or sigil replaced); bulk lengths and multibulk counts over the limit, negative or malformed; lines that
 * outgrow the inline limit before their end arrives; and requests that announce far more than they send. Each
 * value shrinks to a simpler one when a property fails on it.
 */
final class RespBadInputGenerators {

    /** Pieces of the protocol, for random input and for mutations to insert or set. */
    private static final String[] TOKENS = {
        "*",
        "$",
        "\r\n",
        "\r",
        "\n",
        " ",
        "\t",
        "\"",
        "'",
        "\\",
        "\\x",
        "\\x4",
        "0",
        "1",
        "2",
        "9",
        "-",
        "-1",
        "300",
        "301",
        "20",
        "21",
        "PING",
        "a",
        "x",
        "\0",
        "\u00ff",
        "*1\r\n",
        "$1\r\n",
        "*2\r\n$4\r\nECHO\r\n",
    };

    private RespBadInputGenerators() {}

    /** Protocol tokens, numbers and random bytes; often after a multibulk header, sometimes with a line as long as the limit. */
    static byte[] randomBytes(Random r) {
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

    static List<Mutation> mutations(Random r) {
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

    static String badBulkLength(Random r) {
        int max = LIMITS.maxBulkLength();
        return switch (r.nextInt(6)) {
            case 0 -> Integer.toString(max + 1);
            case 1 -> Long.toString(max + 1L + (r.nextLong() & Long.MAX_VALUE) % (Long.MAX_VALUE - max));
            case 2 -> "-" + (1 + r.nextInt(Integer.MAX_VALUE));
            case 3 -> Integer.toString(max + 1 + r.nextInt(Integer.MAX_VALUE - max));
            default -> {
                String[] bad = {
                    "",
                    "-",
                    "+1",
                    "01",
                    "00",
                    " 1",
                    "1 ",
                    "x",
                    "1x",
                    "-0",
                    "1.0",
                    "2147483648",
                    "9223372036854775807",
                    "9223372036854775808",
                    "-9223372036854775808",
                    "1".repeat(21),
                    "\0"
                };
                yield bad[r.nextInt(bad.length)];
            }
        };
    }

    static String badCount(Random r) {
        int max = LIMITS.maxMultibulkLength();
        return switch (r.nextInt(5)) {
            case 0 -> Integer.toString(max + 1);
            case 1 -> Long.toString(max + 1L + (r.nextLong() & Long.MAX_VALUE) % (Long.MAX_VALUE - max));
            case 2 -> Integer.toString(max + 1 + r.nextInt(Integer.MAX_VALUE - max));
            default -> {
                String[] bad = {
                    "",
                    "-",
                    "+1",
                    "01",
                    "00",
                    " 1",
                    "1 ",
                    "x",
                    "1x",
                    "-0",
                    "1.0",
                    "9223372036854775808",
                    "-9223372036854775809",
                    "1".repeat(21),
                    "\0",
                    "\n"
                };
                yield bad[r.nextInt(bad.length)];
            }
        };
    }

    /** {@code *count}, the {@code before} arguments, then a bulk header with a refused {@code length}. */
    record BadHeader(int count, List<byte[]> before, String length, List<Integer> cuts) {

        byte[] bytes() {
            ByteArrayOutputStream o = new ByteArrayOutputStream();
            o.writeBytes(RespGenerators.bytes("*" + count + "\r\n"));
            for (byte[] v : before) {
                o.writeBytes(RespGenerators.bytes("$" + v.length + "\r\n"));
                o.writeBytes(v);
                o.writeBytes(RespGenerators.bytes("\r\n"));
            }
            o.writeBytes(RespGenerators.bytes("$" + length + "\r\n"));
            return o.toByteArray();
        }

        List<Integer> positions() {
            return RespGenerators.positions(cuts, bytes().length);
        }

        Stream<BadHeader> shrink() {
            return shrinkList(before, 0, PropertyCheck::shrinkBytes)
                    .map(b -> new BadHeader(Math.max(count, b.size() + 1), b, length, cuts));
        }

        @Override
        public String toString() {
            return show(bytes()) + " cut at " + positions();
        }
    }

    enum LineKind {
        INLINE("too big inline request"),
        COUNT("too big mbulk count string"),
        BULK_COUNT("too big bulk count string");

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
                return concat(RespGenerators.bytes("*1\r\n"), line);
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
            o.writeBytes(RespGenerators.bytes("*" + count + "\r\n"));
            for (int i = 0; i < sent; i++) {
                o.writeBytes(RespGenerators.bytes("$1\r\n" + (char) ('a' + i % 26) + "\r\n"));
            }
            o.writeBytes(RespGenerators.bytes("$" + bulk + "\r\n"));
            o.writeBytes(RespGenerators.bytes("z".repeat(payload)));
            return o.toByteArray();
        }

        List<Integer> positions(int length) {
            return RespGenerators.positions(cuts, length);
        }

        Stream<Announced> shrink() {
            return Stream.concat(
                    shrinkInt(sent, 0).map(s -> new Announced(count, s, bulk, payload, cuts)),
                    shrinkInt(payload, 0).map(p -> new Announced(count, sent, bulk, p, cuts)));
        }

        @Override
        public String toString() {
            return "*" + count + ", " + sent + " sent, $" + bulk + " with " + payload + " bytes, cuts " + cuts;
        }
    }
}
