package dev.ioloop.sample.resp;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ExpiryTests {

    private final EngineHarness h = new EngineHarness();
    private final FakeScheduler clock = h.scheduler;

    @Test
    void aKeySetWithExIsDeletedByItsTimerAtTheDeadline() {
        h.call("SET", "k", "v", "EX", "10");
        assertThat(clock.pending()).isEqualTo(1);
        clock.advance(9_999);
        assertThat(h.keyspace.size()).isEqualTo(1);
        clock.advance(1);
        assertThat(h.keyspace.size()).isZero();
        assertThat(clock.pending()).isZero();
    }

    @Test
    void aKeyPastItsDeadlineIsMissingEvenBeforeItsTimerFires() {
        h.call("SET", "k", "v", "PX", "500");
        clock.setTime(clock.nowMillis() + 500);
        assertThat(h.keyspace.size()).isEqualTo(1);
        assertThat(h.call("GET", "k")).isEqualTo("$-1\r\n");
        assertThat(h.keyspace.size()).isZero();
        assertThat(clock.pending()).isZero();
        assertThat(clock.cancelled).isEqualTo(1);
    }

    @Test
    void expiredKeysAreSkippedByEveryReadingCommand() {
        h.call("MSET", "a", "1", "b", "2");
        h.call("PEXPIRE", "a", "100");
        clock.setTime(clock.nowMillis() + 100);
        assertThat(h.call("EXISTS", "a", "b")).isEqualTo(":1\r\n");
        h.call("PEXPIRE", "b", "100");
        clock.setTime(clock.nowMillis() + 100);
        assertThat(h.call("KEYS", "*")).isEqualTo("*0\r\n");
        assertThat(h.call("MGET", "b")).isEqualTo("*1\r\n$-1\r\n");
        assertThat(h.call("SET", "b", "x", "NX")).isEqualTo("+OK\r\n");
    }

    @Test
    void aTimerFiringEarlyWaitsForTheRestOfTheTtl() {
        h.call("SET", "k", "v", "PX", "1000");
        clock.advance(700);
        clock.fireAllEarly();
        assertThat(h.keyspace.size()).isEqualTo(1);
        assertThat(clock.pending()).isEqualTo(1);
        clock.advance(300);
        assertThat(h.keyspace.size()).isZero();
    }

    @Test
    void overwritingWithoutKeepttlCancelsTheTimerAndKeepttlKeepsIt() {
        h.call("SET", "k", "v", "EX", "10");
        h.call("SET", "k", "w", "KEEPTTL");
        assertThat(clock.pending()).isEqualTo(1);
        assertThat(h.call("TTL", "k")).isEqualTo(":10\r\n");
        h.call("SET", "k", "x");
        assertThat(clock.pending()).isZero();
        assertThat(h.call("TTL", "k")).isEqualTo(":-1\r\n");
        clock.advance(60_000);
        assertThat(h.call("GET", "k")).isEqualTo("$1\r\nx\r\n");
    }

    @Test
    void delGetdelPersistMsetAndFlushallCancelTimers() {
        h.call("SET", "a", "1", "EX", "10");
        h.call("SET", "b", "1", "EX", "10");
        h.call("SET", "c", "1", "EX", "10");
        h.call("SET", "d", "1", "EX", "10");
        h.call("SET", "e", "1", "EX", "10");
        h.call("DEL", "a");
        h.call("GETDEL", "b");
        assertThat(h.call("PERSIST", "c")).isEqualTo(":1\r\n");
        h.call("MSET", "d", "2");
        assertThat(clock.pending()).isEqualTo(1);
        h.call("FLUSHALL");
        assertThat(clock.pending()).isZero();
        assertThat(clock.cancelled).isEqualTo(5);
        assertThat(h.keyspace.volatileKeys()).isZero();
    }

    @Test
    void changingATtlReplacesTheTimer() {
        h.call("SET", "k", "v", "EX", "100");
        assertThat(h.call("EXPIRE", "k", "5")).isEqualTo(":1\r\n");
        assertThat(clock.pending()).isEqualTo(1);
        clock.advance(5_000);
        assertThat(h.keyspace.size()).isZero();
    }

    @Test
    void ttlAndPttlReportMissingNoExpiryAndRoundedRemainingTime() {
        assertThat(h.call("TTL", "k")).isEqualTo(":-2\r\n");
        assertThat(h.call("PTTL", "k")).isEqualTo(":-2\r\n");
        h.call("SET", "k", "v");
        assertThat(h.call("TTL", "k")).isEqualTo(":-1\r\n");
        assertThat(h.call("PTTL", "k")).isEqualTo(":-1\r\n");
        h.call("PEXPIRE", "k", "10499");
        assertThat(h.call("PTTL", "k")).isEqualTo(":10499\r\n");
        assertThat(h.call("TTL", "k")).isEqualTo(":10\r\n");
        clock.advance(4_000);
        assertThat(h.call("TTL", "k")).isEqualTo(":6\r\n");
    }

    @Test
    void expireInThePastDeletesTheKeyAtOnceAndMissingKeysAnswerZero() {
        h.call("SET", "k", "v");
        assertThat(h.call("EXPIRE", "k", "-1")).isEqualTo(":1\r\n");
        assertThat(h.keyspace.size()).isZero();
        assertThat(h.call("EXPIRE", "k", "10")).isEqualTo(":0\r\n");
        assertThat(h.call("PERSIST", "k")).isEqualTo(":0\r\n");
        h.call("SET", "k", "v", "PXAT", Long.toString(clock.nowMillis()));
        assertThat(h.keyspace.size()).isZero();
        assertThat(clock.pending()).isZero();
    }

    @Test
    void exatAndPxatSetAbsoluteDeadlines() {
        long now = clock.nowMillis();
        h.call("SET", "a", "v", "PXAT", Long.toString(now + 2_000));
        h.call("SET", "b", "v", "EXAT", Long.toString(now / 1000 + 3));
        assertThat(h.call("PTTL", "a")).isEqualTo(":2000\r\n");
        assertThat(h.call("PTTL", "b")).isEqualTo(":3000\r\n");
    }

    @Test
    void expireOptionsNxXxGtLtDecideWhetherTheTtlChanges() {
        h.call("SET", "k", "v");
        assertThat(h.call("EXPIRE", "k", "100", "XX")).isEqualTo(":0\r\n");
        assertThat(h.call("EXPIRE", "k", "100", "GT")).isEqualTo(":0\r\n");
        assertThat(h.call("EXPIRE", "k", "100", "NX")).isEqualTo(":1\r\n");
        assertThat(h.call("EXPIRE", "k", "50", "NX")).isEqualTo(":0\r\n");
        assertThat(h.call("EXPIRE", "k", "200", "lt")).isEqualTo(":0\r\n");
        assertThat(h.call("EXPIRE", "k", "50", "LT")).isEqualTo(":1\r\n");
        assertThat(h.call("PEXPIRE", "k", "60000", "gt", "xx")).isEqualTo(":1\r\n");
        assertThat(h.call("TTL", "k")).isEqualTo(":60\r\n");
        assertThat(clock.pending()).isEqualTo(1);
    }

    @Test
    void expireRejectsBadOptionsTimesAndArity() {
        h.call("SET", "k", "v");
        assertThat(h.call("EXPIRE", "k", "10", "NX", "XX"))
                .isEqualTo("-ERR NX and XX, GT or LT options at the same time are not compatible\r\n");
        assertThat(h.call("EXPIRE", "k", "10", "GT", "LT"))
                .isEqualTo("-ERR GT and LT options at the same time are not compatible\r\n");
        assertThat(h.call("EXPIRE", "k", "10", "SOON")).isEqualTo("-ERR Unsupported option SOON\r\n");
        assertThat(h.call("EXPIRE", "k", "ten")).isEqualTo("-ERR value is not an integer or out of range\r\n");
        assertThat(h.call("EXPIRE", "k", "9223372036854775807"))
                .isEqualTo("-ERR invalid expire time in 'expire' command\r\n");
        assertThat(h.call("PEXPIRE", "k", "9223372036854775807"))
                .isEqualTo("-ERR invalid expire time in 'pexpire' command\r\n");
        assertThat(h.call("EXPIRE", "k")).isEqualTo("-ERR wrong number of arguments for 'expire' command\r\n");
        assertThat(h.call("TTL")).isEqualTo("-ERR wrong number of arguments for 'ttl' command\r\n");
        assertThat(h.call("PERSIST")).isEqualTo("-ERR wrong number of arguments for 'persist' command\r\n");
        assertThat(h.call("TTL", "k")).isEqualTo(":-1\r\n");
    }

    @Test
    void manyVolatileKeysHoldExactlyOneTimerEach() {
        for (int i = 0; i < 1000; i++) {
            h.call("SET", "k" + i, "v", "PX", Integer.toString(1000 + i));
        }
        assertThat(clock.pending()).isEqualTo(1000);
        assertThat(h.keyspace.volatileKeys()).isEqualTo(1000);
        clock.advance(1500);
        assertThat(h.keyspace.size()).isEqualTo(499);
        clock.advance(500);
        assertThat(h.keyspace.size()).isZero();
        assertThat(clock.scheduled).isEqualTo(1000);
    }

    @Test
    void aMonotonicClockBelowZeroExpiresKeysLikeAnyOther() {
        EngineHarness m = new EngineHarness(RespLimits.defaults(), InfoSource.none(), false, -5_000_000L);
        assertThat(m.call("SET", "k", "v", "EX", "10")).isEqualTo("+OK\r\n");
        assertThat(m.call("EXPIRE", "k", "20", "GT")).isEqualTo(":1\r\n");
        assertThat(m.call("TTL", "k")).isEqualTo(":20\r\n");
        m.scheduler.advance(20_000);
        assertThat(m.keyspace.size()).isZero();
    }
}
