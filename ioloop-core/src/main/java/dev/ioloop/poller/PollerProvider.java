package dev.ioloop.poller;

import java.io.IOException;

/**
 * Creates pollers of one backend; found by {@link Pollers} through {@link java.util.ServiceLoader}.
 *
 * <p>A third-party backend (for example a native epoll binding) lists its provider in
 * {@code META-INF/services/dev.ioloop.poller.PollerProvider}.
 */
public interface PollerProvider {

    /** Returns the backend's name, as used in {@code IOLoop.builder().poller(name)}. */
    String name();

    /** Returns whether this backend works on this platform and JVM. */
    default boolean isAvailable() {
        return true;
    }

    /**
     * Opens a new poller.
     *
     * @return a poller owned by the caller
     * @throws IOException if the backend cannot be opened
     */
    Poller open() throws IOException;
}
