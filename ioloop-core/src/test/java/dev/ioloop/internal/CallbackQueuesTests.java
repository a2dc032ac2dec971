package dev.ioloop.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The MPSC queue and the loop-side ring: FIFO per producer, nothing lost, stamps kept. */
class CallbackQueuesTests {

    @Test
    void ringGrowsKeepingFifoOrderAndStamps() {
        CallbackRing ring = new CallbackRing(2);
        Runnable[] tasks = new Runnable[100];
        for (int round = 0; round < 3; round++) {
            for (int i = 0; i < 100; i++) {
                tasks[i] = () -> { };
                ring.add(tasks[i], i);
                if (i % 3 == 0) {
                    // interleave removals so head and tail wrap around while growing
                    assertThat(ring.poll()).isNotNull();
                }
            }
            while (ring.size() > 0) {
                ring.poll();
            }
        }
        ring.add(tasks[7], 77);
        assertThat(ring.poll()).isSameAs(tasks[7]);
        assertThat(ring.lastStamp()).isEqualTo(77);
        assertThat(ring.poll()).isNull();
    }

    @Test
    void steadyStreamOfCallbacksFromOneThreadRecyclesItsNodes() {
        MpscCallbackQueue queue = new MpscCallbackQueue();
        CallbackRing sink = new CallbackRing(16);
        Runnable task = () -> { };
        for (int round = 0; round < 1_000; round++) {
            for (int i = 0; i < 10; i++) {
                queue.offer(task, i);
            }
            while (queue.pollInto(sink)) {
                assertThat(sink.poll()).isSameAs(task);
            }
        }
        // 10 in flight at most, plus the stub that stays the head: a handful of nodes, not 10,000.
        assertThat(queue.nodesAllocated()).isLessThanOrEqualTo(12);
        assertThat(queue.size()).isZero();
    }

    @Test
    @Timeout(30)
    void fourProducersLoseNothingAndKeepTheirOwnOrder() throws Exception {
        MpscCallbackQueue queue = new MpscCallbackQueue();
        int perProducer = 100_000;
        CountDownLatch go = new CountDownLatch(1);
        Thread[] producers = new Thread[4];
        for (int p = 0; p < producers.length; p++) {
            int producer = p;
            producers[p] = new Thread(() -> {
                try {
                    go.await();
                } catch (InterruptedException e) {
                    return;
                }
                for (int i = 0; i < perProducer; i++) {
                    queue.offer(() -> { }, ((long) producer << 32) | i);
                }
            });
            producers[p].start();
        }
        go.countDown();
        CallbackRing sink = new CallbackRing(16);
        long[] next = new long[producers.length];
        int received = 0;
        while (received < producers.length * perProducer) {
            if (!queue.pollInto(sink)) {
                Thread.onSpinWait();
                continue;
            }
            sink.poll();
            long stamp = sink.lastStamp();
            int producer = (int) (stamp >>> 32);
            assertThat(stamp & 0xffffffffL).isEqualTo(next[producer]);
            next[producer]++;
            received++;
        }
        for (Thread t : producers) {
            t.join();
        }
        assertThat(queue.isEmpty()).isTrue();
        assertThat(queue.size()).isZero();
    }
}
