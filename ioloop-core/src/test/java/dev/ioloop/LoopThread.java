package dev.ioloop;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/** Runs a loop on its own thread for a test, and stops, joins and closes it. */
public final class LoopThread implements AutoCloseable {

    public final IOLoop loop;
    public final Thread thread;
    public final AtomicReference<Throwable> failure = new AtomicReference<>();

    private LoopThread(IOLoop loop) throws InterruptedException {
        this.loop = loop;
        CountDownLatch running = new CountDownLatch(1);
        loop.addCallback(running::countDown);
        this.thread = new Thread(
                () -> {
                    try {
                        loop.start();
                    } catch (Throwable t) {
                        failure.set(t);
                    }
                },
                "test-" + loop.name());
        thread.start();
        assertThat(running.await(10, TimeUnit.SECONDS)).as("loop started").isTrue();
    }

    public static LoopThread start(IOLoop loop) throws InterruptedException {
        return new LoopThread(loop);
    }

    /** Runs a new loop with the watchdog off ({@link TestLoops#unwatched()}) on a thread of its own. */
    public static LoopThread start() throws InterruptedException {
        return start(TestLoops.unwatched().build());
    }

    /** Runs {@code task} on the loop and waits for its result. */
    public <T> T call(java.util.concurrent.Callable<T> task) throws Exception {
        CompletableFuture<T> result = new CompletableFuture<>();
        loop.addCallback(() -> {
            try {
                result.complete(task.call());
            } catch (Throwable t) {
                result.completeExceptionally(t);
            }
        });
        return result.get(10, TimeUnit.SECONDS);
    }

    @Override
    public void close() throws InterruptedException {
        loop.stop();
        thread.join(10_000);
        assertThat(thread.isAlive()).as("loop thread ended").isFalse();
        loop.close(true);
    }
}
