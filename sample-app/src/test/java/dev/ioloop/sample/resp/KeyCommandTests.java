package dev.ioloop.sample.resp;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class KeyCommandTests {

    private final EngineHarness h = new EngineHarness();

    /** The bulk strings of an array reply, sorted: KEYS answers in hash order. */
    private static List<String> sortedElements(String reply) {
        String[] lines = reply.split("\r\n");
        List<String> elements = new ArrayList<>();
        for (int i = 2; i < lines.length; i += 2) {
            elements.add(lines[i]);
        }
        elements.sort(null);
        return elements;
    }

    @Test
    void delCountsTheKeysItRemovedOncePerKey() {
        h.call("MSET", "a", "1", "b", "2");
        assertThat(h.call("DEL", "a", "b", "c", "a")).isEqualTo(":2\r\n");
        assertThat(h.call("DEL", "a")).isEqualTo(":0\r\n");
        assertThat(h.keyspace.size()).isZero();
    }

    @Test
    void existsCountsEveryArgumentIncludingRepeats() {
        h.call("SET", "a", "1");
        assertThat(h.call("EXISTS", "a", "a", "b", "a")).isEqualTo(":3\r\n");
        assertThat(h.call("EXISTS", "b")).isEqualTo(":0\r\n");
    }

    @Test
    void keysWithAStarListsEveryKey() {
        h.call("MSET", "one", "1", "two", "2", "three", "3");
        String reply = h.call("KEYS", "*");
        assertThat(reply).startsWith("*3\r\n");
        assertThat(sortedElements(reply)).containsExactly("one", "three", "two");
    }

    @Test
    void keysFiltersWithTheGlobPattern() {
        h.call("MSET", "hello", "1", "hallo", "2", "hxllo", "3", "hllo", "4", "heeeello", "5", "h[llo", "6");
        assertThat(sortedElements(h.call("KEYS", "h?llo"))).containsExactly("h[llo", "hallo", "hello", "hxllo");
        assertThat(sortedElements(h.call("KEYS", "h*llo")))
                .containsExactly("h[llo", "hallo", "heeeello", "hello", "hllo", "hxllo");
        assertThat(sortedElements(h.call("KEYS", "h[ae]llo"))).containsExactly("hallo", "hello");
        assertThat(sortedElements(h.call("KEYS", "h[^e]llo"))).containsExactly("h[llo", "hallo", "hxllo");
        assertThat(sortedElements(h.call("KEYS", "h[a-b]llo"))).containsExactly("hallo");
        assertThat(sortedElements(h.call("KEYS", "h\\[llo"))).containsExactly("h[llo");
        assertThat(h.call("KEYS", "nothing*")).isEqualTo("*0\r\n");
    }

    @Test
    void dbsizeCountsKeys() {
        assertThat(h.call("DBSIZE")).isEqualTo(":0\r\n");
        h.call("MSET", "a", "1", "b", "2");
        assertThat(h.call("DBSIZE")).isEqualTo(":2\r\n");
        assertThat(h.call("DBSIZE", "x")).isEqualTo("-ERR wrong number of arguments for 'dbsize' command\r\n");
    }

    @Test
    void flushallAndFlushdbEmptyTheKeyspaceWithOrWithoutAMode() {
        h.call("MSET", "a", "1", "b", "2");
        assertThat(h.call("FLUSHALL")).isEqualTo("+OK\r\n");
        assertThat(h.keyspace.size()).isZero();
        h.call("SET", "a", "1");
        assertThat(h.call("FLUSHDB", "ASYNC")).isEqualTo("+OK\r\n");
        h.call("SET", "a", "1");
        assertThat(h.call("flushall", "sync")).isEqualTo("+OK\r\n");
        assertThat(h.keyspace.size()).isZero();
    }

    @Test
    void flushWithAnUnknownModeIsASyntaxErrorAndFlushesNothing() {
        h.call("SET", "a", "1");
        assertThat(h.call("FLUSHALL", "now")).isEqualTo("-ERR syntax error\r\n");
        assertThat(h.call("FLUSHDB", "SYNC", "ASYNC")).isEqualTo("-ERR syntax error\r\n");
        assertThat(h.keyspace.size()).isEqualTo(1);
    }

    @Test
    void selectAcceptsTheConfiguredDatabasesOnly() {
        assertThat(h.call("SELECT", "0")).isEqualTo("+OK\r\n");
        assertThat(h.call("SELECT", "15")).isEqualTo("+OK\r\n");
        assertThat(h.call("SELECT", "16")).isEqualTo("-ERR DB index is out of range\r\n");
        assertThat(h.call("SELECT", "-1")).isEqualTo("-ERR DB index is out of range\r\n");
        assertThat(h.call("SELECT", "zero")).isEqualTo("-ERR value is not an integer or out of range\r\n");
        assertThat(h.call("SELECT", "4294967296"))
                .isEqualTo("-ERR value is out of range, value must between -2147483648 and 2147483647\r\n");
        EngineHarness two = new EngineHarness(new RespLimits(1024, 1024, 1024, 2), InfoSource.none(), false);
        assertThat(two.call("SELECT", "1")).isEqualTo("+OK\r\n");
        assertThat(two.call("SELECT", "2")).isEqualTo("-ERR DB index is out of range\r\n");
    }

    @Test
    void eachDatabaseHasItsOwnKeysAndExpiry() {
        h.call("SET", "k", "zero", "PX", "100");
        h.call("SELECT", "3");
        h.call("SET", "k", "three", "PX", "200");
        h.scheduler.advance(100);
        assertThat(h.call("GET", "k")).isEqualTo("$5\r\nthree\r\n");
        assertThat(h.call("DBSIZE")).isEqualTo(":1\r\n");
        h.call("SELECT", "0");
        assertThat(h.call("DBSIZE")).isEqualTo(":0\r\n");
        h.scheduler.advance(100);
        assertThat(h.keyspace.size()).isZero();
        assertThat(h.scheduler.pending()).isZero();
    }

    @Test
    void infoKeyspaceHasALinePerNonEmptyDatabaseWithTheAverageTtl() {
        h.call("SET", "a", "1");
        h.call("SELECT", "12");
        h.call("SET", "b", "1", "PX", "1000");
        h.call("SET", "c", "1", "PX", "3000");
        h.call("SET", "d", "1");
        assertThat(h.call("INFO", "keyspace"))
                .isEqualTo("$80\r\n# Keyspace\r\ndb0:keys=1,expires=0,avg_ttl=0\r\n"
                        + "db12:keys=3,expires=2,avg_ttl=2000\r\n\r\n");
    }

    @Test
    void swapdbSwapsContentsAndTimersKeepDeletingFromTheRightDatabase() {
        h.call("SET", "a", "0", "PX", "100");
        RespSession other = h.newSession();
        h.call(other, "SELECT", "1");
        h.call(other, "SET", "b", "1");
        assertThat(h.call("SWAPDB", "0", "1")).isEqualTo("+OK\r\n");
        assertThat(h.call("GET", "b")).isEqualTo("$1\r\n1\r\n");
        assertThat(h.call(other, "GET", "a")).isEqualTo("$1\r\n0\r\n");
        h.scheduler.advance(100);
        assertThat(h.keyspace.size()).isEqualTo(1);
        assertThat(h.call(other, "DBSIZE")).isEqualTo(":0\r\n");
    }

    @Test
    void keyCommandsCheckTheirArity() {
        assertThat(h.call("DEL")).isEqualTo("-ERR wrong number of arguments for 'del' command\r\n");
        assertThat(h.call("EXISTS")).isEqualTo("-ERR wrong number of arguments for 'exists' command\r\n");
        assertThat(h.call("KEYS")).isEqualTo("-ERR wrong number of arguments for 'keys' command\r\n");
        assertThat(h.call("KEYS", "a", "b")).isEqualTo("-ERR wrong number of arguments for 'keys' command\r\n");
        assertThat(h.call("SELECT")).isEqualTo("-ERR wrong number of arguments for 'select' command\r\n");
    }
}
