package dev.ioloop;

import java.time.Duration;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Future;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/** One {@link IOLoop#runSync} call: start the loop, run {@code fn}, stop when its stage completes. */
final class RunSync<T> {

    private final IOLoop loop;
    private final Supplier<? extends CompletionStage<T>> fn;
    private final Duration timeout;
    // Written on the loop thread or the stage's completing thread; read after start() returns, which is
    // ordered after them by stop() and the loop's exit.
    private volatile CompletionStage<T> stage;
    private volatile boolean done;
    private volatile boolean timedOut;
    private volatile RuntimeException syncFailure;
    private volatile T value;
    private volatile Throwable failure;

    RunSync(IOLoop loop, Supplier<? extends CompletionStage<T>> fn, Duration timeout) {
        this.loop = loop;
        this.fn = fn;
        this.timeout = timeout;
    }

    T run() {
        loop.addCallback(this::callFn);
        Timeout timer = timeout == null ? null : loop.callLater(timeout, () -> {
            timedOut = true;
            loop.stop();
        });
        try {
            loop.start();
        } finally {
            if (timer != null) {
                timer.cancel();
            }
        }
        return outcome();
    }

    private void callFn() {
        CompletionStage<T> s;
        try {
            s = fn.get();
            if (s == null) {
                throw new NullPointerException("fn returned a null stage: " + fn);
            }
        } catch (RuntimeException e) {
            // A synchronous exception from fn goes to runSync's caller, not to the error handler.
            syncFailure = e;
            loop.stop();
            return;
        }
        stage = s;
        s.whenComplete((v, f) -> {
            value = v;
            failure = f;
            done = true;
            loop.stop();
        });
    }

    private T outcome() {
        if (syncFailure != null) {
            throw syncFailure;
        }
        if (done) {
            Throwable cause = failure;
            if (cause == null) {
                return value;
            }
            if (cause instanceof CompletionException && cause.getCause() != null) {
                cause = cause.getCause();
            }
            if (cause instanceof RuntimeException re) {
                throw re;
            }
            if (cause instanceof Error err) {
                throw err;
            }
            throw new CompletionException(cause);
        }
        if (timedOut) {
            if (stage instanceof Future<?> future) {
                future.cancel(false);
            }
            throw new CompletionException(new TimeoutException("runSync timed out after " + timeout));
        }
        throw new IllegalStateException("loop stopped before the stage completed");
    }
}
