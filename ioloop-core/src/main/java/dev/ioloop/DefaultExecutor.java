package dev.ioloop;

import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The executor {@link IOLoop#runInExecutor} uses when given {@code null}: the one the user set, or a pool the
 * loop creates on first use and shuts down on close (Tornado's default: 5 x CPUs threads, daemons that end when
 * idle for 60 s).
 */
final class DefaultExecutor {

    private final String loopName;
    private Executor executor;
    private boolean own;

    DefaultExecutor(String loopName, Executor configured) {
        this.loopName = loopName;
        this.executor = configured;
    }

    synchronized Executor get() {
        if (executor == null) {
            int size = Runtime.getRuntime().availableProcessors() * 5;
            AtomicInteger number = new AtomicInteger();
            ThreadPoolExecutor pool =
                    new ThreadPoolExecutor(size, size, 60, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), r -> {
                        Thread t = new Thread(r, loopName + "-executor-" + number.incrementAndGet());
                        t.setDaemon(true);
                        return t;
                    });
            pool.allowCoreThreadTimeOut(true);
            executor = pool;
            own = true;
        }
        return executor;
    }

    /** Replaces the executor; one the loop had created is shut down, since nobody else can. */
    synchronized void set(Executor replacement) {
        shutdownOwn();
        executor = replacement;
        own = false;
    }

    synchronized void shutdownOwn() {
        if (own && executor instanceof ExecutorService service) {
            service.shutdown();
        }
        own = false;
    }

    /**
     * Runs {@code fn} on {@code target} (or, if {@code null}, on this default executor) and completes the result
     * on {@code loop}'s thread through {@code addCallback}; on the executor's thread if the loop is closed by then.
     */
    <T> CompletableFuture<T> call(Executor target, Callable<T> fn, IOLoop loop) {
        Executor executor = target != null ? target : get();
        CompletableFuture<T> result = new CompletableFuture<>();
        executor.execute(() -> {
            T value = null;
            Throwable failure = null;
            try {
                value = fn.call();
            } catch (Throwable t) {
                failure = t;
            }
            T v = value;
            Throwable f = failure;
            Runnable complete = () -> {
                if (f == null) {
                    result.complete(v);
                } else {
                    result.completeExceptionally(f);
                }
            };
            if (loop.isClosed()) {
                complete.run();
            } else {
                loop.addCallback(complete);
            }
        });
        return result;
    }
}
