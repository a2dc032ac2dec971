package dev.ioloop.boot;

import dev.ioloop.HandlerInfo;
import dev.ioloop.IOLoop;
import java.io.IOException;
import java.nio.channels.SelectableChannel;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.context.SmartLifecycle;

/**
 * Runs the application's {@link IOLoop} on a thread of its own while the context runs.
 *
 * <p><b>Start</b> (once the context is refreshed, so after {@link IoHandlerRegistrar} registered every
 * {@code @IoHandler}): starts a non-daemon thread named {@code ioloop.thread-name} that calls
 * {@link IOLoop#start()}, and waits (at most the shutdown timeout) until the loop runs its first iteration.
 * Being non-daemon, the thread keeps an application without a web server alive until the context closes.
 *
 * <p><b>Stop</b>, in this order: (1) on the loop thread, through {@code addCallback}, take every
 * {@code @IoHandler} channel off the loop, leaving it open and bound, so the loop stops accepting; (1a) drain the
 * connections of the {@code StreamHandler} servers on every loop, within {@code ioloop.shutdown-timeout} (see
 * {@link #stop()}; Spring calls {@link #stop(Runnable)}, which does it on a thread of its own); (2) stop the loop
 * through {@code addCallback}, so callbacks queued earlier still run; (3) join the thread for at most
 * {@code ioloop.shutdown-timeout}, logging a WARN with the thread's stack if it does not end (the loop then
 * stays open); (4) when the context closes, close the channels the starter opened, then the channels the
 * application's handlers registered and left on the loop (connections they accepted and had not closed: no
 * handler runs for them once the loop is closed, so nobody else could close them and their clients would wait
 * forever), but not the application's {@code @IoHandler(channel = ...)} beans, which stay open; (5) close the
 * loop. Closing is final: the lifecycle cannot be started again.
 *
 * <p>If the loop thread dies of an exception or {@link Error}, it is logged and kept as {@link #failure()},
 * and the health indicator reports DOWN.
 *
 * <p><b>Phase</b>: {@link #PHASE}, {@code SmartLifecycle.DEFAULT_PHASE - 4096}. The loop starts before, and
 * stops after, the embedded web server (phases {@code DEFAULT_PHASE - 2048} and {@code - 1024}) and every
 * {@code SmartLifecycle} in the default phase; give a lifecycle of your own a phase below {@link #PHASE} to
 * have it start before the loop and stop after it.
 */
public class IOLoopLifecycle implements SmartLifecycle, DisposableBean {

    /** The phase of this lifecycle: {@code SmartLifecycle.DEFAULT_PHASE - 4096}. */
    public static final int PHASE = SmartLifecycle.DEFAULT_PHASE - 4096;

    private static final Logger log = LoggerFactory.getLogger(IOLoopLifecycle.class);
    private static final long DRAIN_MARGIN_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final IOLoop loop;
    private final @Nullable IoHandlerRegistrar registrar;
    private final String threadName;
    private final Duration shutdownTimeout;
    private @Nullable Thread thread;
    private volatile boolean timedOut;
    private volatile @Nullable Throwable failure;
    private final List<IOLoopLifecycle> others;

    /**
     * Creates the lifecycle of a loop.
     *
     * @param loop the loop to run
     * @param registrar whose {@code @IoHandler} channels to take off the loop on stop (and put back on start),
     *     and whose opened channels to close on {@link #destroy()}, or {@code null}
     * @param threadName the name of the loop thread
     * @param shutdownTimeout how long {@link #stop()} waits for the loop thread to end, and {@link #start()} for
     *     the loop's first iteration
     */
    public IOLoopLifecycle(
            IOLoop loop, @Nullable IoHandlerRegistrar registrar, String threadName, Duration shutdownTimeout) {
        this.loop = loop;
        this.registrar = registrar;
        this.threadName = threadName;
        this.shutdownTimeout = shutdownTimeout;
        this.others = List.of();
    }

    /**
     * Creates the lifecycle of the first loop of an {@link dev.ioloop.IOLoopGroup} and of the group's other loops:
     * they start before it (so that the connections it accepts and hands over find them running), stop after it,
     * and are closed with it. Each runs on a thread of its own and has its own {@link #failure(IOLoop)}.
     *
     * @param loop the first loop, the one that runs the {@code @IoHandler} beans
     * @param registrar the {@code @IoHandler} registrations to pause and resume with the context, or {@code null}
     * @param threadName the name of the first loop's thread
     * @param shutdownTimeout the longest wait for each loop's thread to end, and for its first iteration
     * @param others the lifecycles of the other loops (built with no registrar)
     */
    public IOLoopLifecycle(
            IOLoop loop,
            @Nullable IoHandlerRegistrar registrar,
            String threadName,
            Duration shutdownTimeout,
            List<IOLoopLifecycle> others) {
        this.loop = loop;
        this.registrar = registrar;
        this.threadName = threadName;
        this.shutdownTimeout = shutdownTimeout;
        this.others = List.copyOf(others);
    }

    @Override
    public void start() {
        others.forEach(IOLoopLifecycle::start);
        CountDownLatch firstIteration = new CountDownLatch(1);
        synchronized (this) {
            if (thread != null) {
                return;
            }
            if (loop.isClosed()) {
                throw new IllegalStateException(
                        "IOLoop '" + loop.name() + "' is closed: its lifecycle cannot be " + "started again");
            }
            if (registrar != null) {
                registrar.resumeListeners(); // after a stop() (a paused context): accept again
            }
            loop.addCallback(firstIteration::countDown);
            thread = new Thread(() -> run(firstIteration), threadName);
            thread.start();
        }
        try {
            if (!firstIteration.await(shutdownTimeout.toNanos(), TimeUnit.NANOSECONDS)) {
                log.warn(
                        "IOLoop '{}' has not run its first iteration within {} of starting",
                        loop.name(),
                        shutdownTimeout);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void run(CountDownLatch firstIteration) {
        try {
            loop.start();
        } catch (Throwable t) {
            failure = t;
            log.error("IOLoop '{}' died on thread '{}'; its health is DOWN", loop.name(), threadName, t);
        } finally {
            firstIteration.countDown();
        }
    }

    /**
     * Shuts down gracefully, as {@link #stop()} does, on a thread of its own ({@code <thread-name>-shutdown}, as Spring
     * Boot's web servers do), and runs {@code callback} once the loops have stopped: Spring's lifecycle processor
     * waits for it at most {@code spring.lifecycle.timeout-per-shutdown-phase} (30 s by default), so keep
     * {@code ioloop.shutdown-timeout} below that.
     */
    @Override
    public void stop(Runnable callback) {
        if (!isRunning() || registrar == null || registrar.openConnections() == 0) {
            stop(); // nothing to wait for: no thread of its own
            callback.run();
            return;
        }
        Thread shutdown = new Thread(
                () -> {
                    try {
                        stop();
                    } finally {
                        callback.run();
                    }
                },
                threadName + "-shutdown");
        shutdown.start();
    }

    /**
     * Shuts down gracefully: (1) stops accepting (takes the {@code @IoHandler} channels off the loop, leaving them
     * bound); (2) drains the servers of the {@code @IoHandler} stream handlers: every open connection, on whichever
     * loop serves it, is {@linkplain dev.ioloop.stream.IOStream#drain() asked to finish} (its drain handler lets the
     * request in hand finish and closes it; by default it closes once everything written is sent), and connections
     * still open after {@code ioloop.shutdown-timeout} are closed; (3) lets the callbacks queued so far run, stops
     * the loops and joins their threads, each within {@code ioloop.shutdown-timeout}. Connections the application's
     * {@code FdHandler} beans accepted are theirs to finish (in a lifecycle of their own, stopped before this one).
     * The loop and its listening channels stay open, so {@link #start()} can run it again (Spring pauses cached test
     * contexts this way); closing the context then closes them ({@link #destroy()}).
     */
    @Override
    public void stop() {
        drainServers();
        stopOwn();
        others.forEach(IOLoopLifecycle::stop);
    }

    /** Steps (1) and (2) of {@link #stop()}, while the loops still run. */
    private void drainServers() {
        Thread t;
        synchronized (this) {
            t = thread;
        }
        int open = registrar == null || t == null || !t.isAlive() ? 0 : registrar.openConnections();
        if (open == 0) {
            return; // the loop stops at once (stopOwn), as it always did without connections
        }
        long start = System.nanoTime();
        loop.addCallback(registrar::pauseListeners);
        // Without waiting for the pause: a connection accepted before it is drained as soon as it is handled.
        CompletableFuture<Boolean> drained = registrar.drainServers(shutdownTimeout);
        try {
            log.info("IOLoop '{}': draining {} connections", loop.name(), open);
            // The servers close the stragglers at the timeout; the margin lets their loops run those closes.
            boolean clean = drained.get(shutdownTimeout.toNanos() + DRAIN_MARGIN_NANOS, TimeUnit.NANOSECONDS);
            long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            if (clean) {
                log.info("IOLoop '{}': every connection finished in {} ms", loop.name(), ms);
            } else {
                log.warn(
                        "IOLoop '{}': connections still open after {} (ioloop.shutdown-timeout) were closed",
                        loop.name(),
                        shutdownTimeout);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            log.warn("IOLoop '{}': the drain did not complete: {}", loop.name(), e.toString());
        }
    }

    private void stopOwn() {
        Thread t;
        synchronized (this) {
            t = thread;
            if (t == null) {
                return;
            }
            thread = null;
        }
        if (t.isAlive()) {
            if (registrar != null) {
                loop.addCallback(registrar::pauseListeners);
            }
            loop.addCallback(loop::stop);
            if (!join(t)) {
                timedOut = true;
                log.warn(
                        "IOLoop '{}' thread '{}' did not end within {} (ioloop.shutdown-timeout); the loop stays open. "
                                + "The thread is at:{}",
                        loop.name(),
                        t.getName(),
                        shutdownTimeout,
                        stack(t));
            }
        }
    }

    @Override
    public synchronized boolean isRunning() {
        return thread != null;
    }

    @Override
    public int getPhase() {
        return PHASE;
    }

    /**
     * Closes what is left when the context closes: stops the loop if it still runs (a failed startup closes the
     * context without stopping lifecycles), closes the channels the starter opened, the channels still registered
     * except the application's {@code @IoHandler} channel beans, and the loop.
     */
    @Override
    public void destroy() {
        stop();
        others.forEach(IOLoopLifecycle::destroy);
        if (timedOut) {
            return; // the thread still runs the loop: closing it under its feet would fail
        }
        if (registrar != null) {
            registrar.closeListeners();
        }
        closeLeftOnTheLoop();
        loop.close();
    }

    /**
     * Closes the channels still registered that no {@code @IoHandler} names: connections the application's
     * handlers accepted and had not closed yet. Once the loop is closed no handler runs for them again.
     */
    private void closeLeftOnTheLoop() {
        for (HandlerInfo handler : loop.handlers()) {
            SelectableChannel channel = handler.channel();
            if (registrar != null && registrar.registration(channel) != null) {
                continue; // an @IoHandler channel bean: the application's own
            }
            try {
                channel.close();
            } catch (IOException e) {
                log.debug("Failed to close {} left on IOLoop '{}'", channel, loop.name(), e);
            }
        }
    }

    /** Returns what killed the loop thread, or {@code null} while it has not died. */
    public @Nullable Throwable failure() {
        return failure;
    }

    /**
     * Returns why the thread of {@code loop} (the first loop or one of the others) died, or {@code null}.
     *
     * @param loop a loop of this lifecycle
     */
    public @Nullable Throwable failure(IOLoop loop) {
        if (loop == this.loop) {
            return failure;
        }
        for (IOLoopLifecycle other : others) {
            if (other.loop == loop) {
                return other.failure;
            }
        }
        return null;
    }

    private boolean join(Thread t) {
        try {
            t.join(Math.max(1, shutdownTimeout.toMillis()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return !t.isAlive();
    }

    private static String stack(Thread t) {
        StringBuilder sb = new StringBuilder();
        for (StackTraceElement element : t.getStackTrace()) {
            sb.append(System.lineSeparator()).append("\tat ").append(element);
        }
        return sb.toString();
    }
}
