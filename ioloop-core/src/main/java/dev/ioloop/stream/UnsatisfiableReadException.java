package dev.ioloop.stream;

import java.io.IOException;

/**
 * A read that can never be satisfied within its limit (Tornado's {@code UnsatisfiableReadError}): more than
 * {@code maxBytes} arrived without the delimiter or pattern of a {@link IOStream#readUntil(byte[], int)} or
 * {@link IOStream#readUntilRegex}, or the match ends past {@code maxBytes}. The stream closes with it as its
 * {@linkplain IOStream#error() error}.
 */
public class UnsatisfiableReadException extends IOException {

    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message what was read and what the limit was
     */
    public UnsatisfiableReadException(String message) {
        super(message);
    }
}
