package dev.ioloop.sample.resp;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;

/**
 * INCRBYFLOAT's arithmetic as redis-server does it on x86-64: in C's {@code long double}, the x87 80-bit format with
 * a 64-bit significand, parsed with {@code strtold} and printed with {@code "%.17Lf"} less its trailing zeros. Java
 * has no such type, so values are kept as exact {@link BigDecimal}s that are always rounded to a 64-bit significand
 * (half to even, as the FPU does), which gives the same bits and so the same digits: {@code 5000 + 5.6} prints as
 * {@code 5005.60000000000000009} here as there.
 *
 * <p>Only INCRBYFLOAT uses this, so it favours exactness over speed.
 */
final class LongDouble {

    /** Redis's {@code MAX_LONG_DOUBLE_CHARS}: longer input is not a float. */
    static final int MAX_CHARS = 5 * 1024;

    private static final int SIGNIFICAND_BITS = 64;
    /** Exponent of the lowest significand bit of the smallest subnormal: 2^-16445. */
    private static final int MIN_EXPONENT = -16445;
    /** Values at or above 2^16384 are infinite. */
    private static final int MAX_BINARY_EXPONENT = 16384;

    private LongDouble() {}

    /**
     * Parses {@code b[off, off+len)} as Redis's {@code string2ld}: what {@code strtold} reads in full (decimal or
     * hexadecimal, {@code inf}, {@code infinity}) with no leading space, not NaN, and neither overflowing nor
     * underflowing to zero. Returns the value rounded to a long double, {@link #POSITIVE_INFINITY} or
     * {@link #NEGATIVE_INFINITY} for an infinity, or null if it is not a float.
     */
    static BigDecimal parse(byte[] b, int off, int len) {
        if (len == 0 || len >= MAX_CHARS) {
            return null;
        }
        String s = new String(b, off, len, StandardCharsets.ISO_8859_1);
        int i = 0;
        boolean negative = false;
        if (s.charAt(0) == '+' || s.charAt(0) == '-') {
            negative = s.charAt(0) == '-';
            i = 1;
        }
        String body = s.substring(i);
        String lower = body.toLowerCase(java.util.Locale.ROOT);
        if (lower.equals("inf") || lower.equals("infinity")) {
            return negative ? NEGATIVE_INFINITY : POSITIVE_INFINITY;
        }
        BigDecimal exact;
        if (lower.startsWith("0x")) {
            exact = parseHex(lower.substring(2));
        } else {
            exact = parseDecimal(body);
        }
        if (exact == null || exact == UNDERFLOW) {
            return null;
        }
        if (exact == POSITIVE_INFINITY) {
            return null; // overflow: strtold gives HUGE_VAL with ERANGE
        }
        if (exact.signum() == 0) {
            return BigDecimal.ZERO;
        }
        BigDecimal rounded = round(negative ? exact.negate() : exact);
        // strtold reports ERANGE for overflow (HUGE_VAL) and for underflow to zero: Redis refuses both.
        return rounded == null || rounded.signum() == 0 ? null : rounded;
    }

    /** Stands for +infinity, which only parse returns. */
    static final BigDecimal POSITIVE_INFINITY = new BigDecimal("1E+100000");
    /** Stands for -infinity. */
    static final BigDecimal NEGATIVE_INFINITY = POSITIVE_INFINITY.negate();

    /** Stands for a value too small for a long double, which strtold turns into zero with ERANGE. */
    private static final BigDecimal UNDERFLOW = new BigDecimal("1E-100000");

    static boolean isInfinite(BigDecimal v) {
        return v == POSITIVE_INFINITY || v == NEGATIVE_INFINITY;
    }

    /** {@code a + b} in long double arithmetic; null if the sum is infinite or NaN. */
    static BigDecimal add(BigDecimal a, BigDecimal b) {
        if (isInfinite(a) || isInfinite(b)) {
            return null;
        }
        BigDecimal sum = a.add(b);
        return sum.signum() == 0 ? BigDecimal.ZERO : round(sum);
    }

    /** {@code "%.17Lf"} without trailing zeros (nor a trailing point), {@code -0} as {@code 0}: Redis's LD_STR_HUMAN. */
    static String format(BigDecimal v) {
        String s = v.setScale(17, RoundingMode.HALF_EVEN).toPlainString();
        int end = s.length();
        while (s.charAt(end - 1) == '0') {
            end--;
        }
        if (s.charAt(end - 1) == '.') {
            end--;
        }
        s = s.substring(0, end);
        return s.equals("-0") ? "0" : s;
    }

    private static BigDecimal parseDecimal(String s) {
        // strtold's decimal syntax: digits with an optional point (at least one digit), then an optional exponent.
        int i = 0;
        int digits = 0;
        while (i < s.length() && Character.isDigit(s.charAt(i))) {
            i++;
            digits++;
        }
        if (i < s.length() && s.charAt(i) == '.') {
            i++;
            while (i < s.length() && Character.isDigit(s.charAt(i))) {
                i++;
                digits++;
            }
        }
        if (digits == 0) {
            return null;
        }
        long exponent = 0;
        int mantissaEnd = i;
        if (i < s.length() && (s.charAt(i) == 'e' || s.charAt(i) == 'E')) {
            int j = i + 1;
            boolean negative = false;
            if (j < s.length() && (s.charAt(j) == '+' || s.charAt(j) == '-')) {
                negative = s.charAt(j) == '-';
                j++;
            }
            int start = j;
            while (j < s.length() && Character.isDigit(s.charAt(j))) {
                exponent = Math.min(exponent * 10 + (s.charAt(j) - '0'), 1_000_000);
                j++;
            }
            if (j == start) {
                return null; // "1e" reads "1" and stops: not all of it
            }
            exponent = negative ? -exponent : exponent;
            i = j;
        }
        if (i != s.length()) {
            return null;
        }
        BigDecimal m =
                new BigDecimal(s.substring(0, mantissaEnd).isEmpty() ? "0" : fixPoint(s.substring(0, mantissaEnd)));
        if (m.signum() == 0) {
            return BigDecimal.ZERO;
        }
        // Far outside the range, where scaleByPowerOfTen would be needlessly big: overflow or underflow.
        long magnitude = m.precision() - m.scale() + exponent;
        if (magnitude > 4934) {
            return POSITIVE_INFINITY;
        }
        if (magnitude < -4955) {
            return UNDERFLOW;
        }
        return m.scaleByPowerOfTen((int) exponent);
    }

    private static String fixPoint(String mantissa) {
        // BigDecimal does not take "5." or ".5" the way strtold does.
        if (mantissa.startsWith(".")) {
            mantissa = "0" + mantissa;
        }
        if (mantissa.endsWith(".")) {
            mantissa = mantissa.substring(0, mantissa.length() - 1);
        }
        return mantissa;
    }

    private static BigDecimal parseHex(String s) {
        int i = 0;
        BigInteger m = BigInteger.ZERO;
        int digits = 0;
        int fraction = 0;
        boolean point = false;
        for (; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '.' && !point) {
                point = true;
                continue;
            }
            int d = Character.digit(c, 16);
            if (d < 0) {
                break;
            }
            m = m.shiftLeft(4).add(BigInteger.valueOf(d));
            digits++;
            if (point) {
                fraction++;
            }
        }
        if (digits == 0) {
            return null;
        }
        long exponent = 0;
        if (i < s.length() && s.charAt(i) == 'p') {
            int j = i + 1;
            boolean negative = false;
            if (j < s.length() && (s.charAt(j) == '+' || s.charAt(j) == '-')) {
                negative = s.charAt(j) == '-';
                j++;
            }
            int start = j;
            while (j < s.length() && Character.isDigit(s.charAt(j))) {
                exponent = Math.min(exponent * 10 + (s.charAt(j) - '0'), 1_000_000);
                j++;
            }
            if (j == start) {
                return null;
            }
            exponent = negative ? -exponent : exponent;
            i = j;
        }
        if (i != s.length()) {
            return null;
        }
        if (m.signum() == 0) {
            return BigDecimal.ZERO;
        }
        long e = exponent - 4L * fraction;
        if (e + m.bitLength() > MAX_BINARY_EXPONENT + 1) {
            return POSITIVE_INFINITY;
        }
        if (e + m.bitLength() < MIN_EXPONENT - 2) {
            return UNDERFLOW;
        }
        return times2(new BigDecimal(m), (int) e);
    }

    /**
     * {@code v} rounded to the nearest long double (64-bit significand, subnormals below 2^-16382), half to even;
     * null if that is infinite. {@code v} is not zero.
     */
    static BigDecimal round(BigDecimal v) {
        if (v == POSITIVE_INFINITY || v == NEGATIVE_INFINITY) {
            return null;
        }
        boolean negative = v.signum() < 0;
        BigDecimal abs = v.abs();
        // abs = num / den exactly.
        BigInteger num;
        BigInteger den;
        if (abs.scale() <= 0) {
            num = abs.unscaledValue().multiply(BigInteger.TEN.pow(-abs.scale()));
            den = BigInteger.ONE;
        } else {
            num = abs.unscaledValue();
            den = BigInteger.TEN.pow(abs.scale());
        }
        // Find e with 2^63 <= abs / 2^e < 2^64.
        int e = num.bitLength() - den.bitLength() - SIGNIFICAND_BITS;
        while (true) {
            BigInteger q =
                    e >= 0 ? num.divide(den.shiftLeft(e)) : num.shiftLeft(-e).divide(den);
            if (q.bitLength() > SIGNIFICAND_BITS) {
                e++;
            } else if (q.bitLength() < SIGNIFICAND_BITS) {
                e--;
            } else {
                break;
            }
        }
        if (e < MIN_EXPONENT) {
            e = MIN_EXPONENT; // subnormal: fewer significant bits
        }
        BigInteger[] qr = e >= 0
                ? num.divideAndRemainder(den.shiftLeft(e))
                : num.shiftLeft(-e).divideAndRemainder(den);
        BigInteger divisor = e >= 0 ? den.shiftLeft(e) : den;
        BigInteger m = qr[0];
        int cmp = qr[1].shiftLeft(1).compareTo(divisor);
        if (cmp > 0 || (cmp == 0 && m.testBit(0))) {
            m = m.add(BigInteger.ONE);
        }
        if (m.bitLength() > SIGNIFICAND_BITS) {
            m = m.shiftRight(1);
            e++;
        }
        if (e + SIGNIFICAND_BITS > MAX_BINARY_EXPONENT) {
            return null;
        }
        if (m.signum() == 0) {
            return BigDecimal.ZERO;
        }
        BigDecimal r = times2(new BigDecimal(m), e);
        return negative ? r.negate() : r;
    }

    /** {@code v * 2^e}, exactly. */
    private static BigDecimal times2(BigDecimal v, int e) {
        if (e >= 0) {
            return new BigDecimal(v.toBigIntegerExact().shiftLeft(e));
        }
        // v / 2^n = v * 5^n / 10^n
        return new BigDecimal(
                v.toBigIntegerExact().multiply(BigInteger.valueOf(5).pow(-e)), -e);
    }
}
