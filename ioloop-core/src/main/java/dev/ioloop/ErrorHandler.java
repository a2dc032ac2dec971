package dev.ioloop;

/**
 * Receives exceptions thrown by callbacks, timeouts and fd handlers; the loop goes on afterwards.
 *
 * <p>Called on the loop thread. The loop counts every exception it reports here in
 * {@link IOLoopStats#errors()} before calling the handler, whichever handler is installed. The default
 * ({@link #logging()}) logs at WARN with the failing task's identity, at most once per 10 s for each kind of
 * failure (the source's class and the exception's class), so a handler that fails on every event cannot flood
 * the log; the count of failures held back is logged with the next report of that kind. An {@link Error} is
 * never passed here: it propagates out of {@link IOLoop#start()}.
 *
 * <p>After reporting a failure of an {@link FdHandler}, the loop also applies its
 * {@linkplain IOLoop.Builder#handlerFailureLimit failure limit}: a channel whose handler failed that many times
 * in a row is taken off the loop and closed.
 */
@FunctionalInterface
public interface ErrorHandler {

    /**
     * Handles one failure.
     *
     * @param source what failed: the {@link Runnable} callback, the timeout's callback, or the
     *     {@link FdHandler}
     * @param error the exception it threw
     */
    void handleError(Object source, Exception error);

    /** Returns the default handler: WARN log with the source's identity, repeated failures rate-limited. */
    static ErrorHandler logging() {
        return new LoggingErrorHandler();
    }
}
