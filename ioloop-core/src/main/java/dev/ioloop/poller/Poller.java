package dev.ioloop.poller;

import java.io.Closeable;
import java.io.IOException;
import java.nio.channels.SelectableChannel;

/**
 * The readiness backend of an {@link dev.ioloop.IOLoop}: epoll, kqueue, the JDK selector, ...
 *
 * <p>Modelled on Redis's {@code ae} API: a handful of methods, one class per backend, a {@link #name()} for
 * diagnostics. The loop knows nothing else about the backend. Event masks are the loop's
 * ({@code READ = 0x001}, {@code WRITE = 0x004}, {@code ERROR = 0x018}); mapping them to the backend's
 * operations (for example {@code READ} to {@code OP_ACCEPT} on a server channel) is the poller's job.
 *
 * <p>Threading: every method except {@link #wakeup()} is called by one thread at a time (the loop thread
 * while the loop runs). {@link #wakeup()} may be called from any thread.
 *
 * <p>Implementations are found by name through {@link Pollers}; a third-party backend ships a
 * {@link PollerProvider} as a {@link java.util.ServiceLoader} service.
 */
public interface Poller extends Closeable {

    /** The loop's event bits, repeated here so backends need not depend on the loop class. */
    int READ = 0x001;
    /** See {@link #READ}. */
    int WRITE = 0x004;
    /** See {@link #READ}. */
    int ERROR = 0x018;

    /** Returns this backend's name, as given to {@link Pollers#create(String)}: {@code "selector"}, ... */
    String name();

    /**
     * Registers a non-blocking channel.
     *
     * @param channel the channel, not registered with this poller yet
     * @param events the interest, a combination of {@link #READ} and {@link #WRITE} (and {@link #ERROR}, which
     *     backends may ignore); already checked against the channel's valid operations
     * @param attachment given back to the {@link ReadyConsumer} for each readiness event of this channel
     * @return the registration, through which the interest is changed and the channel deregistered
     * @throws java.nio.channels.ClosedChannelException if the channel is closed
     * @throws IOException if the backend refuses the channel
     */
    Key register(SelectableChannel channel, int events, Object attachment) throws IOException;

    /**
     * Waits for readiness and reports every ready registration to {@code consumer}, once each, with the
     * ready events masked by its interest.
     *
     * @param timeoutNanos 0 to return at once, a negative value to wait indefinitely, otherwise the longest
     *     wait in nanoseconds; a positive wait is never rounded down to zero (that would spin)
     * @param consumer receives {@code (attachment, events)}; called on the calling thread before this method
     *     returns; it must not call back into this poller
     * @return the number of registrations reported to {@code consumer}
     * @throws IOException if the backend fails
     */
    int poll(long timeoutNanos, ReadyConsumer consumer) throws IOException;

    /**
     * Makes a blocked or the next {@link #poll} return promptly. Safe from any thread. The loop calls it at
     * most once per sleep.
     */
    void wakeup();

    /** Releases the backend's resources (the selector, its file descriptors); registered channels stay open. */
    @Override
    void close() throws IOException;

    /** A channel's registration with a poller (Netty's {@code IoRegistration}). */
    interface Key {

        /** Returns the registered channel. */
        SelectableChannel channel();

        /** Returns the interest, in loop event bits. */
        int interest();

        /**
         * Changes the interest.
         *
         * @param events the new interest in loop event bits, checked by the caller
         */
        void interest(int events);

        /** Returns whether this registration is still in force (not cancelled, channel not closed). */
        boolean isValid();

        /** Deregisters the channel; idempotent, never throws. */
        void cancel();
    }

    /** Receives readiness events from {@link #poll}. */
    @FunctionalInterface
    interface ReadyConsumer {

        /**
         * Receives one ready registration.
         *
         * @param attachment the attachment given at {@link #register}
         * @param events the ready events within the registration's interest (plus {@link #ERROR} if the
         *     backend reports errors)
         */
        void ready(Object attachment, int events);
    }
}
