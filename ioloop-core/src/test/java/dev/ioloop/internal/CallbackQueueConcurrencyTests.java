package dev.ioloop.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The cross-thread queue under racing producers and a concurrent consumer: every task arrives exactly once and in
 * its producer's order, across thousands of chunk boundaries and recycles, and a steady state stops allocating.
 * Two-slot chunks and a one-chunk pool put producers on the append path and stale chunks in their hands as often
 * as possible.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class CallbackQueueConcurrencyTests {

    private static final Runnable TASK = () -> { };

    @ParameterizedTest(name = "{0} producers x {1} offers, {2}-slot chunks, pool of {3}")
    @CsvSource({
        "2, 300000, 2, 1",
        "4, 150000, 2, 1",
        "8, 75000, 2, 1",
        "8, 75000, 4, 0",
        "4, 150000, 512, 16",
    })
    void everyProducersTasksArriveExactlyOnceAndInOrder(int producers, int offers, int chunkSize, int pool)
            throws Exception {
        MpscChunkedCallbackQueue queue = new MpscChunkedCallbackQueue(chunkSize, pool);
        Run run = new Run(queue, producers, offers, 4096);
        run.consumeAll();
        assertThat(queue.isEmpty()).isTrue();
        assertThat(queue.size()).isZero();
        assertThat(queue.drainTo(new CallbackRing(2))).isZero();
    }

    @Test
    void steadyStateStopsAllocatingChunks() throws Exception {
        MpscChunkedCallbackQueue queue = new MpscChunkedCallbackQueue(64, 16);
        // 4 producers x 128 in flight fill at most 10 chunks: the pool holds more than the in-flight ones swing by.
        new Run(queue, 4, 50_000, 128).consumeAll();
        long warmedUp = queue.chunksAllocated();
        for (int round = 0; round < 5; round++) {
            new Run(queue, 4, 50_000, 128).consumeAll();
        }
        // 1,000,000 more callbacks through 15,625 chunks: a spare dropped because another producer's spare filled
        // the pool first is the only way a chunk can be lost, so allow a few, not one per round of chunks.
        assertThat(queue.chunksAllocated() - warmedUp).isLessThanOrEqualTo(4);
        assertThat(queue.size()).isZero();
    }

    @Test
    void callbackOfferedAfterAnotherCompletedComesAfterIt() throws Exception {
        MpscChunkedCallbackQueue queue = new MpscChunkedCallbackQueue(2, 1);
        int handOffs = 20_000;
        AtomicInteger turn = new AtomicInteger();
        Thread[] threads = new Thread[2];
        for (int t = 0; t < 2; t++) {
            int me = t;
            threads[t] = new Thread(() -> {
                for (int n = me; n < handOffs; n += 2) {
                    while (turn.get() != n) {
                        Thread.yield();
                    }
                    queue.offer(TASK, n);
                    turn.set(n + 1); // this offer completed before the other thread's next one starts
                }
            });
            threads[t].start();
        }
        CallbackRing sink = new CallbackRing(16);
        long expected = 0;
        while (expected < handOffs) {
            queue.drainTo(sink);
            for (Runnable task; (task = sink.poll()) != null; expected++) {
                assertThat(sink.lastStamp()).isEqualTo(expected);
            }
            Thread.onSpinWait();
        }
        for (Thread t : threads) {
            t.join();
        }
    }

    @Test
    void staleProducerCannotAppendToARetiredOrReusedChunk() {
        MpscChunkedCallbackQueue queue = new MpscChunkedCallbackQueue(2, 4);
        CallbackRing sink = new CallbackRing(16);
        MpscChunkedCallbackQueue.Chunk stale = queue.producerChunkForTests(); // chunk 0, as a slow producer saw it
        for (int i = 0; i < 3; i++) {
            queue.offer(TASK, i);
        }
        assertThat(queue.drainTo(sink)).isEqualTo(3); // the consumer moved into chunk 1 and retired chunk 0
        queue.tryAppendForTests(stale, 0);
        assertThat(queue.pooledChunks()).isEqualTo(1);

        queue.offer(TASK, 3);
        queue.offer(TASK, 4); // chunk 2: the retired chunk 0, reused
        assertThat(queue.producerChunkForTests()).isSameAs(stale);
        assertThat(stale.state).isEqualTo(2);
        queue.tryAppendForTests(stale, 0); // what it took for chunk 0 no longer holds
        assertThat(stale.next).isNull();

        // An append that did pass its check links a spare without an index; the next producer gives it one.
        queue.tryAppendForTests(stale, 2);
        MpscChunkedCallbackQueue.Chunk spare = stale.next;
        assertThat(MpscChunkedCallbackQueue.isSpare(spare.state)).isTrue();
        for (int i = 5; i < 10; i++) {
            queue.offer(TASK, i);
        }
        assertThat(spare.state).isEqualTo(3);
        assertThat(queue.drainTo(sink)).isEqualTo(7);
        for (int i = 0; i < 10; i++) {
            sink.poll();
            assertThat(sink.lastStamp()).isEqualTo(i);
        }
        // A producer that saw it behind chunk 2 long ago cannot make it chunk 3 again, retired or spare again.
        assertThat(spare.state).isEqualTo(MpscChunkedCallbackQueue.retiredState(3));
        assertThat(MpscChunkedCallbackQueue.assignForTests(spare, 2)).isFalse();
        spare.state = MpscChunkedCallbackQueue.spareState(spare.state);
        assertThat(MpscChunkedCallbackQueue.assignForTests(spare, 2)).isFalse();
        assertThat(MpscChunkedCallbackQueue.assignForTests(spare, 6)).isTrue();
    }

    /** Producers keeping at most {@code window} tasks in flight each, and the test thread consuming. */
    private static final class Run {
        private final MpscChunkedCallbackQueue queue;
        private final int producers;
        private final int offers;
        private final AtomicLongArray received;
        private final Thread[] threads;
        private final AtomicReference<Throwable> failure = new AtomicReference<>();

        Run(MpscChunkedCallbackQueue queue, int producers, int offers, int window) {
            this.queue = queue;
            this.producers = producers;
            this.offers = offers;
            this.received = new AtomicLongArray(producers);
            this.threads = new Thread[producers];
            CountDownLatch go = new CountDownLatch(1);
            for (int p = 0; p < producers; p++) {
                int producer = p;
                threads[p] = new Thread(() -> {
                    try {
                        go.await();
                        for (long i = 0; i < offers; i++) {
                            while (i - received.get(producer) >= window) {
                                Thread.yield();
                            }
                            queue.offer(TASK, ((long) producer << 32) | i);
                        }
                    } catch (Throwable e) {
                        failure.set(e);
                    }
                }, "producer-" + p);
                threads[p].start();
            }
            go.countDown();
        }

        void consumeAll() throws InterruptedException {
            CallbackRing sink = new CallbackRing(64);
            long total = (long) producers * offers;
            long seen = 0;
            while (seen < total && failure.get() == null) {
                if (queue.drainTo(sink) == 0) {
                    Thread.yield();
                    continue;
                }
                while (sink.poll() != null) {
                    long stamp = sink.lastStamp();
                    int producer = (int) (stamp >>> 32);
                    assertThat(stamp & 0xffffffffL).as("producer %d's next task", producer)
                            .isEqualTo(received.get(producer));
                    received.set(producer, received.get(producer) + 1);
                    seen++;
                }
            }
            for (Thread t : threads) {
                t.join();
            }
            assertThat(failure.get()).isNull();
            for (int p = 0; p < producers; p++) {
                assertThat(received.get(p)).isEqualTo(offers);
            }
        }
    }
}
