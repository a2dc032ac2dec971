package dev.ioloop.sample;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import redis.clients.jedis.Protocol;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.params.SetParams;
import redis.clients.jedis.util.SafeEncoder;

/** Every command of the sample through a real Redis client (Jedis), against the running app. */
@Timeout(60)
class RespCommandsTests extends SampleServerTestSupport {

    @Test
    void pingAndEcho() {
        assertThat(jedis.ping()).isEqualTo("PONG");
        assertThat(jedis.ping("hello")).isEqualTo("hello");
        assertThat(jedis.echo("x y")).isEqualTo("x y");
    }

    @Test
    void setAndGetWithTheirOptions() {
        assertThat(jedis.set("a", "1")).isEqualTo("OK");
        assertThat(jedis.get("a")).isEqualTo("1");
        assertThat(jedis.get("missing")).isNull();
        assertThat(jedis.set("a", "2", SetParams.setParams().nx())).isNull();
        assertThat(jedis.set("b", "2", SetParams.setParams().xx())).isNull();
        assertThat(jedis.set("a", "3", SetParams.setParams().xx())).isEqualTo("OK");
        assertThat(jedis.setGet("a", "4")).isEqualTo("3");
        assertThat(jedis.set("e", "v", SetParams.setParams().ex(100))).isEqualTo("OK");
        assertThat(jedis.ttl("e")).isBetween(99L, 100L);
        assertThat(jedis.set("p", "v", SetParams.setParams().px(100_000))).isEqualTo("OK");
        assertThat(jedis.pttl("p")).isBetween(99_000L, 100_000L);
        assertThatThrownBy(() -> jedis.set("e", "v", SetParams.setParams().ex(0)))
                .isInstanceOf(JedisDataException.class)
                .hasMessage("ERR invalid expire time in 'set' command");
        assertThatThrownBy(() -> raw("SET", "k", "v", "BOGUS")).hasMessage("ERR syntax error");
    }

    @Test
    void getdelDelExists() {
        jedis.mset("a", "1", "b", "2", "c", "3");
        assertThat(jedis.getDel("a")).isEqualTo("1");
        assertThat(jedis.getDel("a")).isNull();
        assertThat(jedis.exists("b", "b", "c", "nope")).isEqualTo(3);
        assertThat(jedis.del("b", "c", "nope")).isEqualTo(2);
        assertThat(jedis.exists("b")).isFalse();
    }

    @Test
    void countersAndTheirErrors() {
        assertThat(jedis.incr("n")).isEqualTo(1);
        assertThat(jedis.incrBy("n", 10)).isEqualTo(11);
        assertThat(jedis.decr("n")).isEqualTo(10);
        assertThat(jedis.decrBy("n", 4)).isEqualTo(6);
        jedis.set("s", "abc");
        assertThatThrownBy(() -> jedis.incr("s"))
                .isInstanceOf(JedisDataException.class)
                .hasMessage("ERR value is not an integer or out of range");
        jedis.set("max", Long.toString(Long.MAX_VALUE));
        assertThatThrownBy(() -> jedis.incr("max")).hasMessage("ERR increment or decrement would overflow");
    }

    @Test
    void appendStrlenMgetMset() {
        assertThat(jedis.append("s", "ab")).isEqualTo(2);
        assertThat(jedis.append("s", "cd")).isEqualTo(4);
        assertThat(jedis.strlen("s")).isEqualTo(4);
        assertThat(jedis.strlen("none")).isZero();
        assertThat(jedis.mset("x", "1", "y", "2")).isEqualTo("OK");
        assertThat(jedis.mget("x", "none", "y")).containsExactly("1", null, "2");
        assertThatThrownBy(() -> raw("MSET", "x", "1", "y"))
                .hasMessage("ERR wrong number of arguments for 'mset' command");
    }

    @Test
    @SuppressWarnings("deprecation") // SETNX, SETEX, PSETEX and GETSET are under test: Redis still serves them
    void theStringFamily() {
        assertThat(jedis.setnx("n", "1")).isEqualTo(1);
        assertThat(jedis.setnx("n", "2")).isZero();
        assertThat(jedis.setex("e", 100, "v")).isEqualTo("OK");
        assertThat(jedis.ttl("e")).isBetween(99L, 100L);
        assertThat(jedis.psetex("p", 100_000, "v")).isEqualTo("OK");
        assertThat(jedis.getSet("n", "3")).isEqualTo("1");
        assertThat(jedis.getEx(
                        "e",
                        redis.clients.jedis.params.GetExParams.getExParams().persist()))
                .isEqualTo("v");
        assertThat(jedis.ttl("e")).isEqualTo(-1);
        jedis.set("s", "Hello World");
        assertThat(jedis.getrange("s", -5, -1)).isEqualTo("World");
        assertThat(jedis.setrange("s", 6, "Redis")).isEqualTo(11);
        assertThat(jedis.msetnx("m1", "a", "m2", "b")).isEqualTo(1);
        assertThat(jedis.msetnx("m2", "x", "m3", "y")).isZero();
        assertThat(jedis.incrByFloat("f", 10.5)).isEqualTo(10.5);
        assertThat(jedis.setbit("b", 7, true)).isFalse();
        assertThat(jedis.getbit("b", 7)).isTrue();
        assertThat(jedis.bitcount("s")).isPositive();
        jedis.mset("l1", "ohmytext", "l2", "mynewtext");
        assertThat(jedis.lcs("l1", "l2", redis.clients.jedis.params.LCSParams.LCSParams())
                        .getMatchString())
                .isEqualTo("mytext");
    }

    @Test
    void listsSetsAndHashes() {
        assertThat(jedis.rpush("l", "a", "b", "c")).isEqualTo(3);
        assertThat(jedis.lpush("l", "z")).isEqualTo(4);
        assertThat(jedis.lrange("l", 0, -1)).containsExactly("z", "a", "b", "c");
        assertThat(jedis.lindex("l", -1)).isEqualTo("c");
        assertThat(jedis.lpop("l", 2)).containsExactly("z", "a");
        assertThat(jedis.rpop("l")).isEqualTo("c");
        assertThat(jedis.llen("l")).isEqualTo(1);
        assertThat(jedis.sadd("s", "x", "y", "x")).isEqualTo(2);
        assertThat(jedis.smembers("s")).containsExactlyInAnyOrder("x", "y");
        assertThat(jedis.sismember("s", "y")).isTrue();
        assertThat(jedis.srandmember("s")).isIn("x", "y");
        assertThat(jedis.spop("s", 5)).containsExactlyInAnyOrder("x", "y");
        assertThat(jedis.exists("s")).isFalse();
        assertThat(jedis.hset("h", java.util.Map.of("f", "1", "g", "2"))).isEqualTo(2);
        assertThat(jedis.hincrBy("h", "f", 41)).isEqualTo(42);
        assertThat(jedis.hgetAll("h")).containsEntry("f", "42").containsEntry("g", "2");
        assertThat(jedis.hdel("h", "g")).isEqualTo(1);
        assertThat(jedis.hexists("h", "g")).isFalse();
        assertThat(jedis.hlen("h")).isEqualTo(1);
        assertThatThrownBy(() -> jedis.get("h"))
                .hasMessage("WRONGTYPE Operation against a key holding the wrong kind of value");
        assertThat(jedis.type("h")).isEqualTo("hash");
    }

    @Test
    void transactionsWithWatch() {
        jedis.set("balance", "10");
        jedis.watch("balance");
        redis.clients.jedis.Transaction tx = jedis.multi();
        tx.decrBy("balance", 3);
        tx.get("balance");
        assertThat(tx.exec()).containsExactly(7L, "7");
        jedis.watch("balance");
        try (var other = newClient()) {
            other.set("balance", "100");
        }
        tx = jedis.multi();
        tx.decrBy("balance", 3);
        assertThat(tx.exec())
                .as("a watched key changed: EXEC answers a null array")
                .isNull();
        assertThat(jedis.get("balance")).isEqualTo("100");
    }

    @Test
    void expirePersistTtl() {
        jedis.set("k", "v");
        assertThat(jedis.ttl("k")).isEqualTo(-1);
        assertThat(jedis.ttl("none")).isEqualTo(-2);
        assertThat(jedis.pttl("none")).isEqualTo(-2);
        assertThat(jedis.expire("k", 50)).isEqualTo(1);
        assertThat(jedis.ttl("k")).isBetween(49L, 50L);
        assertThat(jedis.pexpire("k", 5_000)).isEqualTo(1);
        assertThat(jedis.pttl("k")).isBetween(4_000L, 5_000L);
        assertThat(jedis.persist("k")).isEqualTo(1);
        assertThat(jedis.persist("k")).isZero();
        assertThat(jedis.ttl("k")).isEqualTo(-1);
        assertThat(jedis.expire("none", 5)).isZero();
    }

    @Test
    void keysDbsizeFlushAndSelect() {
        jedis.mset("user:1", "a", "user:2", "b", "order:1", "c");
        assertThat(jedis.keys("user:*")).containsExactlyInAnyOrder("user:1", "user:2");
        assertThat(jedis.keys("*:[12]")).hasSize(3);
        assertThat(jedis.dbSize()).isEqualTo(3);
        assertThat(jedis.select(0)).isEqualTo("OK");
        assertThatThrownBy(() -> jedis.select(16)).hasMessage("ERR DB index is out of range");
        assertThat(jedis.flushDB()).isEqualTo("OK");
        assertThat(jedis.dbSize()).isZero();
        jedis.set("a", "1");
        assertThat(jedis.select(1)).isEqualTo("OK");
        jedis.set("b", "1");
        assertThat(jedis.move("b", 0)).isEqualTo(1);
        assertThat(jedis.swapDB(0, 1)).isEqualTo("OK");
        assertThat(jedis.keys("*")).containsExactlyInAnyOrder("a", "b");
        assertThat(jedis.info("keyspace")).contains("db1:keys=2,expires=0,avg_ttl=0");
        assertThat(jedis.flushAll()).isEqualTo("OK");
        assertThat(jedis.dbSize()).isZero();
        jedis.select(0);
    }

    @Test
    void infoHasRedisSectionsAndTheLoopsStatistics() {
        jedis.set("a", "1");
        String info = jedis.info();
        assertThat(info)
                .contains(
                        "# Server",
                        "redis_version:",
                        "# Clients",
                        "connected_clients:",
                        "# Stats",
                        "total_commands_processed:",
                        "# Keyspace",
                        "db0:keys=1",
                        "poller:selector");
        assertThat(jedis.info("clients")).contains("connected_clients:").doesNotContain("# Server");
    }

    @Test
    void configCommandClientAndHello() {
        assertThat(jedis.configGet("save")).containsExactly(java.util.Map.entry("save", ""));
        assertThat(jedis.configGet("appendonly")).containsExactly(java.util.Map.entry("appendonly", "no"));
        assertThat((Long) jedis.sendCommand(Protocol.Command.COMMAND, "COUNT")).isPositive();
        assertThat(jedis.sendCommand(Protocol.Command.COMMAND, "DOCS")).isNotNull();
        assertThat(jedis.clientSetname("tester")).isEqualTo("OK");
        assertThat(jedis.clientGetname()).isEqualTo("tester");
        assertThat(jedis.clientId()).isPositive();
        assertThat((java.util.List<?>) jedis.sendCommand(Protocol.Command.COMMAND))
                .isNotEmpty();
        assertThat(jedis.sendCommand(Protocol.Command.CLIENT, "SETINFO", "LIB-NAME", "test"))
                .isNotNull();
        java.util.List<?> hello = (java.util.List<?>) jedis.sendCommand(Protocol.Command.HELLO, "2");
        assertThat(hello.stream().map(o -> o instanceof byte[] b ? SafeEncoder.encode(b) : o))
                .contains("server", "proto", 2L);
        assertThatThrownBy(() -> raw("HELLO", "3"))
                .hasMessage("NOPROTO sorry, this protocol version is not supported.");
    }

    @Test
    void unknownCommandAndWrongArityUseRedisTexts() {
        assertThatThrownBy(() -> raw("FOO", "a", "b"))
                .hasMessage("ERR unknown command 'FOO', with args beginning with: 'a' 'b' ");
        assertThatThrownBy(() -> raw("GET")).hasMessage("ERR wrong number of arguments for 'get' command");
        assertThat(jedis.ping()).as("the connection survives command errors").isEqualTo("PONG");
    }

    @Test
    void quitRepliesOkAndClosesTheConnection() throws Exception {
        try (java.net.Socket socket = rawSocket()) {
            send(socket, "*1\r\n$4\r\nQUIT\r\n*1\r\n$4\r\nPING\r\n");
            assertThat(readUntilClosed(socket)).isEqualTo("+OK\r\n");
        }
    }

    private Object raw(String command, String... args) {
        Object reply = jedis.sendCommand(() -> SafeEncoder.encode(command), args);
        return reply instanceof byte[] b ? SafeEncoder.encode(b) : reply;
    }
}
