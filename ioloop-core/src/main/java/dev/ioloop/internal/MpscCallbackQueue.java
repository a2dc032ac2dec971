package dev.ioloop.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;

/**
 * The lock-free multi-producer, single-consumer queue through which other threads hand callbacks to the loop
 * (Vyukov's MPSC linked queue), with its nodes recycled so that a steady stream of cross-thread callbacks
 * allocates nothing. Not API.
 *
 * <p>{@link #offer} is wait-free for producers (one {@code getAndSet} on the tail); {@link #pollInto} is called
 * by the loop thread only. A producer that has swapped the tail but not yet linked its node makes the queue look
 * empty for a moment; that producer wakes the loop after linking, so nothing is lost.
 *
 * <p>Recycling: once the consumer has moved past a node, no producer can reach it any more (each node is handed
 * out by the tail swap exactly once, and its one producer linked it before the consumer could move past it), so
 * the consumer returns it to the cache of the thread that allocated it: a stack only the consumer pushes and
 * only the owner takes whole, which has no ABA problem. A cache holds at most {@value #MAX_CACHED} returned nodes;
 * beyond that nodes are left to the garbage collector.
 */
public final class MpscCallbackQueue {

    private static final int MAX_CACHED = 4096;
    private static final VarHandle NEXT;

    static {
        try {
            NEXT = MethodHandles.lookup().findVarHandle(Node.class, "next", Node.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final AtomicReference<Node> tail;
    private final LongAdder offered = new LongAdder();
    private final AtomicLong allocated = new AtomicLong();
    private final ThreadLocal<NodeCache> caches = ThreadLocal.withInitial(NodeCache::new);
    private static final VarHandle TAKEN;

    static {
        try {
            TAKEN = MethodHandles.lookup().findVarHandle(MpscCallbackQueue.class, "taken", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private Node head;
    // Loop thread writes (opaque, once per drain), any thread reads.
    private long taken;
    // Consumed nodes waiting to go back to their owner's cache in one push: a chain of one owner.
    private Node returnHead;
    private Node returnTail;
    private int returnCount;

    /** Creates an empty queue. */
    public MpscCallbackQueue() {
        Node stub = new Node(null);
        head = stub;
        tail = new AtomicReference<>(stub);
    }

    /**
     * Appends a task; safe from any thread.
     *
     * @param task the callback
     * @param stampNanos when it was enqueued (loop time), or {@link Long#MIN_VALUE} if not measured
     */
    public void offer(Runnable task, long stampNanos) {
        Node node = caches.get().take(this);
        node.task = task;
        node.stampNanos = stampNanos;
        NEXT.set(node, (Node) null);
        Node previous = tail.getAndSet(node);
        NEXT.setRelease(previous, node);
        offered.increment();
    }

    /**
     * Removes the oldest task into {@code sink}; loop thread only.
     *
     * @return {@code false} if the queue looked empty
     */
    public boolean pollInto(CallbackRing sink) {
        boolean took = take(sink);
        finishTaking(took ? 1 : 0);
        return took;
    }

    private boolean take(CallbackRing sink) {
        Node current = head;
        Node next = (Node) NEXT.getAcquire(current);
        if (next == null) {
            return false;
        }
        sink.add(next.task, next.stampNanos);
        next.task = null;
        head = next;
        if (current.owner != null) {
            giveBack(current);
        }
        return true;
    }

    private void giveBack(Node node) {
        if (returnHead != null && returnHead.owner != node.owner) {
            flushReturns();
        }
        node.nextFree = null;
        if (returnHead == null) {
            returnHead = node;
        } else {
            returnTail.nextFree = node;
        }
        returnTail = node;
        returnCount++;
    }

    private void finishTaking(int count) {
        if (count > 0) {
            TAKEN.setOpaque(this, taken + count);
        }
        flushReturns();
    }

    private void flushReturns() {
        if (returnHead != null) {
            returnHead.owner.giveBack(returnHead, returnTail, returnCount);
            returnHead = null;
            returnTail = null;
            returnCount = 0;
        }
    }

    /**
     * Moves every task offered before this call into {@code sink}, and none offered during it, so a producer
     * that never stops cannot keep the loop in one drain; loop thread only.
     *
     * @return the number of tasks moved
     */
    public int drainTo(CallbackRing sink) {
        Node last = tail.get();
        int moved = 0;
        while (head != last && take(sink)) {
            moved++;
        }
        finishTaking(moved);
        return moved;
    }

    /** Returns whether a task is (or is about to become) visible; loop thread only. */
    public boolean isEmpty() {
        return tail.get() == head;
    }

    /** Returns how many tasks were offered and not yet taken; any thread, approximate under races. */
    public long size() {
        return Math.max(0, offered.sum() - (long) TAKEN.getOpaque(this));
    }

    /** Returns how many nodes were ever allocated: a steady state stops this from growing; for tests. */
    public long nodesAllocated() {
        return allocated.get();
    }

    /** Drops every queued task; loop thread only. */
    public void clear() {
        CallbackRing discard = new CallbackRing(1);
        while (pollInto(discard)) {
            discard.clear();
        }
    }

    private static final class Node {
        Runnable task;
        long stampNanos;
        @SuppressWarnings("unused") // accessed through NEXT
        volatile Node next;
        final NodeCache owner;
        Node nextFree;

        Node(NodeCache owner) {
            this.owner = owner;
        }
    }

    /** One producer thread's spare nodes: a private list, refilled from the consumer's returns. */
    private static final class NodeCache {
        private Node free;
        private final AtomicReference<Node> returned = new AtomicReference<>();
        private final AtomicInteger returnedCount = new AtomicInteger();

        Node take(MpscCallbackQueue queue) {
            Node node = free;
            if (node == null) {
                node = returned.getAndSet(null);
                returnedCount.set(0);
                if (node == null) {
                    queue.allocated.incrementAndGet();
                    return new Node(this);
                }
            }
            free = node.nextFree;
            node.nextFree = null;
            return node;
        }

        /** Consumer thread only: the single pusher, so the push cannot suffer ABA. */
        void giveBack(Node first, Node last, int count) {
            if (returnedCount.get() >= MAX_CACHED) {
                return;
            }
            returnedCount.addAndGet(count);
            Node top;
            do {
                top = returned.get();
                last.nextFree = top;
            } while (!returned.compareAndSet(top, first));
        }
    }
}
