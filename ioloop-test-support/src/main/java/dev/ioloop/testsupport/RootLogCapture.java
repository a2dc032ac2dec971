package dev.ioloop.testsupport;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.util.List;
import org.slf4j.LoggerFactory;

/**
 * Keeps every event that reaches Logback's root logger while it is started, for tests that assert on what the
 * code under test logged (nothing with an exception, nothing at WARN, one expected line). It is a Logback
 * {@link ListAppender} on the root logger: create it with the test, {@link #start()} it once the application has
 * started (Spring Boot's logging system resets the root logger's appenders while it starts), read it with
 * {@link #events()} from any thread, and {@link #stop()} it after the test; stopping one that never started does
 * nothing.
 */
public final class RootLogCapture implements AutoCloseable {

    private final ListAppender<ILoggingEvent> appender = new ListAppender<>();

    /** Attaches the capture to the root logger; events logged from now on are kept. */
    public void start() {
        appender.start();
        rootLogger().addAppender(appender);
    }

    /** Returns a copy of the events kept so far, in the order they were logged. */
    public List<ILoggingEvent> events() {
        synchronized (appender) { // the appender adds under its own lock
            return List.copyOf(appender.list);
        }
    }

    /** Forgets the events kept so far; the capture goes on. */
    public void clear() {
        synchronized (appender) {
            appender.list.clear();
        }
    }

    /** Detaches the capture from the root logger; the events kept so far stay readable. */
    public void stop() {
        rootLogger().detachAppender(appender);
        appender.stop();
    }

    /** Same as {@link #stop()}, for try-with-resources. */
    @Override
    public void close() {
        stop();
    }

    private static Logger rootLogger() {
        return (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    }
}
