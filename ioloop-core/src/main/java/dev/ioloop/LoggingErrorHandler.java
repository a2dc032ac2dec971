package dev.ioloop;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The default {@link ErrorHandler}: logs at WARN with the stack trace, at most once per
 * {@value #QUIET_NANOS} ns for each kind of failure (the failing source's class and the exception's class).
 * Failures held back are counted, and the count is reported with the next logged failure of that kind.
 */
final class LoggingErrorHandler implements ErrorHandler {

    private static final Logger log = LoggerFactory.getLogger(IOLoop.class);
    static final long QUIET_NANOS = 10_000_000_000L;

    private final LogLimiter limiter = new LogLimiter(QUIET_NANOS);

    @Override
    public void handleError(Object source, Exception error) {
        long heldBack = limiter.admit(source == null ? null : source.getClass(), error.getClass(), System.nanoTime());
        if (heldBack < 0) {
            return;
        }
        if (heldBack > 0) {
            log.warn(
                    "Exception in {} ({} similar failures since the last report were not logged)",
                    source,
                    heldBack,
                    error);
        } else {
            log.warn("Exception in {}", source, error);
        }
    }
}
