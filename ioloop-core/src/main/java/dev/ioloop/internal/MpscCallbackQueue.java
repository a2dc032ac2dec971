package dev.ioloop.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;

/**
 * The lock-free multi-producer, single-consumer queue through which other threads hand callbacks to the loop
 * (Vyukov's intrusive-free MPSC linked queue). Not API.
 *
 * <p>{@link #offer} is wait-free for producers (one {@code getAndSet} on the tail); {@link #poll} is called by
 * the loop thread only. A producer that has swapped the tail but not yet linked its node makes the queue look
 * empty for a moment; that producer wakes the loop after linking, so nothing is lost.
 */
public final class MpscCallbackQueue {

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
    private Node head;
    private volatile long taken;

    /** Creates an empty queue. */
    public MpscCallbackQueue() {
        Node stub = new Node(null, 0);
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
        Node node = new Node(task, stampNanos);
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
        Node next = (Node) NEXT.getAcquire(head);
        if (next == null) {
            return false;
        }
        sink.add(next.task, next.stampNanos);
        next.task = null;
        head = next;
        taken++;
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

    /** Drops every queued task; loop thread only. */
    public void clear() {
        CallbackRing discard = new CallbackRing(1);
        while (pollInto(discard)) {
            discard.clear();
        }
    }

    private static final class Node {
        Runnable task;
        final long stampNanos;
        @SuppressWarnings("unused") // accessed through NEXT
        volatile Node next;

        Node(Runnable task, long stampNanos) {
            this.task = task;
            this.stampNanos = stampNanos;
        }
    }
}
