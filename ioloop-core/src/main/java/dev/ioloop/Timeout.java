package dev.ioloop;

/**
 * A handle to a callback scheduled with {@link IOLoop#callAt}, {@link IOLoop#callLater} or
 * {@link IOLoop#addTimeout}.
 *
 * <p>Unlike most of the loop's API, {@link #cancel()}, {@link #isCancelled()} and {@link #deadline()} are safe
 * to call from any thread: a cancellation from another thread wins or loses atomically against the run.
 */
public interface Timeout {

    /**
     * Cancels the callback if it has not run yet. Safe from any thread.
     *
     * @return {@code true} if this call stopped a pending run; {@code false} if the callback already ran,
     *     is running, or was cancelled before
     */
    boolean cancel();

    /** Returns whether {@link #cancel()} stopped this timeout from running. */
    boolean isCancelled();

    /** Returns the absolute deadline, in nanoseconds on the scale of {@link IOLoop#time()}. */
    long deadline();
}
