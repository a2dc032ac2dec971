package dev.ioloop.sample.resp;

import static dev.ioloop.sample.resp.PropertyCheck.shrinkList;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The building blocks of the generated RESP input of the parser and engine properties: the small limits every
 * generator aims at (so that generated values reach each limit and cross it) and the large ones, the numbers worth
 * trying in a header, byte values with protocol bytes mixed in, and the points where a value's bytes are cut into
 * reads. {@link RespFrameGenerators} builds valid requests from them and {@link RespBadInputGenerators} bad input;
 * {@link ParserHarness} feeds the result to the parser.
 */
final class RespGenerators {

    /** Small enough for generated frames to reach and cross every limit. */
    static final RespLimits LIMITS = new RespLimits(300, 20, 512);
    /** Large announced sizes, to see that announcing reserves nothing. */
    static final RespLimits LARGE = new RespLimits(1 << 30, 1 << 20, 1024);

    /** Header numbers worth trying: malformed, signed, at and around the limits, and overflowing. */
    static final String[] NUMBERS = {
        "-1",
        "0",
        "-0",
        "00",
        "01",
        "+1",
        " 1",
        "1 ",
        "",
        "-",
        "x",
        "1x",
        "1.5",
        "0x10",
        "19",
        "20",
        "21",
        "299",
        "300",
        "301",
        "511",
        "512",
        "513",
        "2147483647",
        "2147483648",
        "-2147483648",
        "4294967296",
        "4294967298",
        "9223372036854775807",
        "9223372036854775808",
        "-9223372036854775808",
        "-9223372036854775809",
        "18446744073709551617",
        "99999999999999999999999",
        "000000000000000000001",
        "1".repeat(40),
    };

    private RespGenerators() {}

    // ------------------------------------------------------------------------------------------------
    // Read boundaries
    // ------------------------------------------------------------------------------------------------

    /** A value and where its bytes are cut into reads; cuts are taken modulo the length, so they survive shrinking. */
    record Cut<T>(T value, List<Integer> cuts) {

        List<Integer> positions(int length) {
            return RespGenerators.positions(cuts, length);
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

    static List<Integer> cuts(Random r) {
        List<Integer> cuts = new ArrayList<>();
        for (int i = r.nextInt(7); i > 0; i--) {
            cuts.add(r.nextInt() & 0x7FFFFFFF);
        }
        return cuts;
    }

    static List<Integer> positions(List<Integer> cuts, int length) {
        return cuts.stream()
                .map(c -> Math.floorMod(c, length + 1))
                .sorted()
                .distinct()
                .collect(Collectors.toList());
    }

    // ------------------------------------------------------------------------------------------------
    // Bytes
    // ------------------------------------------------------------------------------------------------

    private static final byte[] ODD = bytes("\r\n*$\"'\\ \t0123-x:+\0\u00ff\u0080");

    /** A value of at most {@code max} bytes: mostly short, sometimes exactly {@code max}, with protocol bytes mixed in. */
    static byte[] value(Random r, int max) {
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

    private static final byte[] BARE =
            bytes("abcxyzABCXYZ0189-+*$:#!?.,;/\\()[]{}<>=_|~`@%^&\u00e9\u00ff\u0080\u0001\u007f");

    static byte[] bare(Random r, int n) {
        byte[] v = new byte[n];
        for (int i = 0; i < n; i++) {
            v[i] = BARE[r.nextInt(BARE.length)];
        }
        return v;
    }

    static boolean allBare(byte[] v) {
        for (byte c : v) {
            if (c == 0 || c == ' ' || c >= '\t' && c <= '\r' || c == '"' || c == '\'') {
                return false;
            }
        }
        return true;
    }

    static int indexOf(byte[] v, int c) {
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

    static byte[] splice(byte[] b, int at, int remove, byte[] insert) {
        byte[] c = new byte[b.length - remove + insert.length];
        System.arraycopy(b, 0, c, 0, at);
        System.arraycopy(insert, 0, c, at, insert.length);
        System.arraycopy(b, at + remove, c, at + insert.length, b.length - at - remove);
        return c;
    }
}
