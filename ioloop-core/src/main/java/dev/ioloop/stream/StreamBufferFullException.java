package dev.ioloop.stream;

import java.io.IOException;

/**
 * A stream's buffer limit was reached (Tornado's {@code StreamBufferFullError}): unread input past
 * {@link StreamOptions#maxBufferSize()} (the stream closes with it as its {@linkplain IOStream#error() error}), or a
 * write that would take the queued output past {@link StreamOptions#maxWriteBufferSize()} (the write's future fails
 * with it, nothing of it is queued, and the stream stays open).
 */
public class StreamBufferFullException extends IOException {

    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message which limit, and the sizes involved
     */
    public StreamBufferFullException(String message) {
        super(message);
    }
}
