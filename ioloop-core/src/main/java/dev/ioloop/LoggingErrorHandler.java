package dev.ioloop;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The default {@link ErrorHandler}: logs at WARN with the stack trace, but a failure identical to the previous
 * one (same source class and exception class) within {@value #QUIET_NANOS} ns is only counted, and the count is
 * reported with the next logged failure.
 */
final class LoggingErrorHandler implements ErrorHandler {

    private static final Logger log = LoggerFactory.getLogger(IOLoop.class);
    private static final long QUIET_NANOS = 10_000_000_000L;

    private Class<?> lastSource;
    private Class<?> lastError;
    private long lastLoggedNanos;
    private long suppressed;

    @Override
    public void handleError(Object source, Exception error) {
        long now = System.nanoTime();
        Class<?> sourceClass = source == null ? null : source.getClass();
        if (sourceClass == lastSource && error.getClass() == lastError && now - lastLoggedNanos < QUIET_NANOS) {
            suppressed++;
            return;
        }
        if (suppressed > 0) {
            log.warn("Exception in {} ({} similar failures of {} were not logged)", source, suppressed,
                    lastSource == null ? null : lastSource.getName(), error);
        } else {
            log.warn("Exception in {}", source, error);
        }
        lastSource = sourceClass;
        lastError = error.getClass();
        lastLoggedNanos = now;
        suppressed = 0;
    }
}
