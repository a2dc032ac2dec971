package dev.ioloop;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** addFuture, runInExecutor and the loop as an Executor. */
@Timeout(30)
class IOLoopFuturesTests {

    @AutoClose
    private final IOLoop loop = TestLoops.unwatched().build();

    @Test
    void addFutureCallsBackOnTheLoopWithTheFutureItselfNeverInline() {
        CompletableFuture<String> done = CompletableFuture.completedFuture("x");
        AtomicReference<Object> seen = new AtomicReference<>();
        AtomicReference<Thread> thread = new AtomicReference<>();
        String result = loop.runSync(() -> {
            CompletableFuture<String> finished = new CompletableFuture<>();
            loop.addFuture(done, f -> {
                seen.set(f);
                thread.set(Thread.currentThread());
                finished.complete("called");
            });
            assertThat(seen.get()).as("not inline").isNull();
            return finished;
        });
        assertThat(result).isEqualTo("called");
        assertThat(seen.get()).isSameAs(done);
        assertThat(thread.get()).isSameAs(Thread.currentThread()); // runSync runs the loop on this thread
    }

    @Test
    void runInExecutorRunsOffTheLoopAndCompletesOnTheLoopThread() throws Exception {
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            Thread loopThread = Thread.currentThread();
            List<Thread> threads = loop.runSync(() -> {
                CompletableFuture<Thread> worker = loop.runInExecutor(pool, Thread::currentThread);
                return worker.thenApply(w -> List.of(w, Thread.currentThread()));
            });
            assertThat(threads.get(0)).isNotSameAs(loopThread);
            assertThat(threads.get(1)).isSameAs(loopThread);
        } finally {
            pool.shutdown();
            assertThat(pool.awaitTermination(5, TimeUnit.SECONDS)).isTrue();
        }
    }

    @Test
    void runInExecutorWithNullUsesTheDefaultExecutorAndPropagatesFailures() {
        String name = loop.runSync(
                () -> loop.runInExecutor(null, () -> Thread.currentThread().getName()));
        assertThat(name).startsWith(loop.name() + "-executor-");
        Throwable failure = loop.runSync(() -> loop.runInExecutor(null, () -> {
                    throw new java.io.IOException("worker failed");
                })
                .handle((v, e) -> e));
        assertThat(failure).isInstanceOf(java.io.IOException.class).hasMessage("worker failed");
    }

    @Test
    void setDefaultExecutorIsUsedByRunInExecutor() {
        ExecutorService pool = Executors.newSingleThreadExecutor(r -> new Thread(r, "custom-pool"));
        try {
            loop.setDefaultExecutor(pool);
            assertThat(loop.runSync(() -> loop.runInExecutor(
                            null, () -> Thread.currentThread().getName())))
                    .isEqualTo("custom-pool");
        } finally {
            pool.shutdown();
        }
    }

    @Test
    void loopIsAnExecutorForCompletableFutures() throws Exception {
        try (LoopThread running = LoopThread.start()) {
            CompletionStage<Thread> stage =
                    CompletableFuture.supplyAsync(() -> 1).thenApplyAsync(x -> Thread.currentThread(), running.loop);
            assertThat(stage.toCompletableFuture().get(5, TimeUnit.SECONDS)).isSameAs(running.thread);
        }
    }
}
