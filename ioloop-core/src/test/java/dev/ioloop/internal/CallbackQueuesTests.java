package dev.ioloop.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import org.junit.jupiter.api.Test;

/** The loop-side ring and the cross-thread queue on one thread: FIFO, stamps kept, chunks crossed and recycled. */
class CallbackQueuesTests {

    private static final Runnable TASK = () -> { };

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
    void tasksCrossChunkBoundariesInOrderWithTheirStamps() {
        MpscChunkedCallbackQueue queue = new MpscChunkedCallbackQueue(4, 2);
        Runnable[] tasks = new Runnable[23];
        for (int i = 0; i < tasks.length; i++) {
            tasks[i] = () -> { };
            queue.offer(tasks[i], 1000 + i);
        }
        assertThat(queue.size()).isEqualTo(23);
        CallbackRing sink = new CallbackRing(4);
        for (int i = 0; i < tasks.length; i++) {
            assertThat(queue.pollInto(sink)).isTrue();
            assertThat(sink.poll()).isSameAs(tasks[i]);
            assertThat(sink.lastStamp()).isEqualTo(1000 + i);
        }
        assertThat(queue.pollInto(sink)).isFalse();
        assertThat(queue.isEmpty()).isTrue();
        assertThat(queue.size()).isZero();
    }

    @Test
    void drainToTakesWhatWasOfferedBeforeTheCallOnly() {
        MpscChunkedCallbackQueue queue = new MpscChunkedCallbackQueue(4, 2);
        for (int i = 0; i < 10; i++) {
            queue.offer(TASK, i);
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
    void stampsAreCopiedOnlyWhenAskedFor() {
        MpscChunkedCallbackQueue queue = new MpscChunkedCallbackQueue(4, 2);
        CallbackRing sink = new CallbackRing(4);
        queue.offer(TASK, 5);
        queue.drainTo(sink, false);
        sink.poll();
        assertThat(sink.lastStamp()).isEqualTo(Long.MIN_VALUE);
        queue.offer(TASK, 6);
        queue.drainTo(sink, true);
        sink.poll();
        assertThat(sink.lastStamp()).isEqualTo(6);
    }

    @Test
    void clearDropsEverythingAndTheQueueKeepsWorking() {
        MpscChunkedCallbackQueue queue = new MpscChunkedCallbackQueue(4, 2);
        for (int i = 0; i < 13; i++) {
            queue.offer(TASK, i);
        }
        queue.clear();
        assertThat(queue.isEmpty()).isTrue();
        assertThat(queue.size()).isZero();
        queue.offer(TASK, 99);
        CallbackRing sink = new CallbackRing(4);
        assertThat(queue.drainTo(sink)).isEqualTo(1);
        assertThat(sink.poll()).isSameAs(TASK);
        assertThat(sink.lastStamp()).isEqualTo(99);
    }

    @Test
    void steadyStreamOfCallbacksReusesItsChunks() {
        MpscChunkedCallbackQueue queue = new MpscChunkedCallbackQueue(8, 4);
        CallbackRing sink = new CallbackRing(16);
        for (int round = 0; round < 10_000; round++) {
            for (int i = 0; i < 10; i++) {
                queue.offer(TASK, i);
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
            queue.offer(TASK, i);
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
            queue.offer(TASK, i);
            queue.pollInto(sink);
            sink.clear();
        }
        assertThat(queue.chunksAllocated()).isEqualTo(grown);
    }

    @Test
    void rejectsChunkSizesThatAreNotPowersOfTwo() {
        assertThatIllegalArgumentException().isThrownBy(() -> new MpscChunkedCallbackQueue(12, 1))
                .withMessage("chunkSize must be a power of two >= 2: 12");
    }

    /** Offers one more task to the queue for every task it receives. */
    private static final class RacingSink extends CallbackRing {
        private final MpscChunkedCallbackQueue queue;

        RacingSink(MpscChunkedCallbackQueue queue) {
            super(4);
            this.queue = queue;
        }

        @Override
        public void add(Runnable task, long stampNanos) {
            super.add(task, stampNanos);
            queue.offer(TASK, -1);
        }
    }
}
