package dev.ioloop.internal;

import java.util.Arrays;

/**
 * A binary min-heap of timers ordered by {@code (deadline, sequence)}: equal deadlines come out in insertion
 * order. Each entry knows its index, so removal is O(log n). Not API; loop thread only, except {@link #size()}
 * and {@link Entry#inHeap()}, which another thread may read as a hint (a plain read, possibly stale).
 *
 * <p>Deadlines are compared by subtraction ({@code a - b < 0}), as {@link System#nanoTime()} values must be.
 */
public final class TimerHeap {

    /** A heap entry; subclassed by the loop's timeout handle. */
    public abstract static class Entry {
        /** Absolute deadline on the loop's clock. */
        protected final long deadlineNanos;
        /** Insertion order, the tie-breaker. */
        protected final long sequence;

        int heapIndex = -1;

        protected Entry(long deadlineNanos, long sequence) {
            this.deadlineNanos = deadlineNanos;
            this.sequence = sequence;
        }

        /** Returns whether this entry is in a heap now. */
        public final boolean inHeap() {
            return heapIndex >= 0;
        }
    }

    private Entry[] heap = new Entry[16];
    private volatile int size;

    /** Returns the number of entries. */
    public int size() {
        return size;
    }

    /** Returns the earliest entry without removing it, or {@code null}. */
    public Entry peek() {
        return size == 0 ? null : heap[0];
    }

    /** Adds an entry that is in no heap. */
    public void add(Entry e) {
        int n = size;
        if (n == heap.length) {
            heap = Arrays.copyOf(heap, n * 2);
        }
        size = n + 1;
        siftUp(n, e);
    }

    /** Removes and returns the earliest entry, or {@code null}. */
    public Entry poll() {
        int n = size;
        if (n == 0) {
            return null;
        }
        Entry first = heap[0];
        removeAt(0);
        return first;
    }

    /** Removes an entry if it is in this heap; returns whether it was. */
    public boolean remove(Entry e) {
        int i = e.heapIndex;
        if (i < 0 || i >= size || heap[i] != e) {
            return false;
        }
        removeAt(i);
        return true;
    }

    /**
     * Removes every entry matching {@code drop} and rebuilds the heap in O(n).
     *
     * @return how many entries were removed
     */
    public int removeIf(java.util.function.Predicate<Entry> drop) {
        int n = size;
        int kept = 0;
        for (int i = 0; i < n; i++) {
            Entry e = heap[i];
            if (drop.test(e)) {
                e.heapIndex = -1;
            } else {
                heap[kept++] = e;
            }
        }
        Arrays.fill(heap, kept, n, null);
        size = kept;
        for (int i = 0; i < kept; i++) {
            heap[i].heapIndex = i;
        }
        for (int i = (kept >>> 1) - 1; i >= 0; i--) {
            siftDown(i, heap[i]);
        }
        // Give memory back after a mass cancellation, keeping room to grow.
        if (heap.length > 64 && kept < heap.length / 4) {
            heap = Arrays.copyOf(heap, Math.max(16, kept * 2));
        }
        return n - kept;
    }

    /** Removes every entry. */
    public void clear() {
        for (int i = 0; i < size; i++) {
            heap[i].heapIndex = -1;
        }
        heap = new Entry[16];
        size = 0;
    }

    private void removeAt(int i) {
        int last = size - 1;
        Entry removed = heap[i];
        removed.heapIndex = -1;
        Entry moved = heap[last];
        heap[last] = null;
        size = last;
        if (i != last) {
            siftDown(i, moved);
            if (heap[i] == moved) {
                siftUp(i, moved);
            }
        }
    }

    private static boolean before(Entry a, Entry b) {
        long d = a.deadlineNanos - b.deadlineNanos;
        return d < 0 || (d == 0 && a.sequence < b.sequence);
    }

    private void siftUp(int i, Entry e) {
        while (i > 0) {
            int parent = (i - 1) >>> 1;
            Entry p = heap[parent];
            if (!before(e, p)) {
                break;
            }
            heap[i] = p;
            p.heapIndex = i;
            i = parent;
        }
        heap[i] = e;
        e.heapIndex = i;
    }

    private void siftDown(int i, Entry e) {
        int n = size;
        int half = n >>> 1;
        while (i < half) {
            int child = 2 * i + 1;
            Entry c = heap[child];
            int right = child + 1;
            if (right < n && before(heap[right], c)) {
                child = right;
                c = heap[child];
            }
            if (!before(c, e)) {
                break;
            }
            heap[i] = c;
            c.heapIndex = i;
            i = child;
        }
        heap[i] = e;
        e.heapIndex = i;
    }
}
