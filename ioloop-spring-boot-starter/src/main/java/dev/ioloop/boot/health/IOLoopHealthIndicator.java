package dev.ioloop.boot.health;

import dev.ioloop.IOLoop;
import dev.ioloop.IOLoopStats;
import dev.ioloop.boot.IOLoopLifecycle;
import java.time.Duration;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;

/**
 * Health of the application's {@link IOLoop} (contributor {@code ioloop}): UP while the loop runs and is not
 * blocked; DOWN when its thread died, when it is not running, or when its current stretch of work has lasted
 * longer than the blocked threshold (never, if the threshold is 0).
 *
 * <p>Details: {@code running}, {@code thread}, {@code poller}, {@code blockedFor} (ms of the current stretch
 * past the threshold, else 0), {@code handlers}, {@code pendingCallbacks}, {@code pendingTimeouts}, and for
 * DOWN a {@code reason} (and the {@code error} that killed the thread). Reading it never blocks the loop.
 */
public class IOLoopHealthIndicator extends AbstractHealthIndicator {

    private final IOLoop loop;
    private final @Nullable IOLoopLifecycle lifecycle;

    /**
     * Creates an indicator.
     *
     * @param loop the loop to report on
     * @param lifecycle the lifecycle running it, which knows whether the thread died, or {@code null}
     */
    public IOLoopHealthIndicator(IOLoop loop, @Nullable IOLoopLifecycle lifecycle) {
        super("IOLoop health check failed");
        this.loop = loop;
        this.lifecycle = lifecycle;
    }

    @Override
    protected void doHealthCheck(Health.Builder builder) {
        IOLoopStats stats = loop.stats();
        Throwable failure = lifecycle != null ? lifecycle.failure() : null;
        boolean running = loop.isRunning();
        long stretch = stats.currentStretchNanos();
        long threshold = loop.blockedThresholdNanos();
        boolean blocked = running && threshold > 0 && stretch > threshold;
        if (failure != null) {
            // Not down(failure): Boot would log its stack on every health read; the lifecycle logged it once.
            builder.down().withDetail("reason", "the loop thread died").withDetail("error", failure.toString());
        } else if (!running) {
            builder.down().withDetail("reason", "the loop is not running");
        } else if (blocked) {
            builder.down().withDetail("reason", "the loop has been busy for longer than the blocked threshold of "
                    + Duration.ofNanos(threshold).toMillis() + " ms");
        } else {
            builder.up();
        }
        Thread thread = loop.thread();
        builder.withDetail("running", running)
                .withDetail("thread", thread != null ? thread.getName() : "none")
                .withDetail("poller", loop.pollerName())
                .withDetail("blockedFor", blocked ? Duration.ofNanos(stretch).toMillis() : 0L)
                .withDetail("handlers", stats.handlers())
                .withDetail("pendingCallbacks", stats.pendingCallbacks())
                .withDetail("pendingTimeouts", stats.pendingTimeouts());
    }
}
