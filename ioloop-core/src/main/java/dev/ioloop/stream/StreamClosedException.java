package dev.ioloop.stream;

import java.io.IOException;

/**
 * A read or write on a stream that is closed, or that closed while the operation was pending (Tornado's
 * {@code StreamClosedError}). {@link #getCause()} is why the stream closed: the connect or I/O error, an
 * {@link UnsatisfiableReadException}, a {@link StreamBufferFullException}, the error given to
 * {@link IOStream#close(Throwable)}, or {@code null} after a clean end of stream or a plain {@link IOStream#close()}.
 */
public class StreamClosedException extends IOException {

    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param cause why the stream closed, or {@code null} for a clean end of stream or {@code close()}
     */
    public StreamClosedException(Throwable cause) {
        super(cause == null ? "Stream is closed" : "Stream is closed: " + cause, cause);
    }
}
