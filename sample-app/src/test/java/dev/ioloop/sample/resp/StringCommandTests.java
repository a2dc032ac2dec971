package dev.ioloop.sample.resp;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class StringCommandTests {

    private final EngineHarness h = new EngineHarness();

    @Test
    void getOfAMissingKeyIsTheNullBulkString() {
        assertThat(h.call("GET", "nope")).isEqualTo("$-1\r\n");
    }

    @Test
    void setStoresAndOverwritesValuesOfAnyLength() {
        assertThat(h.call("SET", "k", "short")).isEqualTo("+OK\r\n");
        assertThat(h.call("SET", "k", "a much longer value")).isEqualTo("+OK\r\n");
        assertThat(h.call("GET", "k")).isEqualTo("$19\r\na much longer value\r\n");
        assertThat(h.call("SET", "k", "")).isEqualTo("+OK\r\n");
        assertThat(h.call("GET", "k")).isEqualTo("$0\r\n\r\n");
    }

    @Test
    void setNxWritesOnlyAMissingKeyAndXxOnlyAnExistingOne() {
        assertThat(h.call("SET", "k", "1", "XX")).isEqualTo("$-1\r\n");
        assertThat(h.call("SET", "k", "1", "nx")).isEqualTo("+OK\r\n");
        assertThat(h.call("SET", "k", "2", "NX")).isEqualTo("$-1\r\n");
        assertThat(h.call("SET", "k", "3", "xx")).isEqualTo("+OK\r\n");
        assertThat(h.call("GET", "k")).isEqualTo("$1\r\n3\r\n");
    }

    @Test
    void setGetRepliesWithTheOldValueInsteadOfOk() {
        assertThat(h.call("SET", "k", "1", "GET")).isEqualTo("$-1\r\n");
        assertThat(h.call("SET", "k", "2", "get")).isEqualTo("$1\r\n1\r\n");
        assertThat(h.call("SET", "k", "3", "NX", "GET")).isEqualTo("$1\r\n2\r\n");
        assertThat(h.call("GET", "k")).isEqualTo("$1\r\n2\r\n");
    }

    @Test
    void setRejectsConflictingRepeatedIncompleteOrUnknownOptions() {
        for (String[] options : new String[][] {
            {"NX", "XX"},
            {"EX", "10", "PX", "100"},
            {"EX", "10", "KEEPTTL"},
            {"KEEPTTL", "PX", "5"},
            {"EX"},
            {"FOO"},
            {"EXAT", "10", "PXAT", "10"}
        }) {
            String[] args = new String[3 + options.length];
            args[0] = "SET";
            args[1] = "k";
            args[2] = "v";
            System.arraycopy(options, 0, args, 3, options.length);
            assertThat(h.call(args)).as(String.join(" ", options)).isEqualTo("-ERR syntax error\r\n");
        }
        assertThat(h.call("SET", "k", "v", "EX", "1", "EX", "2")).isEqualTo("+OK\r\n");
        assertThat(h.keyspace.size()).isEqualTo(1);
    }

    @Test
    void setRejectsExpireTimesThatAreNotPositiveIntegers() {
        assertThat(h.call("SET", "k", "v", "EX", "0")).isEqualTo("-ERR invalid expire time in 'set' command\r\n");
        assertThat(h.call("SET", "k", "v", "PX", "-5")).isEqualTo("-ERR invalid expire time in 'set' command\r\n");
        assertThat(h.call("SET", "k", "v", "EX", "9223372036854775807"))
                .isEqualTo("-ERR invalid expire time in 'set' command\r\n");
        assertThat(h.call("SET", "k", "v", "PX", "9223372036854775807"))
                .isEqualTo("-ERR invalid expire time in 'set' command\r\n");
        assertThat(h.call("SET", "k", "v", "EX", "ten")).isEqualTo("-ERR value is not an integer or out of range\r\n");
        assertThat(h.keyspace.size()).isZero();
    }

    @Test
    void getdelReturnsTheValueAndDeletesTheKey() {
        h.call("SET", "k", "v");
        assertThat(h.call("GETDEL", "k")).isEqualTo("$1\r\nv\r\n");
        assertThat(h.call("GETDEL", "k")).isEqualTo("$-1\r\n");
        assertThat(h.keyspace.size()).isZero();
    }

    @Test
    void appendCreatesOrExtendsAndRepliesWithTheNewLength() {
        assertThat(h.call("APPEND", "k", "Hello")).isEqualTo(":5\r\n");
        assertThat(h.call("APPEND", "k", " World")).isEqualTo(":11\r\n");
        assertThat(h.call("GET", "k")).isEqualTo("$11\r\nHello World\r\n");
        StringBuilder expected = new StringBuilder("Hello World");
        for (int i = 0; i < 1000; i++) {
            h.call("APPEND", "k", Integer.toString(i));
            expected.append(i);
        }
        assertThat(h.call("GET", "k")).isEqualTo("$" + expected.length() + "\r\n" + expected + "\r\n");
    }

    @Test
    void appendRefusesToGrowAStringPastTheBulkLimit() {
        EngineHarness small = new EngineHarness(new RespLimits(10, 1024, 1024), InfoSource.none(), false);
        assertThat(small.call("APPEND", "k", "123456")).isEqualTo(":6\r\n");
        assertThat(small.call("APPEND", "k", "78901"))
                .isEqualTo("-ERR string exceeds maximum allowed size (proto-max-bulk-len)\r\n");
        assertThat(small.call("GET", "k")).isEqualTo("$6\r\n123456\r\n");
    }

    @Test
    void strlenCountsBytesAndIsZeroForAMissingKey() {
        // "héllo" in UTF-8, sent byte for byte: STRLEN counts bytes, not characters.
        h.call("SET", "k", "h\u00c3\u00a9llo");
        assertThat(h.call("STRLEN", "k")).isEqualTo(":6\r\n");
        assertThat(h.call("STRLEN", "missing")).isEqualTo(":0\r\n");
    }

    @Test
    void mgetAnswersOneElementPerKeyWithNullsForMissingOnes() {
        h.call("SET", "a", "1");
        h.call("SET", "c", "3");
        assertThat(h.call("MGET", "a", "b", "c", "a")).isEqualTo("*4\r\n$1\r\n1\r\n$-1\r\n$1\r\n3\r\n$1\r\n1\r\n");
    }

    @Test
    void msetSetsEveryPairAndRejectsAnOddNumberOfArguments() {
        assertThat(h.call("MSET", "a", "1", "b", "2")).isEqualTo("+OK\r\n");
        assertThat(h.call("MGET", "a", "b")).isEqualTo("*2\r\n$1\r\n1\r\n$1\r\n2\r\n");
        assertThat(h.call("MSET", "a", "1", "b")).isEqualTo("-ERR wrong number of arguments for 'mset' command\r\n");
        assertThat(h.call("MSET", "a")).isEqualTo("-ERR wrong number of arguments for 'mset' command\r\n");
    }

    @Test
    void stringCommandsCheckTheirArity() {
        assertThat(h.call("GET")).isEqualTo("-ERR wrong number of arguments for 'get' command\r\n");
        assertThat(h.call("GET", "a", "b")).isEqualTo("-ERR wrong number of arguments for 'get' command\r\n");
        assertThat(h.call("SET", "k")).isEqualTo("-ERR wrong number of arguments for 'set' command\r\n");
        assertThat(h.call("GETDEL")).isEqualTo("-ERR wrong number of arguments for 'getdel' command\r\n");
        assertThat(h.call("APPEND", "k")).isEqualTo("-ERR wrong number of arguments for 'append' command\r\n");
        assertThat(h.call("STRLEN")).isEqualTo("-ERR wrong number of arguments for 'strlen' command\r\n");
        assertThat(h.call("MGET")).isEqualTo("-ERR wrong number of arguments for 'mget' command\r\n");
    }
}
