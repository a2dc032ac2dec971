package dev.ioloop.sample.resp;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.function.IntConsumer;
import org.junit.jupiter.api.Test;

/**
 * Heap per element of lists, sets and hashes, measured as the README reports it: the heap in use (after full
 * collections) before and after adding 200,000 elements of 10 bytes ("member:NNN", values "value:NNN" for hashes) to
 * one key, divided by the count. It prints the numbers; the bounds only catch a regression by a large factor, since
 * a shared machine's collector makes the last few bytes noisy.
 */
class CollectionMemoryTests {

    private static final int N = 200_000;

    private static long usedAfterGc() {
        long used = Long.MAX_VALUE;
        for (int i = 0; i < 4; i++) {
            System.gc();
            used = Math.min(
                    used,
                    ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
        }
        return used;
    }

    private static double bytesPerElement(IntConsumer add) {
        long before = usedAfterGc();
        for (int i = 0; i < N; i++) {
            add.accept(i);
        }
        long after = usedAfterGc();
        return (after - before) / (double) N;
    }

    private static byte[] tenBytes(String prefix, int i) {
        String s = prefix + i;
        return s.substring(s.length() - 10).getBytes(StandardCharsets.US_ASCII);
    }

    @Test
    void heapPerElementOfListsSetsAndHashes() {
        RespList list = new RespList();
        double perListElement = bytesPerElement(i -> list.addLast(tenBytes("0000000000l", i)));
        RespSet set = new RespSet();
        double perSetMember = bytesPerElement(i -> {
            byte[] m = tenBytes("member:000000", i);
            set.add(m, 0, m.length);
        });
        RespHash hash = new RespHash();
        double perHashField = bytesPerElement(i -> {
            byte[] f = tenBytes("field:0000000", i);
            hash.put(f, 0, f.length, tenBytes("value:0000000", i));
        });
        EngineHarness h = new EngineHarness();
        Db db = h.keyspace.db(0);
        double perStringKey = bytesPerElement(i -> {
            byte[] k = tenBytes("key:00000000", i);
            db.insert(k, 0, k.length, tenBytes("value:0000000", i));
        });
        System.out.printf(
                "heap per element (10-byte members, 200,000 elements): list %.1f B, set %.1f B, hash field+value"
                        + " %.1f B, string key+value %.1f B%n",
                perListElement, perSetMember, perHashField, perStringKey);
        assertThat(list.size()).isEqualTo(N);
        assertThat(set.size()).isEqualTo(N);
        assertThat(hash.size()).isEqualTo(N);
        assertThat(perListElement).isLessThan(80);
        assertThat(perSetMember).isLessThan(120);
        assertThat(perHashField).isLessThan(160);
        assertThat(perStringKey).isLessThan(200);
    }
}
