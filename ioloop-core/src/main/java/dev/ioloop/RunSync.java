package dev.ioloop;

import java.time.Duration;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Future;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * One {@link IOLoop#runSync} call: start the loop, run {@code fn}, stop when its stage completes.
 *
 * <p>Nothing of a finished run may reach a later run of the same loop: not its {@code fn} (still queued if the
 * loop was stopped before it ran), not its timeout, and not its stage's late completion (or the completion that
 * cancelling it on timeout triggers). Every action this run takes on the loop therefore runs on the loop thread
 * and first checks {@link #finished}, which the caller's thread sets when {@code start()} returns, before any
 * later run can start: a stop from another thread goes through {@code addCallback} rather than {@code stop()},
 * so a late one lands in a later run as a no-op instead of stopping it.
 */
final class RunSync<T> {

    private final IOLoop loop;
    private final Supplier<? extends CompletionStage<T>> fn;
    private final Duration timeout;
    // Written on the loop thread or the stage's completing thread; read after start() returns, which is
    // ordered after them by the loop's stop and exit.
    private volatile CompletionStage<T> stage;
    private volatile boolean done;
    private volatile boolean timedOut;
    private volatile RuntimeException syncFailure;
    private volatile T value;
    private volatile Throwable failure;
    /** Set when this run's {@code start()} has returned: from then on, nothing of this run touches the loop. */
    private volatile boolean finished;

    RunSync(IOLoop loop, Supplier<? extends CompletionStage<T>> fn, Duration timeout) {
        this.loop = loop;
        this.fn = fn;
        this.timeout = timeout;
    }

    T run() {
        if (loop.isRunning()) {
            throw new IllegalStateException(
                    "IOLoop is already running: runSync cannot be nested (" + loop.name() + ")");
        }
        loop.addCallback(this::callFn);
        Timeout timer = timeout == null
                ? null
                : loop.callLater(timeout, () -> {
                    timedOut = true;
                    stopThisRun();
                });
        try {
            loop.start();
        } finally {
            finished = true;
            if (timer != null) {
                timer.cancel();
            }
        }
        return outcome();
    }

    private void callFn() {
        if (finished) {
            return; // the run it belonged to was stopped before it ran
        }
        CompletionStage<T> s;
        try {
            s = fn.get();
            if (s == null) {
                throw new NullPointerException("fn returned a null stage: " + fn);
            }
        } catch (RuntimeException e) {
            // A synchronous exception from fn goes to runSync's caller, not to the error handler.
            syncFailure = e;
            stopThisRun();
            return;
        }
        stage = s;
        s.whenComplete((v, f) -> {
            value = v;
            failure = f;
            done = true;
            stopThisRun();
        });
    }

    /** Stops the loop if it still runs this run; on another thread, through the loop thread. */
    private void stopThisRun() {
        if (finished) {
            return; // nothing to stop; also spares a later run a callback that would do nothing
        }
        if (Thread.currentThread() != loop.thread()) {
            loop.addCallback(this::stopThisRun); // dropped if the loop is closed; a no-op in a later run
        } else if (!finished) {
            loop.stop();
        }
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
            cancelStage();
            throw new CompletionException(new TimeoutException("runSync timed out after " + timeout));
        }
        throw new IllegalStateException("loop stopped before the stage completed");
    }

    private void cancelStage() {
        if (stage instanceof Future<?> future) {
            try {
                future.cancel(false);
            } catch (UnsupportedOperationException e) {
                // A stage that is a Future but cannot be cancelled (CompletableFuture.minimalCompletionStage()):
                // leave it as it is, as for any stage that is not a Future.
            }
        }
    }
}
