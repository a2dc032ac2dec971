package dev.ioloop;

import java.util.Arrays;
import java.util.Objects;

/**
 * The listeners of one kind on one loop: a copy-on-write array that the loop (or the watchdog) reads without a
 * lock and that any thread changes under this object's monitor.
 *
 * <p>Besides the listeners added one by one, it keeps one <em>slot</em> for the setter API ({@code
 * setLatencyListener}, the builder's option), so that setting a listener replaces only the one set before and
 * never one added through {@link #add}. Listeners are notified in the order they were added.
 *
 * @param <L> the listener type
 */
final class ListenerList<L> {

    private static final Object[] EMPTY = {};

    private final Runnable onChange;
    private volatile Object[] listeners = EMPTY;
    private ListenerRegistration slot; // guarded by this

    /** Creates an empty list. */
    ListenerList() {
        this(() -> {});
    }

    /**
     * Creates an empty list that calls {@code onChange} under its monitor after each change, for a user that
     * mirrors whether it is empty.
     */
    ListenerList(Runnable onChange) {
        this.onChange = onChange;
    }

    /** Returns the listeners now, as an array the caller must not change; empty when there are none. */
    Object[] array() {
        return listeners;
    }

    /** Returns whether there is no listener; one volatile read. */
    boolean isEmpty() {
        return listeners.length == 0;
    }

    /** Adds a listener; the same object added twice is notified twice and removed once per registration. */
    ListenerRegistration add(L listener) {
        Objects.requireNonNull(listener, "listener");
        synchronized (this) {
            Object[] current = listeners;
            Object[] next = Arrays.copyOf(current, current.length + 1);
            next[current.length] = listener;
            listeners = next;
            onChange.run();
        }
        return new Registration(listener);
    }

    /** Replaces the listener of the setter slot; {@code null} only clears it. */
    synchronized void set(L listener) {
        if (slot != null) {
            slot.remove();
            slot = null;
        }
        if (listener != null) {
            slot = add(listener);
        }
    }

    private synchronized void removeOne(Object listener) {
        Object[] current = listeners;
        for (int i = current.length - 1; i >= 0; i--) {
            if (current[i] == listener) {
                Object[] next = new Object[current.length - 1];
                System.arraycopy(current, 0, next, 0, i);
                System.arraycopy(current, i + 1, next, i, current.length - i - 1);
                listeners = next.length == 0 ? EMPTY : next;
                onChange.run();
                return;
            }
        }
    }

    private final class Registration implements ListenerRegistration {

        private final Object listener;
        private boolean removed; // guarded by ListenerList.this

        Registration(Object listener) {
            this.listener = listener;
        }

        @Override
        public boolean remove() {
            synchronized (ListenerList.this) {
                if (removed) {
                    return false;
                }
                removed = true;
                removeOne(listener);
                return true;
            }
        }

        @Override
        public String toString() {
            return "ListenerRegistration[" + listener + (removed ? ", removed" : "") + "]";
        }
    }
}
