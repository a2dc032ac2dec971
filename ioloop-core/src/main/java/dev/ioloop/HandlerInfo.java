package dev.ioloop;

import java.nio.channels.SelectableChannel;

/**
 * One registered handler, as listed by {@link IOLoop#handlers()}.
 *
 * @param channel the registered channel (it may have been closed since)
 * @param handler its handler
 * @param events the current interest, a combination of {@link IOLoop#READ}, {@link IOLoop#WRITE} and
 *     {@link IOLoop#ERROR}
 */
public record HandlerInfo(SelectableChannel channel, FdHandler<?> handler, int events) {

    /** Returns the interest as text, for example {@code "READ|WRITE"} or {@code "NONE"}. */
    public String eventNames() {
        return IOLoop.eventNames(events);
    }
}
