package dev.ioloop.sample.resp;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class CounterCommandTests {

    private static final String NOT_INTEGER = "-ERR value is not an integer or out of range\r\n";
    private static final String OVERFLOW = "-ERR increment or decrement would overflow\r\n";

    private final EngineHarness h = new EngineHarness();

    @Test
    void incrAndDecrStartFromZeroAndStoreDecimalText() {
        assertThat(h.call("INCR", "n")).isEqualTo(":1\r\n");
        assertThat(h.call("INCR", "n")).isEqualTo(":2\r\n");
        assertThat(h.call("DECR", "n")).isEqualTo(":1\r\n");
        assertThat(h.call("DECR", "m")).isEqualTo(":-1\r\n");
        assertThat(h.call("GET", "m")).isEqualTo("$2\r\n-1\r\n");
    }

    @Test
    void countersCrossDigitBoundariesInBothDirections() {
        h.call("SET", "n", "9");
        assertThat(h.call("INCR", "n")).isEqualTo(":10\r\n");
        assertThat(h.call("GET", "n")).isEqualTo("$2\r\n10\r\n");
        assertThat(h.call("DECRBY", "n", "11")).isEqualTo(":-1\r\n");
        assertThat(h.call("INCRBY", "n", "1")).isEqualTo(":0\r\n");
        assertThat(h.call("GET", "n")).isEqualTo("$1\r\n0\r\n");
    }

    @Test
    void incrbyAndDecrbyTakeAnyLongIncrement() {
        assertThat(h.call("INCRBY", "n", "100")).isEqualTo(":100\r\n");
        assertThat(h.call("INCRBY", "n", "-250")).isEqualTo(":-150\r\n");
        assertThat(h.call("DECRBY", "n", "-150")).isEqualTo(":0\r\n");
        assertThat(h.call("DECRBY", "n", "9223372036854775807")).isEqualTo(":-9223372036854775807\r\n");
    }

    @Test
    void aValueThatIsNotARedisIntegerCannotBeIncremented() {
        for (String bad : new String[] {
            "abc", "1.5", " 1", "1 ", "+1", "01", "-0", "", "-", "9223372036854775808", "123456789012345678901"
        }) {
            h.call("SET", "n", bad);
            assertThat(h.call("INCR", "n")).as("'%s'", bad).isEqualTo(NOT_INTEGER);
            assertThat(h.call("GET", "n")).isEqualTo("$" + bad.length() + "\r\n" + bad + "\r\n");
        }
    }

    @Test
    void extremeButValidValuesAreIntegers() {
        h.call("SET", "n", "-9223372036854775807");
        assertThat(h.call("DECR", "n")).isEqualTo(":-9223372036854775808\r\n");
        h.call("SET", "m", "9223372036854775806");
        assertThat(h.call("INCR", "m")).isEqualTo(":9223372036854775807\r\n");
    }

    @Test
    void anIncrementArgumentThatIsNotAnIntegerIsRejected() {
        assertThat(h.call("INCRBY", "n", "x")).isEqualTo(NOT_INTEGER);
        assertThat(h.call("DECRBY", "n", "1e3")).isEqualTo(NOT_INTEGER);
        assertThat(h.call("INCRBY", "n", "9223372036854775808")).isEqualTo(NOT_INTEGER);
        assertThat(h.keyspace.size()).isZero();
    }

    @Test
    void overflowInEitherDirectionIsRefusedAndLeavesTheValue() {
        h.call("SET", "n", "9223372036854775807");
        assertThat(h.call("INCR", "n")).isEqualTo(OVERFLOW);
        assertThat(h.call("INCRBY", "n", "1")).isEqualTo(OVERFLOW);
        h.call("SET", "m", "-9223372036854775808");
        assertThat(h.call("DECR", "m")).isEqualTo(OVERFLOW);
        assertThat(h.call("INCRBY", "m", "-1")).isEqualTo(OVERFLOW);
        assertThat(h.call("GET", "n")).isEqualTo("$19\r\n9223372036854775807\r\n");
    }

    @Test
    void decrbyOfTheSmallestLongCannotBeNegated() {
        assertThat(h.call("DECRBY", "n", "-9223372036854775808")).isEqualTo("-ERR decrement would overflow\r\n");
    }

    @Test
    void incrementsKeepTheKeysTtl() {
        h.call("SET", "n", "1", "EX", "100");
        h.call("INCR", "n");
        assertThat(h.call("TTL", "n")).isEqualTo(":100\r\n");
    }

    @Test
    void counterCommandsCheckTheirArity() {
        assertThat(h.call("INCR")).isEqualTo("-ERR wrong number of arguments for 'incr' command\r\n");
        assertThat(h.call("DECR", "a", "b")).isEqualTo("-ERR wrong number of arguments for 'decr' command\r\n");
        assertThat(h.call("INCRBY", "a")).isEqualTo("-ERR wrong number of arguments for 'incrby' command\r\n");
        assertThat(h.call("DECRBY", "a")).isEqualTo("-ERR wrong number of arguments for 'decrby' command\r\n");
    }
}
