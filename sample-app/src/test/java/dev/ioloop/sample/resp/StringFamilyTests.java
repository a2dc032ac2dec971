package dev.ioloop.sample.resp;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import org.junit.jupiter.api.Test;

/**
 * The string family beyond GET and SET, where the transcripts cannot look: timers behind the TTL options, and
 * INCRBYFLOAT's long double arithmetic on its own.
 */
class StringFamilyTests {

    private final EngineHarness h = new EngineHarness();

    @Test
    void getexPersistCancelsTheTimerAndGetexExReplacesIt() {
        h.call("SETEX", "k", "10", "v");
        assertThat(h.scheduler.pending()).isEqualTo(1);
        assertThat(h.call("GETEX", "k", "PERSIST")).isEqualTo("$1\r\nv\r\n");
        assertThat(h.scheduler.pending()).isZero();
        h.call("GETEX", "k", "PX", "50");
        h.scheduler.advance(50);
        assertThat(h.keyspace.size()).isZero();
    }

    @Test
    void incrbyfloatKeepsTheTtlAndGetsetDropsIt() {
        h.call("SET", "f", "1.5", "EX", "100");
        assertThat(h.call("INCRBYFLOAT", "f", "1")).isEqualTo("$3\r\n2.5\r\n");
        assertThat(h.call("TTL", "f")).isEqualTo(":100\r\n");
        assertThat(h.call("GETSET", "f", "x")).isEqualTo("$3\r\n2.5\r\n");
        assertThat(h.call("TTL", "f")).isEqualTo(":-1\r\n");
        assertThat(h.scheduler.pending()).isZero();
    }

    @Test
    void setrangeAndSetbitGrowTheValueWithZeroBytesInPlace() {
        h.call("APPEND", "s", "ab");
        assertThat(h.call("SETRANGE", "s", "4", "z")).isEqualTo(":5\r\n");
        assertThat(h.call("GET", "s")).isEqualTo("$5\r\nab\0\0z\r\n");
        assertThat(h.call("SETBIT", "s", "47", "1")).isEqualTo(":0\r\n");
        assertThat(h.call("GET", "s")).isEqualTo("$6\r\nab\0\0z\1\r\n");
        assertThat(h.call("BITCOUNT", "s", "40", "47", "BIT")).isEqualTo(":1\r\n");
    }

    @Test
    void longDoubleArithmeticRoundsToA64BitSignificandAsX87Does() {
        BigDecimal a = LongDouble.parse(bytes("5000"), 0, 4);
        BigDecimal b = LongDouble.parse(bytes("5.6"), 0, 3);
        assertThat(LongDouble.format(LongDouble.add(a, b))).isEqualTo("5005.60000000000000009");
        assertThat(LongDouble.format(LongDouble.parse(bytes("0.1"), 0, 3))).isEqualTo("0.1");
        assertThat(LongDouble.format(LongDouble.parse(bytes("-0"), 0, 2))).isEqualTo("0");
        assertThat(LongDouble.parse(bytes("nan"), 0, 3)).isNull();
        assertThat(LongDouble.parse(bytes(" 1"), 0, 2)).isNull();
        assertThat(LongDouble.parse(bytes("1e-5000"), 0, 7)).as("underflow").isNull();
        assertThat(LongDouble.add(LongDouble.parse(bytes("inf"), 0, 3), BigDecimal.ONE))
                .isNull();
    }

    private static byte[] bytes(String s) {
        return s.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    }
}
