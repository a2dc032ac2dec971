package dev.ioloop.sample.resp;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * SCAN's guarantee, which a transcript cannot show since the order of keys is the hash table's: every key present
 * for the whole scan is returned at least once, while the keyspace grows (the table doubles several times) or
 * shrinks between calls. Also RANDOMKEY and TIME, whose replies are random or the time.
 */
class ScanTests {

    private final EngineHarness h = new EngineHarness();

    /** One SCAN call: the next cursor, and the keys it returned added to {@code seen}. */
    private long scan(long cursor, Set<String> seen, String... options) {
        List<String> args = new ArrayList<>(List.of("SCAN", Long.toUnsignedString(cursor)));
        args.addAll(List.of(options));
        String[] lines = h.call(args.toArray(String[]::new)).split("\r\n");
        // *2, $n, cursor, *k, then $n / key pairs
        for (int i = 5; i < lines.length; i += 2) {
            seen.add(lines[i]);
        }
        return Long.parseUnsignedLong(lines[2]);
    }

    @Test
    void everyKeyPresentForTheWholeScanIsReturnedWhileTheKeyspaceGrows() {
        Set<String> stable = new HashSet<>();
        for (int i = 0; i < 200; i++) {
            h.call("SET", "stable:" + i, "v");
            stable.add("stable:" + i);
        }
        Set<String> seen = new HashSet<>();
        long cursor = 0;
        int added = 0;
        do {
            cursor = scan(cursor, seen, "COUNT", "7");
            // Growing without end would outrun the scan, as in Redis: grow through a few doublings, then stop.
            for (int i = 0; i < 150 && added < 3_000; i++) {
                h.call("SET", "new:" + added++, "v");
            }
        } while (cursor != 0);
        assertThat(added).as("the table grew several times").isGreaterThan(2_000);
        assertThat(seen).containsAll(stable);
    }

    @Test
    void everyKeyPresentForTheWholeScanIsReturnedWhileTheKeyspaceShrinks() {
        Set<String> stable = new HashSet<>();
        List<String> doomed = new ArrayList<>();
        for (int i = 0; i < 5_000; i++) {
            h.call("SET", "doomed:" + i, "v");
            doomed.add("doomed:" + i);
        }
        for (int i = 0; i < 100; i++) {
            h.call("SET", "stable:" + i, "v");
            stable.add("stable:" + i);
        }
        Random random = new Random(42);
        Set<String> seen = new HashSet<>();
        long cursor = 0;
        do {
            cursor = scan(cursor, seen);
            for (int i = 0; i < 400 && !doomed.isEmpty(); i++) {
                h.call("DEL", doomed.remove(random.nextInt(doomed.size())));
            }
        } while (cursor != 0);
        assertThat(seen).containsAll(stable);
    }

    @Test
    void matchAndTypeFilterWhatTheVisitedBucketsHeld() {
        for (int i = 0; i < 50; i++) {
            h.call("SET", "user:" + i, "v");
            h.call("SET", "order:" + i, "v");
        }
        Set<String> seen = new HashSet<>();
        long cursor = 0;
        do {
            cursor = scan(cursor, seen, "MATCH", "user:*", "TYPE", "string");
        } while (cursor != 0);
        assertThat(seen).hasSize(50).allMatch(k -> k.startsWith("user:"));
        Set<String> none = new HashSet<>();
        cursor = 0;
        do {
            cursor = scan(cursor, none, "TYPE", "hash");
        } while (cursor != 0);
        assertThat(none).isEmpty();
    }

    @Test
    void aCountWhoseBudgetOverflowsScansEverythingInOneCallAsInRedis() {
        for (int i = 0; i < 1_000; i++) {
            h.call("SET", "k" + i, "v");
        }
        Set<String> seen = new HashSet<>();
        assertThat(scan(0, seen, "COUNT", "9223372036854775807")).isZero();
        assertThat(seen).hasSize(1_000);
    }

    @Test
    void scanSkipsAndDeletesExpiredKeys() {
        h.call("SET", "live", "v");
        h.call("SET", "dead", "v", "PX", "10");
        h.scheduler.setTime(h.scheduler.nowMillis() + 10);
        assertThat(h.call("SCAN", "0", "COUNT", "100")).isEqualTo("*2\r\n$1\r\n0\r\n*1\r\n$4\r\nlive\r\n");
        assertThat(h.keyspace.size()).isEqualTo(1);
    }

    @Test
    void randomkeyReturnsEveryKeySometimesAndNeverAnExpiredOne() {
        for (int i = 0; i < 5; i++) {
            h.call("SET", "k" + i, "v");
        }
        h.call("SET", "gone", "v", "PX", "1");
        h.scheduler.setTime(h.scheduler.nowMillis() + 1);
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 500; i++) {
            String reply = h.call("RANDOMKEY");
            seen.add(reply.split("\r\n")[1]);
        }
        assertThat(seen).containsExactlyInAnyOrder("k0", "k1", "k2", "k3", "k4");
        h.call("FLUSHDB");
        assertThat(h.call("RANDOMKEY")).isEqualTo("$-1\r\n");
    }

    @Test
    void timeIsTheClockInSecondsAndMicroseconds() {
        h.scheduler.setTime(1_700_000_000_123L);
        assertThat(h.call("TIME")).isEqualTo("*2\r\n$10\r\n1700000000\r\n$6\r\n123000\r\n");
    }
}
