package dev.ioloop.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;
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
                    queue.offer(new Tagged(0, n));
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
                assertThat(((Tagged) task).seq).isEqualTo(expected);
            }
            Thread.onSpinWait();
        }
        for (Thread t : threads) {
            t.join();
        }
    }

    @Test
    void everyDrainsHeadStampIsNoLaterThanItsOfferAndOneProducerPerDrainReadsTheClock() throws Exception {
        MpscChunkedCallbackQueue queue = new MpscChunkedCallbackQueue(8, 2);
        int producers = 4;
        int offers = 50_000;
        AtomicLong time = new AtomicLong();
        LongAdder producerClockReads = new LongAdder();
        LongSupplier clock = () -> {
            producerClockReads.increment();
            return time.incrementAndGet();
        };
        // offeredBy[id]: the time right after the offer returned; the task ran, so it was offered before the drain.
        AtomicLongArray offeredBy = new AtomicLongArray(producers * offers);
        CountDownLatch go = new CountDownLatch(1);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread[] threads = new Thread[producers];
        for (int p = 0; p < producers; p++) {
            int producer = p;
            threads[p] = new Thread(
                    () -> {
                        try {
                            go.await();
                            for (int i = 0; i < offers; i++) {
                                Tagged task = new Tagged(producer, i);
                                queue.offer(task, clock);
                                offeredBy.set(producer * offers + i, time.incrementAndGet());
                                if ((i & 63) == 0) {
                                    Thread.yield(); // let the consumer catch up now and then: drains of every size
                                }
                            }
                        } catch (Throwable e) {
                            failure.set(e);
                        }
                    },
                    "producer-" + p);
            threads[p].start();
        }
        go.countDown();
        CallbackRing sink = new CallbackRing(64);
        List<long[]> heads = new ArrayList<>(); // {head task id, head stamp, a time read after the drain}
        Set<Long> drainStarts = new HashSet<>();
        long seen = 0;
        int nonEmptyDrains = 0;
        while (seen < (long) producers * offers && failure.get() == null) {
            long drainStart = time.incrementAndGet();
            int moved = queue.drainTo(sink, drainStart);
            long drained = time.incrementAndGet();
            if (moved > 0) {
                nonEmptyDrains++;
                Tagged head = (Tagged) sink.poll();
                heads.add(new long[] {(long) head.producer * offers + head.seq, queue.headStamp(), drained});
                sink.clear();
                seen += moved;
            }
            drainStarts.add(drainStart);
        }
        for (Thread t : threads) {
            t.join();
        }
        assertThat(failure.get()).isNull();
        assertThat(producerClockReads.sum())
                .as("at most one stamp per published consumer index")
                .isLessThanOrEqualTo(nonEmptyDrains + 1L);
        assertThat(heads.get(0)[1]).as("the very first offer always stamps").isNotEqualTo(Long.MIN_VALUE);
        for (long[] h : heads) {
            long stamp = h[1];
            if (stamp == Long.MIN_VALUE) {
                continue; // unknown: only before the first drain that reached its limit, and then not reported
            }
            assertThat(stamp).as("never later than the head's offer returned").isLessThan(offeredBy.get((int) h[0]));
            assertThat(stamp).as("never later than its drain").isLessThan(h[2]);
        }
        // Unstamped heads get an earlier drain's start: their wait is over-estimated by at most about one drain.
        long fallbacks = heads.stream().filter(h -> drainStarts.contains(h[1])).count();
        assertThat(fallbacks).as("the first head was stamped by its producer").isLessThan(heads.size());
    }

    @Test
    void producerWhoseChunkCannotBeAllocatedWaitsForOneTheConsumerRetires() throws Exception {
        AtomicBoolean heapExhausted = new AtomicBoolean();
        MpscChunkedCallbackQueue queue = new MpscChunkedCallbackQueue(2, 1, size -> {
            if (heapExhausted.get()) {
                throw new OutOfMemoryError("test: the heap is exhausted");
            }
            return new MpscChunkedCallbackQueue.Chunk(size);
        });
        for (int i = 0; i < 4; i++) {
            queue.offer(new Tagged(0, i)); // chunks 0 and 1
        }
        long allocated = queue.chunksAllocated();
        heapExhausted.set(true);
        // Position 4 needs chunk 2: nothing in the pool, and no memory.
        Thread producer = new Thread(() -> queue.offer(new Tagged(0, 4)), "producer");
        producer.start();
        await().atMost(Duration.ofSeconds(30)).until(() -> queue.allocationFailures() > 0);
        assertThat(producer.isAlive())
                .as("its position is claimed: it must not give up")
                .isTrue();

        CallbackRing sink = new CallbackRing(8);
        // Moving into chunk 1 retires chunk 0 into the pool, where the waiting producer finds it (possibly in time
        // for this drain to take position 4 as well).
        int moved = queue.drainTo(sink);
        producer.join();
        moved += queue.drainTo(sink);
        assertThat(moved).isEqualTo(5);
        for (int i = 0; i < 5; i++) {
            assertThat(((Tagged) sink.poll()).seq).isEqualTo(i);
        }
        assertThat(queue.chunksAllocated()).isEqualTo(allocated);
        assertThat(queue.isEmpty()).isTrue();
    }

    @Test
    void producerRetriesAFailedAllocationUntilItSucceeds() {
        AtomicInteger failuresLeft = new AtomicInteger(20);
        MpscChunkedCallbackQueue queue = new MpscChunkedCallbackQueue(2, 0, size -> {
            if (failuresLeft.getAndDecrement() > 0) {
                throw new OutOfMemoryError("test: the heap is exhausted");
            }
            return new MpscChunkedCallbackQueue.Chunk(size);
        });
        for (int i = 0; i < 5; i++) {
            queue.offer(new Tagged(0, i));
        }
        assertThat(queue.allocationFailures()).isEqualTo(20);
        CallbackRing sink = new CallbackRing(8);
        assertThat(queue.drainTo(sink)).isEqualTo(5);
        for (int i = 0; i < 5; i++) {
            assertThat(((Tagged) sink.poll()).seq).isEqualTo(i);
        }
    }

    @Test
    void staleProducerCannotAppendToARetiredOrReusedChunk() {
        MpscChunkedCallbackQueue queue = new MpscChunkedCallbackQueue(2, 4);
        CallbackRing sink = new CallbackRing(16);
        MpscChunkedCallbackQueue.Chunk stale = queue.producerChunkForTests(); // chunk 0, as a slow producer saw it
        for (int i = 0; i < 3; i++) {
            queue.offer(new Tagged(0, i));
        }
        assertThat(queue.drainTo(sink)).isEqualTo(3); // the consumer moved into chunk 1 and retired chunk 0
        queue.tryAppendForTests(stale, 0);
        assertThat(queue.pooledChunks()).isEqualTo(1);

        queue.offer(new Tagged(0, 3));
        queue.offer(new Tagged(0, 4)); // chunk 2: the retired chunk 0, reused
        assertThat(queue.producerChunkForTests()).isSameAs(stale);
        assertThat(stale.state).isEqualTo(2);
        queue.tryAppendForTests(stale, 0); // what it took for chunk 0 no longer holds
        assertThat(stale.next).isNull();

        // An append that did pass its check links a spare without an index; the next producer gives it one.
        queue.tryAppendForTests(stale, 2);
        MpscChunkedCallbackQueue.Chunk spare = stale.next;
        assertThat(MpscChunkedCallbackQueue.isSpare(spare.state)).isTrue();
        for (int i = 5; i < 10; i++) {
            queue.offer(new Tagged(0, i));
        }
        assertThat(spare.state).isEqualTo(3);
        assertThat(queue.drainTo(sink)).isEqualTo(7);
        for (int i = 0; i < 10; i++) {
            assertThat(((Tagged) sink.poll()).seq).isEqualTo(i);
        }
        // A producer that saw it behind chunk 2 long ago cannot make it chunk 3 again, retired or spare again.
        assertThat(spare.state).isEqualTo(MpscChunkedCallbackQueue.retiredState(3));
        assertThat(MpscChunkedCallbackQueue.assignForTests(spare, 2)).isFalse();
        spare.state = MpscChunkedCallbackQueue.spareState(spare.state);
        assertThat(MpscChunkedCallbackQueue.assignForTests(spare, 2)).isFalse();
        assertThat(MpscChunkedCallbackQueue.assignForTests(spare, 6)).isTrue();
    }

    /** A task that says who offered it and its place in that producer's sequence. */
    static final class Tagged implements Runnable {
        final int producer;
        long seq; // written before the offer, read after the drain: the queue's release/acquire orders it

        Tagged(int producer, long seq) {
            this.producer = producer;
            this.seq = seq;
        }

        @Override
        public void run() {}
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
                threads[p] = new Thread(
                        () -> {
                            try {
                                Tagged[] tasks = new Tagged[window];
                                for (int i = 0; i < window; i++) {
                                    tasks[i] = new Tagged(producer, 0);
                                }
                                go.await();
                                for (long i = 0; i < offers; i++) {
                                    while (i - received.get(producer) >= window) {
                                        Thread.yield();
                                    }
                                    // Reused once the consumer has counted it: at most window tasks are in flight.
                                    Tagged task = tasks[(int) (i % window)];
                                    task.seq = i;
                                    queue.offer(task);
                                }
                            } catch (Throwable e) {
                                failure.set(e);
                            }
                        },
                        "producer-" + p);
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
                for (Runnable polled; (polled = sink.poll()) != null; ) {
                    Tagged task = (Tagged) polled;
                    int producer = task.producer;
                    assertThat(task.seq).as("producer %d's next task", producer).isEqualTo(received.get(producer));
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
