package dev.ioloop.sample.resp;

import static dev.ioloop.sample.resp.PropertyCheck.show;
import static dev.ioloop.sample.resp.PropertyCheck.shrinkBytes;
import static dev.ioloop.sample.resp.PropertyCheck.shrinkList;
import static dev.ioloop.sample.resp.RespGenerators.LIMITS;
import static dev.ioloop.sample.resp.RespGenerators.NUMBERS;
import static dev.ioloop.sample.resp.RespGenerators.allBare;
import static dev.ioloop.sample.resp.RespGenerators.bare;
import static dev.ioloop.sample.resp.RespGenerators.bytes;
import static dev.ioloop.sample.resp.RespGenerators.concat;
import static dev.ioloop.sample.resp.RespGenerators.indexOf;
import static dev.ioloop.sample.resp.RespGenerators.latin1;
import static dev.ioloop.sample.resp.RespGenerators.value;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Valid RESP requests for the parser and engine properties, as a client writes them: multibulk requests, inline
 * commands with every way of quoting, escaping and spacing an argument, empty lines and empty multibulks,
 * pipelines of these, and requests of the engine's own commands. Each {@link Frame} knows the arguments it must
 * parse back to, how to encode itself, and how to shrink to a simpler frame when a property fails on it.
 */
final class RespFrameGenerators {

    private RespFrameGenerators() {}

    /** How an inline argument is written. */
    enum Style {
        BARE,
        DOUBLE,
        SINGLE;

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

    enum Kind {
        MULTIBULK,
        INLINE,
        EMPTY_LINE,
        EMPTY_MULTIBULK
    }

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
                case EMPTY_MULTIBULK ->
                    o.writeBytes(bytes(r.nextBoolean() ? "*0\r\n" : "*-" + (1 + r.nextInt(3)) + "\r\n"));
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

    static Frame multibulkFrame(Random r, RespLimits limits) {
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

    static Frame inlineFrame(Random r, RespLimits limits) {
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

    static List<Frame> pipeline(Random r, RespLimits limits) {
        List<Frame> frames = new ArrayList<>();
        for (int i = 1 + r.nextInt(6); i > 0; i--) {
            int k = r.nextInt(100);
            frames.add(
                    k < 50
                            ? multibulkFrame(r, limits)
                            : k < 86
                                    ? inlineFrame(r, limits)
                                    : new Frame(
                                            k < 93 ? Kind.EMPTY_LINE : Kind.EMPTY_MULTIBULK, List.of(), r.nextInt()));
        }
        return frames;
    }

    /** Requests of the engine's own commands, with keys, numbers and odd values as arguments. */
    static List<Frame> commands(Random r) {
        String[] names = {
            "get",
            "set",
            "ping",
            "echo",
            "incr",
            "decr",
            "incrby",
            "decrby",
            "mget",
            "mset",
            "del",
            "exists",
            "getdel",
            "append",
            "strlen",
            "expire",
            "pexpire",
            "ttl",
            "pttl",
            "persist",
            "keys",
            "dbsize",
            "flushall",
            "flushdb",
            "select",
            "info",
            "config",
            "command",
            "client",
            "hello",
            "quit",
            "nosuch"
        };
        String[] words = {
            "k",
            "n",
            "a",
            "",
            "*",
            "?",
            "[a-z]",
            "get",
            "help",
            "count",
            "docs",
            "info",
            "list",
            "id",
            "getname",
            "setname",
            "setinfo",
            "lib-name",
            "EX",
            "PX",
            "NX",
            "XX",
            "KEEPTTL",
            "GET",
            "server",
            "all"
        };
        List<Frame> frames = new ArrayList<>();
        for (int i = 1 + r.nextInt(8); i > 0; i--) {
            String name = names[r.nextInt(names.length - (r.nextInt(20) == 0 ? 0 : 2))];
            if (r.nextBoolean()) {
                name = name.toUpperCase();
            }
            List<byte[]> values = new ArrayList<>();
            values.add(bytes(name));
            for (int j = r.nextInt(5); j > 0; j--) {
                values.add(
                        switch (r.nextInt(4)) {
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
            frames.add(new Frame(
                    Kind.MULTIBULK,
                    values.stream().map(v -> new Arg(v, Style.DOUBLE)).collect(Collectors.toList()),
                    0));
        }
        return frames;
    }

    static byte[] encode(List<Frame> frames) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        frames.forEach(f -> o.writeBytes(f.encode()));
        return o.toByteArray();
    }

    static Stream<Frame> shrinkFrame(Frame f) {
        int min = f.kind() == Kind.MULTIBULK || f.kind() == Kind.INLINE ? 1 : 0;
        return shrinkList(
                        f.args(),
                        min,
                        a -> shrinkBytes(a.value()).filter(a.style()::fits).map(v -> new Arg(v, a.style())))
                .map(args -> new Frame(f.kind(), args, f.layout()))
                .filter(s -> s.kind() != Kind.INLINE || s.encode().length <= LIMITS.maxInlineLength());
    }

    static Stream<List<Frame>> shrinkPipeline(List<Frame> frames) {
        return shrinkList(frames, 1, RespFrameGenerators::shrinkFrame);
    }

    static String showPipeline(List<Frame> frames) {
        return show(encode(frames)) + " from " + frames;
    }
}
