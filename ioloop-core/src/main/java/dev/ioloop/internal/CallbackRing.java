package dev.ioloop.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Arrays;

/**
 * The loop thread's FIFO of callbacks: a growable ring, so a steady state of adds and runs allocates nothing. Not
 * API; loop thread only, except {@link #size()}, which any thread may read (approximately). Not final only so that
 * tests can act while a drain fills it.
 */
public class CallbackRing {

    private static final VarHandle SIZE;

    static {
        try {
            SIZE = MethodHandles.lookup().findVarHandle(CallbackRing.class, "size", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private Runnable[] tasks;
    private int head;
    private int tail;
    // Written by the loop thread with opaque stores (no fence per callback), read by anyone.
    private int size;

    /**
     * Creates a ring.
     *
     * @param capacity initial capacity, rounded up to a power of two, at least 4
     */
    public CallbackRing(int capacity) {
        int n = Integer.highestOneBit(Math.max(2, capacity - 1) << 1);
        tasks = new Runnable[n];
    }

    /** Appends a task. */
    public void add(Runnable task) {
        int n = size;
        if (n == tasks.length) {
            grow();
        }
        tasks[tail] = task;
        tail = (tail + 1) & (tasks.length - 1);
        SIZE.setOpaque(this, n + 1);
    }

    /** Removes and returns the oldest task, or {@code null}. */
    public Runnable poll() {
        int n = size;
        if (n == 0) {
            return null;
        }
        Runnable task = tasks[head];
        tasks[head] = null;
        head = (head + 1) & (tasks.length - 1);
        SIZE.setOpaque(this, n - 1);
        return task;
    }

    /** Returns the number of queued tasks; from another thread, a recent value. */
    public int size() {
        return (int) SIZE.getOpaque(this);
    }

    /** Drops every task. */
    public void clear() {
        Arrays.fill(tasks, null);
        head = 0;
        tail = 0;
        SIZE.setOpaque(this, 0);
    }

    private void grow() {
        int n = tasks.length;
        Runnable[] newTasks = new Runnable[n * 2];
        int firstPart = n - head;
        System.arraycopy(tasks, head, newTasks, 0, firstPart);
        System.arraycopy(tasks, 0, newTasks, firstPart, head);
        tasks = newTasks;
        head = 0;
        tail = n;
    }
}
