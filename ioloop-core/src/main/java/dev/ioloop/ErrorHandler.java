package dev.ioloop;

/**
 * Receives exceptions thrown by callbacks, timeouts and fd handlers; the loop goes on afterwards.
 *
 * <p>Called on the loop thread. The loop counts every exception it reports here in
 * {@link IOLoopStats#errors()} before calling the handler, whichever handler is installed. The default
 * ({@link #logging()}) logs at WARN with the failing task's identity and holds back repeats of the same
 * failure so a handler that fails on every event cannot flood the log. An {@link Error} is never passed
 * here: it propagates out of {@link IOLoop#start()}.
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
