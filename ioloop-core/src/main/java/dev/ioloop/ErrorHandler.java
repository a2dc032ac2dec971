package dev.ioloop;

/**
 * Receives exceptions thrown by callbacks, timeouts, fd handlers and the latency listener; the loop goes on
 * afterwards.
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
     * @param source what failed: the {@link Runnable} callback (of {@code addCallback}, of a timeout or of a
     *     {@link PeriodicCallback}), the {@link FdHandler}, or the {@link LatencyListener}
     * @param error the exception it threw
     */
    void handleError(Object source, Exception error);

    /**
     * Returns a new default handler: WARN log with the source's identity, repeated failures rate-limited. Its
     * rate limit is its own: loops that share one instance share one allowance per kind of failure.
     */
    static ErrorHandler logging() {
        return new LoggingErrorHandler();
    }
}
