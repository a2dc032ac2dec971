package dev.ioloop.boot.health;

import dev.ioloop.IOLoop;
import dev.ioloop.IOLoopStats;
import dev.ioloop.boot.IOLoopLifecycle;
import dev.ioloop.boot.IoHandlerRegistrar;
import dev.ioloop.boot.IoHandlerRegistration;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;

/**
 * Health of the application's {@link IOLoop} (contributor {@code ioloop}): UP while the loop runs and is not
 * blocked; DOWN when its thread died, when it is not running, when its current stretch of work has lasted
 * longer than the blocked threshold (never, if the threshold is 0), or when the channel the starter opened for an
 * {@code @IoHandler}'s {@code listen} has been closed while the loop runs (for example by the loop's handler
 * failure limit): the application no longer serves that address.
 *
 * <p>Details: {@code running}, {@code thread}, {@code poller}, {@code blockedFor} (the length of the current
 * stretch in ms, once it is past the threshold, else 0), {@code handlers}, {@code pendingCallbacks},
 * {@code pendingTimeouts}, and for
 * DOWN a {@code reason} (and the {@code error} that killed the thread, or the {@code closedListeners} bean
 * names). Reading it never blocks the loop.
 */
public class IOLoopHealthIndicator extends AbstractHealthIndicator {

    private final IOLoop loop;
    private final @Nullable IOLoopLifecycle lifecycle;
    private final @Nullable IoHandlerRegistrar registrar;
    private final List<IOLoop> others;

    /**
     * Creates an indicator.
     *
     * @param loop the loop to report on
     * @param lifecycle the lifecycle running it, which knows whether the thread died, or {@code null}
     */
    public IOLoopHealthIndicator(IOLoop loop, @Nullable IOLoopLifecycle lifecycle) {
        this(loop, lifecycle, null);
    }

    /**
     * Creates an indicator that also watches the {@code @IoHandler} listening channels.
     *
     * @param loop the loop to report on
     * @param lifecycle the lifecycle running it, which knows whether the thread died, or {@code null}
     * @param registrar whose {@code listen} channels must stay open while the loop runs, or {@code null}
     */
    public IOLoopHealthIndicator(
            IOLoop loop, @Nullable IOLoopLifecycle lifecycle, @Nullable IoHandlerRegistrar registrar) {
        this(loop, lifecycle, registrar, List.of());
    }

    /**
     * Creates the indicator of a group's loops: DOWN when any loop is, saying which; {@code loops} details each.
     *
     * @param loop the first loop (the one the {@code @IoHandler} beans run on)
     * @param lifecycle the lifecycle that runs the loops, or {@code null}
     * @param registrar the {@code @IoHandler} registrations, or {@code null}
     * @param others the group's other loops
     */
    public IOLoopHealthIndicator(
            IOLoop loop,
            @Nullable IOLoopLifecycle lifecycle,
            @Nullable IoHandlerRegistrar registrar,
            List<IOLoop> others) {
        super("IOLoop health check failed");
        this.loop = loop;
        this.lifecycle = lifecycle;
        this.registrar = registrar;
        this.others = List.copyOf(others);
    }

    /** One loop's state; a {@code reason} entry when it is down (dead, not running, or blocked). */
    private static Map<String, Object> describe(IOLoop l, @Nullable Throwable died) {
        Map<String, Object> d = new LinkedHashMap<>();
        boolean running = l.isRunning();
        long stretch = l.stats().currentStretchNanos();
        long threshold = l.blockedThresholdNanos();
        if (died != null) {
            d.put("reason", "the loop thread died: " + died);
        } else if (!running) {
            d.put("reason", "the loop is not running");
        } else if (threshold > 0 && stretch > threshold) {
            d.put(
                    "reason",
                    "busy for " + Duration.ofNanos(stretch).toMillis() + " ms, past the blocked threshold of "
                            + Duration.ofNanos(threshold).toMillis() + " ms");
        }
        Thread t = l.thread();
        d.put("running", running);
        d.put("thread", t != null ? t.getName() : "none");
        d.put("handlers", l.stats().handlers());
        return d;
    }

    @Override
    protected void doHealthCheck(Health.Builder builder) {
        IOLoopStats stats = loop.stats();
        Throwable failure = lifecycle != null ? lifecycle.failure() : null;
        boolean running = loop.isRunning();
        long stretch = stats.currentStretchNanos();
        long threshold = loop.blockedThresholdNanos();
        boolean blocked = running && threshold > 0 && stretch > threshold;
        List<String> closedListeners = running && registrar != null
                ? registrar.registrations().stream()
                        .filter(r -> r.ownsChannel() && !r.channel().isOpen())
                        .map(IoHandlerRegistration::beanName)
                        .toList()
                : List.of();
        if (failure != null) {
            // Not down(failure): Boot would log its stack on every health read; the lifecycle logged it once.
            builder.down().withDetail("reason", "the loop thread died").withDetail("error", failure.toString());
        } else if (!running) {
            builder.down().withDetail("reason", "the loop is not running");
        } else if (blocked) {
            builder.down()
                    .withDetail(
                            "reason",
                            "the loop has been busy for longer than the blocked threshold of "
                                    + Duration.ofNanos(threshold).toMillis() + " ms");
        } else if (!closedListeners.isEmpty()) {
            builder.down()
                    .withDetail("reason", "the listening channel of @IoHandler " + closedListeners + " was closed")
                    .withDetail("closedListeners", closedListeners);
        } else {
            builder.up();
        }
        if (!others.isEmpty()) {
            Map<String, Object> loops = new LinkedHashMap<>();
            loops.put(loop.name(), describe(loop, failure));
            List<String> down = new ArrayList<>();
            for (IOLoop other : others) {
                Throwable died = lifecycle != null ? lifecycle.failure(other) : null;
                Map<String, Object> d = describe(other, died);
                loops.put(other.name(), d);
                if (d.containsKey("reason")) {
                    down.add("loop '" + other.name() + "': " + d.get("reason"));
                }
            }
            if (!down.isEmpty()) {
                builder.down().withDetail("reason", String.join("; ", down));
            }
            builder.withDetail("loops", loops);
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
