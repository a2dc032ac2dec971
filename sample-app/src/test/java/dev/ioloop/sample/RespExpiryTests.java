package dev.ioloop.sample;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import redis.clients.jedis.params.SetParams;

/** Expiry on the loop's timers, observed through a real client. */
@Timeout(60)
class RespExpiryTests extends SampleServerTestSupport {

    @Test
    void keyWithAShortTtlDisappearsAndLeavesTheKeyspace() {
        jedis.set("short", "v", SetParams.setParams().px(50));
        jedis.set("long", "v", SetParams.setParams().ex(100));
        assertThat(jedis.get("short")).isEqualTo("v");
        await().atMost(Duration.ofSeconds(5)).until(() -> jedis.get("short") == null);
        // The timer, not only lazy expiry, removed it: DBSIZE counts what is stored.
        await().atMost(Duration.ofSeconds(5)).until(() -> jedis.dbSize() == 1);
        assertThat(jedis.exists("long")).isTrue();
    }

    @Test
    void overwritingPersistingOrDeletingAKeyCancelsItsExpiry() {
        jedis.set("over", "v", SetParams.setParams().px(100));
        jedis.set("over", "kept");
        jedis.set("persisted", "v", SetParams.setParams().px(100));
        jedis.persist("persisted");
        jedis.set("deleted", "v", SetParams.setParams().px(100));
        jedis.del("deleted");
        jedis.set("deleted", "again");
        jedis.set("marker", "v", SetParams.setParams().px(300));
        await().atMost(Duration.ofSeconds(5)).until(() -> !jedis.exists("marker"));
        assertThat(jedis.mget("over", "persisted", "deleted")).containsExactly("kept", "v", "again");
        assertThat(jedis.ttl("over")).isEqualTo(-1);
    }

    @Test
    void pexpireOnAnExistingKeyMakesItExpire() {
        jedis.set("k", "v");
        jedis.pexpire("k", 30);
        await().atMost(Duration.ofSeconds(5)).until(() -> jedis.ttl("k") == -2);
    }
}
