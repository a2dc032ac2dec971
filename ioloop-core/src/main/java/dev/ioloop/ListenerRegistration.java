package dev.ioloop;

/**
 * A listener added to a loop ({@link IOLoop#addLatencyListener}, {@link IOLoop#addBlockedListener}); removing it
 * leaves every other listener in place.
 *
 * <p>Safe from any thread. A listener removed while the loop is notifying it may still receive the sample
 * being delivered (at most one iteration late), never a later one.
 */
public interface ListenerRegistration extends AutoCloseable {

    /**
     * Takes the listener off the loop; idempotent.
     *
     * @return {@code true} if this call removed it, {@code false} if it was removed already
     */
    boolean remove();

    /** Same as {@link #remove()}, for try-with-resources. */
    @Override
    default void close() {
        remove();
    }
}
