package dev.ioloop.boot.autoconfigure;

import dev.ioloop.poller.Pollers;
import java.time.Duration;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Configuration of the application's {@link dev.ioloop.IOLoop}, under {@code ioloop.*}.
 *
 * <p>Values are checked when they are bound: a blank name, a negative or zero duration where it makes no sense,
 * or an unknown poller fails startup with a message that says what is allowed.
 *
 * @param enabled Whether to enable the IOLoop auto-configuration.
 * @param name Name of the loop, used in logs and as the 'loop' tag of the ioloop.* meters.
 * @param threadName Name of the thread that runs the loop.
 * @param poller Name of the poller backend, one of those Pollers.available() lists, such as 'selector'.
 * @param blockedThreshold Time one stretch of loop work may run before the watchdog logs the loop thread's stack
 *     and the health turns DOWN; 0 disables the watchdog.
 * @param shutdownTimeout Time the connections of StreamHandler beans have on shutdown to finish before they are
 *     closed (the drain), then the longest wait for each loop thread to end; also the longest wait for the loop's
 *     first iteration when it starts. Keep it below spring.lifecycle.timeout-per-shutdown-phase.
 * @param handlerFailureLimit Consecutive failures of one channel's handler after which the loop takes the channel
 *     off the loop and closes it, so that a handler failing on every event cannot spin the loop thread; 0 keeps
 *     calling a failing handler (Tornado's behaviour).
 * @param loops Number of loops: 1 runs one loop (the IOLoop bean); more runs an IOLoopGroup whose loop 0 is the
 *     IOLoop bean and over whose loops StreamHandler beans spread their connections; 0 means one per available
 *     processor.
 */
@ConfigurationProperties("ioloop")
public record IOLoopProperties(
        @DefaultValue("true") boolean enabled,
        @DefaultValue("ioloop") String name,
        @DefaultValue("ioloop") String threadName,
        @DefaultValue("selector") String poller,
        @DefaultValue("1s") Duration blockedThreshold,
        @DefaultValue("10s") Duration shutdownTimeout,
        @DefaultValue("10") int handlerFailureLimit,
        @DefaultValue("1") int loops) {

    /** Checks every value, so that a mistake fails at binding with the property's name. */
    public IOLoopProperties {
        requireText("ioloop.name", name);
        requireText("ioloop.thread-name", threadName);
        requireText("ioloop.poller", poller);
        List<String> available = Pollers.available();
        if (!available.contains(poller)) {
            throw new IllegalArgumentException("unknown poller '" + poller + "' (available: " + available + ")");
        }
        if (blockedThreshold == null || blockedThreshold.isNegative()) {
            throw new IllegalArgumentException(
                    "ioloop.blocked-threshold must be >= 0 (0 disables the watchdog): " + blockedThreshold);
        }
        if (shutdownTimeout == null || shutdownTimeout.isNegative() || shutdownTimeout.isZero()) {
            throw new IllegalArgumentException("ioloop.shutdown-timeout must be > 0: " + shutdownTimeout);
        }
        if (loops < 0) {
            throw new IllegalArgumentException(
                    "ioloop.loops must be >= 0 (0 means one per available processor): " + loops);
        }
        if (handlerFailureLimit < 0) {
            throw new IllegalArgumentException(
                    "ioloop.handler-failure-limit must be >= 0 (0 turns it off): " + handlerFailureLimit);
        }
    }

    /** Returns the number of loops to run: {@link #loops()}, with 0 resolved to the available processors. */
    public int loopCount() {
        return loops == 0 ? Runtime.getRuntime().availableProcessors() : loops;
    }

    private static void requireText(String property, String value) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(property + " must not be blank: '" + value + "'");
        }
    }
}
