package dev.ioloop;

import java.nio.channels.SelectableChannel;

/**
 * Receives readiness events for one channel registered with {@link IOLoop#addHandler}.
 *
 * <p>Tornado's {@code handler(fd, events)}: the loop calls {@link #handle} on the loop thread with the very
 * channel object it was registered with and the events that are ready, a combination of {@link IOLoop#READ},
 * {@link IOLoop#WRITE} and {@link IOLoop#ERROR}, never an event outside the registered interest (apart from
 * {@code ERROR}, which a poller may always report).
 *
 * <p>The loop is level-triggered: a handler that leaves data unread, or a writable channel it keeps
 * registered for {@code WRITE}, is called again in the next iteration. A handler must not block: it does
 * what the channel allows without waiting (read until {@code read()} returns 0, accept until
 * {@code accept()} returns {@code null}) and returns.
 *
 * <p>An exception thrown here goes to the loop's {@link ErrorHandler} and the loop goes on; the channel stays
 * registered, so a handler that threw before consuming its channel's readiness is called again in the next
 * iteration. A handler that throws {@linkplain IOLoop.Builder#handlerFailureLimit 10 times in a row} (by default)
 * has its channel taken off the loop and closed, so that it cannot spin the loop thread; a call that returns
 * normally resets the count. An {@link Error} propagates out of {@link IOLoop#start()}.
 *
 * @param <C> the channel type
 */
@FunctionalInterface
public interface FdHandler<C extends SelectableChannel> {

    /**
     * Handles ready events, on the loop thread.
     *
     * @param channel the channel given to {@link IOLoop#addHandler}
     * @param events the ready events: a non-zero combination of {@link IOLoop#READ}, {@link IOLoop#WRITE}
     *     and {@link IOLoop#ERROR}
     * @throws Exception passed to the loop's {@link ErrorHandler}
     */
    void handle(C channel, int events) throws Exception;
}
