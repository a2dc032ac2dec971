package dev.ioloop.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.util.function.LongSupplier;
import org.junit.jupiter.api.Test;

/**
 * The loop-side ring and the cross-thread queue on one thread: FIFO, chunks crossed and recycled, and the one enqueue
 * stamp per drain.
 */
class CallbackQueuesTests {

    private static final Runnable TASK = () -> {};

    @Test
    void ringGrowsKeepingFifoOrder() {
        CallbackRing ring = new CallbackRing(2);
        Runnable[] tasks = new Runnable[100];
        for (int round = 0; round < 3; round++) {
            for (int i = 0; i < 100; i++) {
                tasks[i] = () -> {};
                ring.add(tasks[i]);
                if (i % 3 == 0) {
                    // interleave removals so head and tail wrap around while growing
                    assertThat(ring.poll()).isNotNull();
                }
            }
            while (ring.size() > 0) {
                ring.poll();
            }
        }
        ring.add(tasks[7]);
        ring.add(tasks[8]);
        assertThat(ring.poll()).isSameAs(tasks[7]);
        assertThat(ring.poll()).isSameAs(tasks[8]);
        assertThat(ring.poll()).isNull();
    }

    @Test
    void tasksCrossChunkBoundariesInOrder() {
        MpscChunkedCallbackQueue queue = new MpscChunkedCallbackQueue(4, 2);
        Runnable[] tasks = new Runnable[23];
        for (int i = 0; i < tasks.length; i++) {
            tasks[i] = () -> {};
            queue.offer(tasks[i]);
        }
        assertThat(queue.size()).isEqualTo(23);
        CallbackRing sink = new CallbackRing(4);
        for (int i = 0; i < tasks.length; i++) {
            assertThat(queue.pollInto(sink)).isTrue();
            assertThat(sink.poll()).isSameAs(tasks[i]);
        }
        assertThat(queue.pollInto(sink)).isFalse();
        assertThat(queue.isEmpty()).isTrue();
        assertThat(queue.size()).isZero();
    }

    @Test
    void drainToTakesWhatWasOfferedBeforeTheCallOnly() {
        MpscChunkedCallbackQueue queue = new MpscChunkedCallbackQueue(4, 2);
        for (int i = 0; i < 10; i++) {
            queue.offer(TASK);
        }
        CallbackRing sink = new CallbackRing(4);
        // A sink that offers one more task for each it receives, as a producer that never stops would.
        CallbackRing racing = new RacingSink(queue);
        assertThat(queue.drainTo(racing)).isEqualTo(10);
        assertThat(queue.size()).isEqualTo(10);
        assertThat(queue.isEmpty()).isFalse();
        assertThat(queue.drainTo(sink)).isEqualTo(10);
        assertThat(sink.size()).isEqualTo(10);
        assertThat(queue.isEmpty()).isTrue();
    }

    @Test
    void onlyTheFirstTaskOfTheNextDrainReadsTheClockAndItsStampIsTheDrainsHeadStamp() {
        MpscChunkedCallbackQueue queue = new MpscChunkedCallbackQueue(4, 2);
        CountingClock clock = new CountingClock(100);
        CallbackRing sink = new CallbackRing(4);
        for (int i = 0; i < 10; i++) {
            queue.offer(TASK, clock);
            clock.now += 10;
        }
        assertThat(clock.reads)
                .as("only the first offer is the next drain's first task")
                .isOne();
        assertThat(queue.drainTo(sink, 500)).isEqualTo(10);
        assertThat(queue.headStamp()).isEqualTo(100);

        clock.now = 1000;
        queue.offer(TASK, clock);
        queue.offer(TASK, clock);
        assertThat(clock.reads).isEqualTo(2);
        assertThat(queue.drainTo(sink, 2000)).isEqualTo(2);
        assertThat(queue.headStamp()).isEqualTo(1000);

        assertThat(queue.drainTo(sink, 3000)).isZero();
        assertThat(queue.headStamp()).as("nothing moved").isEqualTo(Long.MIN_VALUE);
    }

    @Test
    void headClaimedDuringADrainGetsThatDrainsStartAsItsBound() {
        MpscChunkedCallbackQueue queue = new MpscChunkedCallbackQueue(4, 2);
        CountingClock clock = new CountingClock(100);
        queue.offer(TASK, clock);
        queue.offer(TASK, clock);
        // Each task the drain moves makes a producer offer one more, as a producer racing the drain would: the
        // first of them claims the next drain's first position before the consumer publishes it, so it reads no clock.
        CallbackRing racing = new RacingSink(queue, clock);
        assertThat(queue.drainTo(racing, 700)).isEqualTo(2);
        assertThat(clock.reads).as("only the very first offer stamped").isOne();
        CallbackRing sink = new CallbackRing(4);
        assertThat(queue.drainTo(sink, 900)).isEqualTo(2);
        assertThat(queue.headStamp())
                .as("offered after the previous drain started")
                .isEqualTo(700);
    }

    @Test
    void offersWithoutAClockLeaveTheHeadStampToTheDrainBound() {
        MpscChunkedCallbackQueue queue = new MpscChunkedCallbackQueue(4, 2);
        CallbackRing sink = new CallbackRing(4);
        queue.offer(TASK);
        assertThat(queue.drainTo(sink, 50)).isOne();
        assertThat(queue.headStamp())
                .as("no stamp and no earlier drain: unknown")
                .isEqualTo(Long.MIN_VALUE);
        queue.offer(TASK);
        assertThat(queue.drainTo(sink, 80)).isOne();
        assertThat(queue.headStamp()).isEqualTo(50);
        queue.offer(TASK);
        assertThat(queue.pollInto(sink)).isTrue();
        assertThat(queue.headStamp()).isEqualTo(80);
        queue.offer(TASK);
        assertThat(queue.drainTo(sink)).isOne();
        assertThat(queue.headStamp())
                .as("pollInto read no producer index: no bound")
                .isEqualTo(Long.MIN_VALUE);
    }

    @Test
    void clearDropsEverythingAndTheQueueKeepsWorking() {
        MpscChunkedCallbackQueue queue = new MpscChunkedCallbackQueue(4, 2);
        for (int i = 0; i < 13; i++) {
            queue.offer(TASK);
        }
        queue.clear();
        assertThat(queue.isEmpty()).isTrue();
        assertThat(queue.size()).isZero();
        CountingClock clock = new CountingClock(99);
        queue.offer(TASK, clock);
        CallbackRing sink = new CallbackRing(4);
        assertThat(queue.drainTo(sink, 120)).isEqualTo(1);
        assertThat(sink.poll()).isSameAs(TASK);
        assertThat(queue.headStamp()).isEqualTo(99);
    }

    @Test
    void steadyStreamOfCallbacksReusesItsChunks() {
        MpscChunkedCallbackQueue queue = new MpscChunkedCallbackQueue(8, 4);
        CallbackRing sink = new CallbackRing(16);
        for (int round = 0; round < 10_000; round++) {
            for (int i = 0; i < 10; i++) {
                queue.offer(TASK);
            }
            assertThat(queue.drainTo(sink)).isEqualTo(10);
            sink.clear();
        }
        // 100,000 callbacks through 8-slot chunks: 12,500 chunks used, 3 allocated (at most 2 in use at a time).
        assertThat(queue.chunksAllocated()).isLessThanOrEqualTo(3);
        assertThat(queue.size()).isZero();
    }

    @Test
    void burstGrowsTheQueueButThePoolStaysBounded() {
        MpscChunkedCallbackQueue queue = new MpscChunkedCallbackQueue();
        for (int i = 0; i < 10_000_000; i++) {
            queue.offer(TASK);
        }
        long grown = queue.chunksAllocated();
        assertThat(grown).isGreaterThanOrEqualTo(10_000_000 / MpscChunkedCallbackQueue.DEFAULT_CHUNK_SIZE);
        CallbackRing sink = new CallbackRing(16);
        while (queue.pollInto(sink)) {
            sink.clear();
        }
        assertThat(queue.size()).isZero();
        assertThat(queue.pooledChunks()).isEqualTo(MpscChunkedCallbackQueue.DEFAULT_MAX_POOLED_CHUNKS);
        for (int i = 0; i < 100_000; i++) {
            queue.offer(TASK);
            queue.pollInto(sink);
            sink.clear();
        }
        assertThat(queue.chunksAllocated()).isEqualTo(grown);
    }

    @Test
    void rejectsChunkSizesThatAreNotPowersOfTwo() {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> new MpscChunkedCallbackQueue(12, 1))
                .withMessage("chunkSize must be a power of two >= 2: 12");
    }

    /** Offers one more task to the queue for every task it receives. */
    private static final class RacingSink extends CallbackRing {
        private final MpscChunkedCallbackQueue queue;
        private final LongSupplier clock;

        RacingSink(MpscChunkedCallbackQueue queue) {
            this(queue, null);
        }

        RacingSink(MpscChunkedCallbackQueue queue, LongSupplier clock) {
            super(4);
            this.queue = queue;
            this.clock = clock;
        }

        @Override
        public void add(Runnable task) {
            super.add(task);
            queue.offer(TASK, clock);
        }
    }

    /** A clock the test sets, counting its reads. */
    private static final class CountingClock implements LongSupplier {
        long now;
        int reads;

        CountingClock(long now) {
            this.now = now;
        }

        @Override
        public long getAsLong() {
            reads++;
            return now;
        }
    }
}
