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
    private Node head;
    private volatile long taken;

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
        Node current = head;
        Node next = (Node) NEXT.getAcquire(current);
        if (next == null) {
            return false;
        }
        sink.add(next.task, next.stampNanos);
        next.task = null;
        head = next;
        taken++;
        if (current.owner != null) {
            current.owner.giveBack(current);
        }
        return true;
    }

    /** Returns whether a task is (or is about to become) visible; loop thread only. */
    public boolean isEmpty() {
        return tail.get() == head;
    }

    /** Returns how many tasks were offered and not yet taken; any thread, approximate under races. */
    public long size() {
        return Math.max(0, offered.sum() - taken);
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
        void giveBack(Node node) {
            if (returnedCount.get() >= MAX_CACHED) {
                return;
            }
            returnedCount.incrementAndGet();
            Node top;
            do {
                top = returned.get();
                node.nextFree = top;
            } while (!returned.compareAndSet(top, node));
        }
    }
}
