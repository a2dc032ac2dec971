package dev.ioloop.sample.resp;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * MULTI/EXEC and WATCH where the transcripts cannot reach: a key already past its deadline but not yet deleted when
 * watched (Redis 7.0 then ignores its deletion), expiry by the timer, and the watch registry's bookkeeping.
 */
class TransactionTests {

    private final EngineHarness h = new EngineHarness();
    private final RespSession other = h.newSession();

    private String exec() {
        h.call("MULTI");
        return h.call("EXEC");
    }

    @Test
    void aKeyExpiringByItsTimerAfterWatchFailsExec() {
        h.call("SET", "k", "v", "PX", "100");
        h.call("WATCH", "k");
        h.scheduler.advance(100);
        assertThat(h.keyspace.size()).isZero();
        assertThat(exec()).isEqualTo("*-1\r\n");
    }

    @Test
    void aKeyPastItsDeadlineWhenWatchedMayBeDeletedWithoutFailingExec() {
        h.call("SET", "k", "v", "PX", "100");
        h.scheduler.setTime(h.scheduler.nowMillis() + 100); // due, but its timer has not run
        h.call("WATCH", "k");
        assertThat(h.call(other, "GET", "k")).isEqualTo("$-1\r\n"); // deletes it
        assertThat(exec()).isEqualTo("*0\r\n");
    }

    @Test
    void aKeyPastItsDeadlineWhenWatchedThenSetAgainFailsExec() {
        h.call("SET", "k", "v", "PX", "100");
        h.scheduler.setTime(h.scheduler.nowMillis() + 100);
        h.call("WATCH", "k");
        h.call(other, "SET", "k", "new");
        assertThat(exec()).isEqualTo("*-1\r\n");
    }

    @Test
    void flushdbOfAKeyPastItsDeadlineWhenWatchedDoesNotFailExec() {
        h.call("SET", "k", "v", "PX", "100");
        h.scheduler.setTime(h.scheduler.nowMillis() + 100);
        h.call("WATCH", "k");
        h.call(other, "FLUSHDB");
        assertThat(exec()).isEqualTo("*0\r\n");
    }

    @Test
    void aWatchedKeyThatExpiresWithoutItsTimerFailsExecToo() {
        h.call("SET", "k", "v", "PX", "100");
        h.call("WATCH", "k");
        h.scheduler.setTime(h.scheduler.nowMillis() + 100);
        assertThat(exec()).isEqualTo("*-1\r\n");
    }

    @Test
    void watchesAreDroppedByExecDiscardUnwatchAndTheFirstChange() {
        h.call("WATCH", "a", "b", "a");
        h.call(other, "WATCH", "a");
        assertThat(h.keyspace.watchedKeys()).isEqualTo(2);
        h.call("UNWATCH");
        assertThat(h.keyspace.watchedKeys()).isEqualTo(1);
        h.call("SET", "a", "1");
        assertThat(h.keyspace.watchedKeys())
                .as("the other client's watch went with the change")
                .isZero();
        h.call("WATCH", "c");
        h.call("MULTI");
        h.call("DISCARD");
        assertThat(h.keyspace.watchedKeys()).isZero();
        assertThat(h.call(other, "EXEC")).isEqualTo("-ERR EXEC without MULTI\r\n");
        h.call(other, "MULTI");
        assertThat(h.call(other, "EXEC")).isEqualTo("*-1\r\n");
    }

    @Test
    void aSessionHoldsTransactionStateOnlyWhileInMultiOrWatching() {
        h.call("SET", "a", "1");
        h.call("GET", "a");
        assertThat(h.session.transaction()).isNull();
        h.call("MULTI");
        h.call("INCR", "a");
        assertThat(h.session.transaction()).isNotNull();
        h.call("EXEC");
        assertThat(h.session.transaction()).isNull();
        h.call("WATCH", "a");
        h.call("MULTI");
        h.call("DISCARD");
        assertThat(h.session.transaction()).isNull();
        h.call("WATCH", "a");
        h.call("UNWATCH");
        assertThat(h.session.transaction()).isNull();
    }

    @Test
    void queuedCommandsKeepTheirArgumentsAfterTheReadBufferIsReused() {
        h.call("MULTI");
        h.call("SET", "key", "value-1");
        h.call("SET", "other", "value-2");
        assertThat(h.call("EXEC")).isEqualTo("*2\r\n+OK\r\n+OK\r\n");
        assertThat(h.call("MGET", "key", "other")).isEqualTo("*2\r\n$7\r\nvalue-1\r\n$7\r\nvalue-2\r\n");
    }
}
