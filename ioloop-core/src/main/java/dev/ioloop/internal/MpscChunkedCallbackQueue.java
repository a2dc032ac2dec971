package dev.ioloop.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntFunction;
import java.util.function.LongSupplier;

/**
 * The lock-free multi-producer, single-consumer queue through which other threads hand callbacks to the loop: an
 * unbounded list of fixed-size array chunks whose slots producers claim with one {@code getAndAdd} (JCTools'
 * {@code MpscUnboundedXaddArrayQueue} design), with consumed chunks recycled through a small pool so that a steady
 * stream of cross-thread callbacks allocates nothing. Not API.
 *
 * <pre>{@code
 * queue.offer(task, clock);              // any thread; clock null when nobody measures latency
 * long t = clock.getAsLong();
 * queue.drainTo(ring, t);                  // loop thread: everything offered before the call, in order
 * long oldest = queue.headStamp();         // when the first task it moved was offered (or a bound), for latency
 * }</pre>
 *
 * <p>Threading: {@link #offer} from any thread; {@link #size()} from any thread (approximate); everything else from
 * the consumer (the loop thread) only.
 *
 * <h2>How it works</h2>
 * Every offer takes the next position {@code p} from the producer index with one {@code getAndAdd}, so the order of
 * the queue is the order of those increments: FIFO per producer, and an offer that starts after another one
 * completed comes after it. Position {@code p} lives in slot {@code p % chunkSize} of the chunk with index
 * {@code p / chunkSize}. The producer finds that chunk through a hint (the last chunk a producer moved into), then
 * publishes the task with a release store. The consumer reads slots in position order with acquire
 * loads, so it misses its cache once per cache line of slots rather than once per callback (as a linked node queue
 * does), and stops at the first slot not written yet: a producer between its increment and its store holds the
 * consumer there, never makes it skip the slot, and wakes the loop itself once it has stored. {@link #drainTo}
 * stops at the producer index it read on entry, so an offer made during a drain waits for the next one.
 *
 * <h2>Enqueue stamps: one per drain, not one per task</h2>
 * The loop's latency sample for cross-thread callbacks needs how long the oldest callback of a drain waited, and
 * the oldest is the first position the drain takes. So only the producer whose position is the consumer's next
 * position (the {@code consumerIndex} published after the last drain) reads the clock, and writes that time with
 * its position before it publishes its task; every other offer reads no clock (reading {@link System#nanoTime()}
 * on every offer made the hand-off 3 times slower). A producer that claims the next drain's first position while
 * the consumer is still draining sees the old {@code consumerIndex} and does not stamp; its position was claimed
 * after the consumer read the producer index, so the time the consumer read just before that
 * ({@code drainStartNanos}) is a lower bound of its enqueue time, tight to one drain, and {@link #headStamp()}
 * reports that bound instead. Under load this is the common case, and the bound is then as tight as the stamp.
 * The stamp fields are written by at most one producer per drain: a later producer can only match a later
 * {@code consumerIndex}, published after the consumer read them.
 *
 * <p>A producer whose position is in a chunk nobody has appended yet appends it itself: it takes a spare chunk
 * (from the pool, else a new one) and links it with one compare-and-set on the last chunk's {@code next}; the losers
 * of that race put their spare back. No producer ever waits for another one or for the consumer, so offers are
 * lock-free. When the consumer has taken every slot of a chunk it moves to the next one and retires the old one into
 * the pool.
 *
 * <h2>Why recycling is safe (the ABA problem)</h2>
 * A slow producer may hold a chunk it read long ago that has since been retired and reused with another index.
 * Three rules keep such a stale reference harmless:
 * <ol>
 *   <li>A chunk's {@code state} never repeats a value while it is reachable: its index while it is part of the
 *       queue, then "retired after index i", then "spare, last index i", then a new, larger index (a spare that
 *       lost its append race keeps its spare value, but nobody could reach it). Chunk indexes only grow, so reading
 *       the same state twice proves the chunk did not change role in between, and reading index {@code k} proves it
 *       is chunk {@code k}.</li>
 *   <li>A chunk at or after the one holding a producer's still unwritten position cannot be retired (the consumer
 *       cannot pass that position), so once a producer has read index {@code k >= its chunk}, walking {@code prev}
 *       back to its chunk is safe. Walking forward, it reads {@code next} between two reads of the state, which must
 *       agree.</li>
 *   <li>An appended chunk does not carry an index: it is linked as a "spare", and whoever next sees it behind a chunk
 *       whose index it has verified (another producer, or the consumer) sets its index to that index + 1 with a
 *       compare-and-set that expects the spare value. So even a stale producer whose compare-and-set on a reused
 *       chunk's {@code next} succeeds appends a correct successor to whatever that chunk is now. A retired chunk's
 *       {@code next} is a marker, never {@code null}, so nothing can be linked behind it.</li>
 * </ol>
 * The hint is advanced by a producer before it writes its slot, to its own (still pinned) chunk, and the consumer
 * moves the hint off a chunk before retiring it, so the hint never points at a retired chunk for longer than it
 * takes a reader to re-read it.
 *
 * <h2>Memory</h2>
 * {@code chunkSize} task references per chunk (512 by default: about 2 KiB with compressed references). The queue holds the chunks between the consumer and the producers (a burst of 10 million
 * callbacks grows it to about 20,000 chunks, some 40 MiB, against 320 MiB for a linked queue of 32-byte nodes), at most
 * {@code maxPooledChunks} retired chunks in the pool (16 by default), and at most one spare per producer that is
 * appending at that moment. Chunks beyond the pool's bound are left to the garbage collector. The one allocation
 * happens after the producer has claimed its position, so an {@link OutOfMemoryError} there cannot be thrown to the
 * caller: that would leave a position nobody writes, where the consumer would stop for good. The producer instead
 * waits (yielding, then parking up to about 1 ms at a time) until the pool has a chunk the consumer retired or an
 * allocation succeeds; the loop keeps running the callbacks before that position meanwhile.
 */
public final class MpscChunkedCallbackQueue extends ChunkedQueuePad4 {

    /** Slots per chunk by default. */
    public static final int DEFAULT_CHUNK_SIZE = 512;
    /** Retired chunks kept for reuse by default. */
    public static final int DEFAULT_MAX_POOLED_CHUNKS = 16;

    private static final VarHandle PRODUCER_INDEX;
    private static final VarHandle PRODUCER_CHUNK;
    private static final VarHandle CONSUMER_INDEX;
    private static final VarHandle STAMP_POSITION;
    private static final VarHandle STATE;
    private static final VarHandle NEXT;
    private static final VarHandle TASKS = MethodHandles.arrayElementVarHandle(Runnable[].class);
    private static final VarHandle POOL = MethodHandles.arrayElementVarHandle(Chunk[].class);
    /** The {@code next} of a retired chunk: never {@code null}, so no producer can link behind it. */
    private static final Chunk RETIRED = new Chunk(1);

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            PRODUCER_INDEX = lookup.findVarHandle(ChunkedQueueProducerIndex.class, "producerIndex", long.class);
            PRODUCER_CHUNK = lookup.findVarHandle(ChunkedQueueProducerChunk.class, "producerChunk", Chunk.class);
            CONSUMER_INDEX = lookup.findVarHandle(ChunkedQueueConsumerFields.class, "consumerIndex", long.class);
            STAMP_POSITION = lookup.findVarHandle(ChunkedQueueStampFields.class, "stampPosition", long.class);
            STATE = lookup.findVarHandle(Chunk.class, "state", long.class);
            NEXT = lookup.findVarHandle(Chunk.class, "next", Chunk.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final int chunkSize;
    private final int shift;
    private final int mask;
    private final Chunk[] pool;
    private final AtomicLong allocated = new AtomicLong(1);
    private final AtomicLong allocationFailures = new AtomicLong();
    /** Allocates chunks: {@code Chunk::new}, or in tests one that plays an exhausted heap. */
    private final IntFunction<Chunk> allocator;

    /** Creates an empty queue with {@value #DEFAULT_CHUNK_SIZE}-slot chunks. */
    public MpscChunkedCallbackQueue() {
        this(DEFAULT_CHUNK_SIZE, DEFAULT_MAX_POOLED_CHUNKS);
    }

    /**
     * Creates an empty queue.
     *
     * @param chunkSize slots per chunk, a power of two &gt;= 2
     * @param maxPooledChunks retired chunks kept for reuse, &gt;= 0
     */
    public MpscChunkedCallbackQueue(int chunkSize, int maxPooledChunks) {
        this(chunkSize, maxPooledChunks, Chunk::new);
    }

    /** The constructor tests use to replace chunk allocation; the first chunk is always allocated here. */
    MpscChunkedCallbackQueue(int chunkSize, int maxPooledChunks, IntFunction<Chunk> allocator) {
        if (chunkSize < 2 || Integer.bitCount(chunkSize) != 1) {
            throw new IllegalArgumentException("chunkSize must be a power of two >= 2: " + chunkSize);
        }
        if (maxPooledChunks < 0) {
            throw new IllegalArgumentException("maxPooledChunks must be >= 0: " + maxPooledChunks);
        }
        this.allocator = allocator;
        this.chunkSize = chunkSize;
        this.shift = Integer.numberOfTrailingZeros(chunkSize);
        this.mask = chunkSize - 1;
        this.pool = new Chunk[maxPooledChunks];
        Chunk first = new Chunk(chunkSize);
        first.state = 0;
        producerChunk = first;
        consumerChunk = first;
        consumerChunkEnd = chunkSize;
    }

    /**
     * Appends a task without measuring when; safe from any thread, lock-free, never waits.
     *
     * @param task the callback
     */
    public void offer(Runnable task) {
        offer(task, null);
    }

    /**
     * Appends a task; safe from any thread, lock-free, never waits.
     *
     * @param task the callback
     * @param clock the loop's clock, read if this task is the first the next drain will take (see {@link #headStamp()});
     *     {@code null} when nobody measures latency
     */
    public void offer(Runnable task, LongSupplier clock) {
        // A null task would look like a slot not yet written, and hold the consumer there for good.
        Objects.requireNonNull(task, "task");
        long position = (long) PRODUCER_INDEX.getAndAdd(this, 1L);
        long required = position >>> shift;
        Chunk chunk = producerChunk;
        if (chunk.state != required) {
            chunk = chunkFor(required);
        }
        if (clock != null && position == (long) CONSUMER_INDEX.getOpaque(this)) {
            // The next drain starts here: the one enqueue time it needs. Written before the task is published.
            stampNanos = clock.getAsLong();
            STAMP_POSITION.setRelease(this, position);
        }
        TASKS.setRelease(chunk.tasks, (int) position & mask, task);
    }

    /** Finds (appending it if needed) the chunk with index {@code required}, which holds our unwritten slot. */
    private Chunk chunkFor(long required) {
        Chunk chunk = producerChunk;
        while (true) {
            long index = chunk.state;
            if (index >= required) {
                // Chunks from ours on stay in the queue until our slot is written: their prev links hold.
                for (long i = index; i > required; i--) {
                    chunk = chunk.prev;
                }
                return chunk;
            }
            if (index < 0) {
                chunk = producerChunk; // retired or spare: the hint has moved on
                continue;
            }
            Chunk next = chunk.next;
            if (chunk.state != index) {
                chunk = producerChunk; // retired while we read next: next may belong to its new role
                continue;
            }
            if (next == null) {
                tryAppend(chunk, index);
                continue; // re-read next, whoever won
            }
            if (!assign(next, index)) {
                chunk = producerChunk;
                continue;
            }
            chunk = next;
            if (index + 1 == required) {
                advanceHint(chunk, required);
                return chunk;
            }
        }
    }

    /** Moves the hint forward to {@code chunk}, ours and so not retirable yet; losing a race to a newer one is fine. */
    private void advanceHint(Chunk chunk, long index) {
        Chunk hint = producerChunk;
        if (hint.state < index) {
            PRODUCER_CHUNK.compareAndSet(this, hint, chunk);
        }
    }

    /** Links a spare behind {@code last}, which was the last chunk of the queue, with that index, a moment ago. */
    private void tryAppend(Chunk last, long index) {
        Chunk spare = takeSpare();
        spare.prev = last;
        // If last was retired meanwhile (it may even be the spare just taken), there is nothing to append to.
        if (last.state != index || !NEXT.compareAndSet(last, (Chunk) null, spare)) {
            // Another producer appended first, or last moved on. The spare was never reachable: back to the pool.
            spare.prev = null;
            spare.next = RETIRED;
            offerToPool(spare);
        }
    }

    private Chunk takeSpare() {
        for (int attempt = 0; ; attempt++) {
            Chunk spare = takePooled();
            if (spare != null) {
                spare.state = spareState(spare.state);
                spare.next = null;
                return spare;
            }
            try {
                Chunk fresh = allocateChunk();
                allocated.incrementAndGet();
                return fresh; // a spare that never had an index
            } catch (OutOfMemoryError e) {
                // Our position is claimed: giving up would leave a slot nobody writes, where the consumer would
                // stop for good. Wait for memory instead: the consumer retires the chunks it finishes into the
                // pool, and the collector may free some.
                allocationFailures.incrementAndGet();
                backOff(attempt);
            }
        }
    }

    private Chunk takePooled() {
        Chunk[] pool = this.pool;
        for (int i = 0; i < pool.length; i++) {
            if (POOL.getVolatile(pool, i) != null) {
                Chunk chunk = (Chunk) POOL.getAndSet(pool, i, (Chunk) null);
                if (chunk != null) {
                    return chunk;
                }
            }
        }
        return null;
    }

    private static void backOff(int attempt) {
        if (attempt < 16) {
            Thread.yield();
        } else {
            LockSupport.parkNanos(Math.min(1L << Math.min(attempt - 16, 10), 1024) * 1_000L); // 1 µs .. ~1 ms
        }
    }

    /** Allocates a chunk; a seam for tests that play an exhausted heap. */
    Chunk allocateChunk() {
        return allocator.apply(chunkSize);
    }

    private void offerToPool(Chunk chunk) {
        Chunk[] pool = this.pool;
        for (int i = 0; i < pool.length; i++) {
            if (POOL.getVolatile(pool, i) == null && POOL.compareAndSet(pool, i, (Chunk) null, chunk)) {
                return;
            }
        }
        // Pool full: left to the garbage collector.
    }

    /**
     * Gives {@code chunk}, found behind the chunk whose index {@code previous} the caller verified, the index
     * {@code previous + 1} if it is still the spare that was linked there.
     *
     * @return {@code false} if the chunk has moved on (the caller's view is stale)
     */
    private static boolean assign(Chunk chunk, long previous) {
        long index = previous + 1;
        while (true) {
            long state = chunk.state;
            if (state == index) {
                return true;
            }
            // Only the spare state it was linked with qualifies: any later spare state is a later role.
            if (!isSpare(state) || lastIndexOfSpare(state) >= index) {
                return false;
            }
            if (STATE.compareAndSet(chunk, state, index)) {
                return true;
            }
        }
    }

    /**
     * Moves every task offered before this call into {@code sink}, and none offered during it, so a producer that
     * never stops cannot keep the loop in one drain; loop thread only. Stops early at a slot that is claimed but not
     * yet written; its producer wakes the loop once it is. Same as {@code drainTo(sink, Long.MIN_VALUE)}: no stamp.
     *
     * @return the number of tasks moved
     */
    public int drainTo(CallbackRing sink) {
        return drainTo(sink, Long.MIN_VALUE);
    }

    /**
     * Moves every task offered before this call into {@code sink}, and none offered during it; loop thread only.
     * Stops early at a slot that is claimed but not yet written; its producer wakes the loop once it is. Afterwards
     * {@link #headStamp()} tells when the first task moved was offered.
     *
     * @param drainStartNanos the loop's clock read just before this call, or {@link Long#MIN_VALUE} if latency is not
     *     measured: every task a later drain takes first that was not stamped was offered after this time
     * @return the number of tasks moved
     */
    public int drainTo(CallbackRing sink, long drainStartNanos) {
        long limit = (long) PRODUCER_INDEX.getVolatile(this);
        int moved = take(sink, limit);
        if (consumerIndex == limit) {
            // Every position from limit on was claimed after the read above, so after drainStartNanos.
            positionsOfferedAfter = drainStartNanos;
        }
        return moved;
    }

    /**
     * Returns when the first task moved by the last {@link #drainTo}/{@link #pollInto} was offered, in the clock
     * given to {@link #offer(Runnable, LongSupplier)}; loop thread only. That task is the oldest of the drain. If its
     * producer did not stamp it (it claimed its position while the previous drain ran, or offered without a clock),
     * this is the {@code drainStartNanos} of the previous drain, which it was offered after: earlier than the truth
     * by at most one drain. {@link Long#MIN_VALUE} if the last drain moved nothing or neither is known.
     */
    public long headStamp() {
        return headStamp;
    }

    /**
     * Removes the oldest task into {@code sink}; loop thread only.
     *
     * @return {@code false} if no task was ready
     */
    public boolean pollInto(CallbackRing sink) {
        boolean moved = take(sink, consumerIndex + 1) == 1;
        positionsOfferedAfter = Long.MIN_VALUE; // the limit was not read from the producers: no bound
        return moved;
    }

    /** Drops every task written so far; loop thread only. */
    public void clear() {
        take(null, (long) PRODUCER_INDEX.getVolatile(this));
        positionsOfferedAfter = Long.MIN_VALUE;
    }

    private int take(CallbackRing sink, long limit) {
        long start = consumerIndex;
        long stop = Math.min(limit, start + Integer.MAX_VALUE);
        long position = start;
        Chunk chunk = consumerChunk;
        int mask = this.mask;
        while (position < stop) {
            if (position == consumerChunkEnd) {
                chunk = enterNextChunk();
                if (chunk == null) {
                    break; // the producer of the next chunk's first position has not linked it yet
                }
            }
            int slot = (int) position & mask;
            Runnable task = (Runnable) TASKS.getAcquire(chunk.tasks, slot);
            if (task == null) {
                break;
            }
            if (sink != null) {
                sink.add(task);
            }
            chunk.tasks[slot] = null;
            position++;
        }
        if (position != start) {
            // Read before consumerIndex moves on: only then may a producer write the next stamp.
            headStamp = (long) STAMP_POSITION.getOpaque(this) == start ? stampNanos : positionsOfferedAfter;
            CONSUMER_INDEX.setRelease(this, position);
        } else {
            headStamp = Long.MIN_VALUE;
        }
        return (int) (position - start);
    }

    /** Moves the consumer into the next chunk and retires the one it finished; {@code null} if none is linked. */
    private Chunk enterNextChunk() {
        Chunk done = consumerChunk;
        Chunk next = done.next;
        if (next == null) {
            return null;
        }
        long index = consumerChunkEnd >>> shift;
        boolean assigned = assign(next, index - 1);
        assert assigned : "the consumer's successor cannot have moved on";
        next.prev = null; // nobody walks back past the consumer
        consumerChunk = next;
        consumerChunkEnd += chunkSize;
        // Off the hint first, so that no reader of the hint finds a retired chunk after one re-read.
        if (producerChunk == done) {
            PRODUCER_CHUNK.compareAndSet(this, done, next);
        }
        done.state = retiredState(index - 1);
        done.next = RETIRED;
        offerToPool(done);
        return next;
    }

    /**
     * Returns whether no slot was claimed beyond the consumer; loop thread only. A slot claimed but not yet written
     * counts as not empty (the loop then polls without sleeping until it is written), which is what makes the
     * sleep check safe: the claim is a full fence, so a producer either sees the loop asleep or the loop sees the
     * claim.
     */
    public boolean isEmpty() {
        return (long) PRODUCER_INDEX.getVolatile(this) == consumerIndex;
    }

    /** Returns how many tasks were offered (or are being offered) and not yet taken; any thread, approximate. */
    public long size() {
        long taken = (long) CONSUMER_INDEX.getOpaque(this);
        return Math.max(0, (long) PRODUCER_INDEX.getVolatile(this) - taken);
    }

    /** Returns how many chunks were ever allocated: a steady state stops this from growing; for tests. */
    public long chunksAllocated() {
        return allocated.get();
    }

    /** Returns how many chunk allocations failed with {@link OutOfMemoryError} and were retried; for tests. */
    long allocationFailures() {
        return allocationFailures.get();
    }

    /** Returns how many retired chunks the pool holds; for tests. */
    int pooledChunks() {
        int n = 0;
        for (int i = 0; i < pool.length; i++) {
            if (POOL.getVolatile(pool, i) != null) {
                n++;
            }
        }
        return n;
    }

    /** The hint, for tests that play a stale producer. */
    Chunk producerChunkForTests() {
        return producerChunk;
    }

    /** Runs a producer's append step on {@code last}, for tests that play a stale producer. */
    void tryAppendForTests(Chunk last, long index) {
        tryAppend(last, index);
    }

    static boolean assignForTests(Chunk chunk, long previous) {
        return assign(chunk, previous);
    }

    // Chunk states: an index >= 0 while in the queue; odd negatives for "retired after index i"; even negatives for
    // "spare, last index i" (i = -1 for a chunk that never had one). Each role has its own value, so none repeats.

    static long retiredState(long index) {
        return -2 * index - 3;
    }

    static long spareState(long state) {
        if (isSpare(state)) {
            return state;
        }
        return -2 * ((-state - 3) / 2) - 4;
    }

    static boolean isSpare(long state) {
        return state < 0 && (state & 1) == 0;
    }

    static long lastIndexOfSpare(long state) {
        return (-state - 4) / 2;
    }

    /** A chunk of slots (task references) with its place in the queue. */
    static final class Chunk {
        final Runnable[] tasks;
        volatile long state = -2; // a spare that never had an index
        volatile Chunk next;
        volatile Chunk prev;

        Chunk(int size) {
            tasks = new Runnable[size];
        }
    }
}

// Field groups on cache lines of their own: producers increment the index on every offer, read the hint and the
// queue's final fields on every offer, and the consumer writes its fields on every drain; none of them should
// invalidate another's line.

@SuppressWarnings("unused")
abstract class ChunkedQueuePad0 {
    long p00, p01, p02, p03, p04, p05, p06, p07, p08, p09, p10, p11, p12, p13, p14, p15;
}

abstract class ChunkedQueueProducerIndex extends ChunkedQueuePad0 {
    volatile long producerIndex;
}

@SuppressWarnings("unused")
abstract class ChunkedQueuePad1 extends ChunkedQueueProducerIndex {
    long p00, p01, p02, p03, p04, p05, p06, p07, p08, p09, p10, p11, p12, p13, p14, p15;
}

abstract class ChunkedQueueProducerChunk extends ChunkedQueuePad1 {
    volatile MpscChunkedCallbackQueue.Chunk producerChunk;
}

@SuppressWarnings("unused")
abstract class ChunkedQueuePad2 extends ChunkedQueueProducerChunk {
    long p00, p01, p02, p03, p04, p05, p06, p07, p08, p09, p10, p11, p12, p13, p14, p15;
}

abstract class ChunkedQueueConsumerFields extends ChunkedQueuePad2 {
    // Loop thread only, except consumerIndex, which it publishes once per drain for size() and for the producers
    // that decide whether to stamp.
    long consumerIndex;
    long consumerChunkEnd;
    MpscChunkedCallbackQueue.Chunk consumerChunk;
    long headStamp = Long.MIN_VALUE;
    long positionsOfferedAfter = Long.MIN_VALUE;
}

@SuppressWarnings("unused")
abstract class ChunkedQueuePad3 extends ChunkedQueueConsumerFields {
    long p00, p01, p02, p03, p04, p05, p06, p07, p08, p09, p10, p11, p12, p13, p14, p15;
}

abstract class ChunkedQueueStampFields extends ChunkedQueuePad3 {
    // Written by at most one producer per drain (the one whose position is the next drain's first), read by the
    // consumer once per drain.
    volatile long stampPosition = -1;
    long stampNanos;
}

@SuppressWarnings("unused")
abstract class ChunkedQueuePad4 extends ChunkedQueueStampFields {
    long p00, p01, p02, p03, p04, p05, p06, p07, p08, p09, p10, p11, p12, p13, p14, p15;
}
