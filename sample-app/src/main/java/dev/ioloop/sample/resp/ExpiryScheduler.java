package dev.ioloop.sample.resp;

/**
 * The clock and one-shot timers the {@link Keyspace} uses for key expiry.
 *
 * <p>The server implements it on top of its event loop (a timeout per key); tests implement it with a
 * clock they advance by hand. Every method is called from, and every task must run on, the single
 * thread that owns the keyspace: the keyspace takes no locks.
 */
public interface ExpiryScheduler {

    /** Current time in milliseconds; TTLs are absolute deadlines on this clock. */
    long nowMillis();

    /**
     * Runs {@code task} once, no earlier than {@code delayMillis} from now, on the keyspace's thread.
     * A task whose handle was cancelled before it ran must never run.
     */
    Cancellable schedule(long delayMillis, Runnable task);

    /** Handle to a scheduled task. */
    interface Cancellable {
        /** Prevents the task from running; returns false if it already ran or was already cancelled. */
        boolean cancel();
    }
}
