package dev.ioloop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * runSync runs of one loop are isolated: nothing of a finished run (its timeout, its stage's late completion, the
 * completion that cancelling its stage triggers, its {@code fn} still queued) reaches a later run.
 */
@Timeout(30)
class IOLoopRunSyncIsolationTests {

    /** Short enough to keep the tests quick; no assertion depends on how long anything took. */
    private static final Duration TIMEOUT = Duration.ofMillis(20);
    /** A bound for later runs, so that a broken run fails with an exception instead of hanging. */
    private static final Duration GENEROUS = Duration.ofSeconds(10);

    /** Stages that the timeout of runSync cannot cancel, so that they can still complete after the run. */
    enum Uncancellable {
        /** {@link CompletableFuture#minimalCompletionStage()}: a {@link Future} whose {@code cancel} throws. */
        MINIMAL_STAGE(CompletableFuture::minimalCompletionStage),
        /** A {@link CompletionStage} that is no {@link Future} at all. */
        NOT_A_FUTURE(IOLoopRunSyncIsolationTests::notAFuture);

        private final Function<CompletableFuture<String>, CompletionStage<String>> view;

        Uncancellable(Function<CompletableFuture<String>, CompletionStage<String>> view) {
            this.view = view;
        }

        CompletionStage<String> of(CompletableFuture<String> source) {
            return view.apply(source);
        }
    }

    @Test
    void runSyncThatTimedOutLeavesNoStopForTheNextRunOfTheLoop() {
        try (IOLoop loop = newLoop()) {
            CompletableFuture<String> never = new CompletableFuture<>();
            assertTimesOut(loop, never);
            assertThat(never.isCancelled())
                    .as("the timeout cancelled the stage")
                    .isTrue();

            assertThat(loop.runSync(() -> completedLater(loop, "second", Duration.ofMillis(10)), GENEROUS))
                    .isEqualTo("second");
            assertThat(loop.isRunning()).isFalse();
        }
    }

    @Test
    void runSyncThatTimedOutLeavesNoStopForANextRunThatTakesSeveralIterations() {
        try (IOLoop loop = newLoop()) {
            assertTimesOut(loop, new CompletableFuture<>());

            AtomicInteger hops = new AtomicInteger();
            String value = loop.runSync(
                    () -> {
                        CompletableFuture<String> f = new CompletableFuture<>();
                        loop.addCallback(new Runnable() {
                            @Override
                            public void run() {
                                if (hops.incrementAndGet() == 3) {
                                    f.complete("third hop");
                                } else {
                                    loop.addCallback(this); // runs in the next iteration
                                }
                            }
                        });
                        return f;
                    },
                    GENEROUS);
            assertThat(value).isEqualTo("third hop");
            assertThat(hops).hasValue(3);
        }
    }

    @ParameterizedTest
    @EnumSource(Uncancellable.class)
    void runSyncWithAStageThatCannotBeCancelledStillTimesOutWithATimeoutException(Uncancellable kind) {
        try (IOLoop loop = newLoop()) {
            CompletableFuture<String> source = new CompletableFuture<>();
            CompletionStage<String> stage = kind.of(source);
            assertThatThrownBy(() -> loop.runSync(() -> stage, TIMEOUT))
                    .isInstanceOf(CompletionException.class)
                    .hasCauseInstanceOf(TimeoutException.class);
            assertThat(source).as("left as it was").isNotDone();
            assertThat(loop.isRunning()).isFalse();

            assertThat(loop.runSync(() -> completedLater(loop, "second", Duration.ofMillis(10)), GENEROUS))
                    .isEqualTo("second");
        }
    }

    @ParameterizedTest
    @EnumSource(Uncancellable.class)
    void lateCompletionFromAnotherThreadDuringALaterRunDoesNotStopThatRun(Uncancellable kind) throws Exception {
        try (IOLoop loop = newLoop()) {
            CompletableFuture<String> source1 = new CompletableFuture<>();
            assertTimesOut(loop, kind.of(source1));

            AtomicReference<Thread> helper = new AtomicReference<>();
            try {
                String value = loop.runSync(
                        () -> {
                            CompletableFuture<String> s2 = new CompletableFuture<>();
                            Thread t = new Thread(
                                    () -> {
                                        // Run 1's whenComplete runs here, on this thread, before complete() returns.
                                        source1.complete("late");
                                        // Only now is run 2's stage completed, and not before the loop's next
                                        // iteration: a stop
                                        // that run 1's completion requested would end run 2 first.
                                        loop.addCallback(() ->
                                                loop.callLater(Duration.ofMillis(10), () -> s2.complete("second")));
                                    },
                                    "late-completer");
                            helper.set(t);
                            t.start();
                            return s2;
                        },
                        GENEROUS);
                assertThat(value).isEqualTo("second");
            } finally {
                joinIfStarted(helper.get());
            }
            assertThat(source1).isCompletedWithValue("late");
        }
    }

    @ParameterizedTest
    @EnumSource(Uncancellable.class)
    void lateCompletionOnTheLoopThreadDuringALaterRunDoesNotStopThatRun(Uncancellable kind) {
        try (IOLoop loop = newLoop()) {
            CompletableFuture<String> source1 = new CompletableFuture<>();
            assertTimesOut(loop, kind.of(source1));

            String value = loop.runSync(
                    () -> {
                        source1.complete("late"); // run 1's whenComplete runs inline, here on the loop thread
                        return completedLater(loop, "second", Duration.ofMillis(10));
                    },
                    GENEROUS);
            assertThat(value).isEqualTo("second");
            assertThat(source1).isCompletedWithValue("late");
        }
    }

    @ParameterizedTest
    @EnumSource(Uncancellable.class)
    void lateCompletionBetweenTwoRunsLeavesNoStopForTheNextRun(Uncancellable kind) {
        try (IOLoop loop = newLoop()) {
            CompletableFuture<String> source1 = new CompletableFuture<>();
            assertTimesOut(loop, kind.of(source1));
            source1.complete("late"); // on this thread, while the loop is not running

            assertThat(loop.runSync(() -> completedLater(loop, "second", Duration.ofMillis(10)), GENEROUS))
                    .isEqualTo("second");
        }
    }

    @Test
    void fnOfARunStoppedBeforeItRanNeverRunsInALaterRun() {
        try (IOLoop loop = newLoop()) {
            AtomicInteger firstCalls = new AtomicInteger();
            loop.stop(); // while not running: the next start() returns at once
            assertThatThrownBy(() -> loop.runSync(
                            () -> {
                                firstCalls.incrementAndGet();
                                return CompletableFuture.completedFuture("first");
                            },
                            GENEROUS))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessage("loop stopped before the stage completed");
            assertThat(firstCalls).hasValue(0);

            AtomicInteger secondCalls = new AtomicInteger();
            String value = loop.runSync(
                    () -> {
                        secondCalls.incrementAndGet();
                        return completedLater(loop, "second", Duration.ofMillis(10));
                    },
                    GENEROUS);
            assertThat(value).isEqualTo("second");
            assertThat(secondCalls).hasValue(1);
            assertThat(firstCalls).as("the first run's fn stayed unrun").hasValue(0);
        }
    }

    @Test
    void fnThatThrewSynchronouslyLeavesNothingForTheNextRun() {
        try (IOLoop loop = newLoop()) {
            IllegalArgumentException boom = new IllegalArgumentException("sync");
            assertThatThrownBy(() -> loop.runSync(
                            () -> {
                                throw boom;
                            },
                            TIMEOUT))
                    .isSameAs(boom);

            // Lasts past the first run's deadline, so its timeout, had it survived, would fire in this run.
            assertThat(loop.runSync(() -> completedLater(loop, "second", TIMEOUT.multipliedBy(3))))
                    .isEqualTo("second");
        }
    }

    @Test
    void timeoutOfACompletedRunNeverFiresInALaterRun() {
        try (IOLoop loop = newLoop()) {
            assertThat(loop.runSync(() -> CompletableFuture.completedFuture("first"), TIMEOUT))
                    .isEqualTo("first");

            // No timeout of its own, and lasts past the first run's deadline.
            assertThat(loop.runSync(() -> completedLater(loop, "second", TIMEOUT.multipliedBy(3))))
                    .isEqualTo("second");
        }
    }

    @Test
    void plainStartAfterATimedOutRunSyncRunsUntilStopped() throws Exception {
        try (IOLoop loop = newLoop()) {
            CompletableFuture<String> never = new CompletableFuture<>();
            assertTimesOut(loop, never);
            assertThat(never.isCancelled()).isTrue();

            // LoopThread.start waits for a first callback to run: a loop whose start() returned at once fails here.
            try (LoopThread running = LoopThread.start(loop)) {
                // A few more iterations, one of them a timer's: a stale stop would have ended the loop by now.
                CompletableFuture<Void> ticked = new CompletableFuture<>();
                running.call(() -> loop.callLater(Duration.ofMillis(10), () -> ticked.complete(null)));
                ticked.get(10, TimeUnit.SECONDS);
                assertThat(running.call(loop::isRunning)).isTrue();
                assertThat(running.thread.isAlive()).isTrue();
                assertThat(running.failure.get()).isNull();
            }
            assertThat(loop.isRunning()).as("stopped by LoopThread.close").isFalse();
        }
    }

    // ---------------------------------------------------------------- helpers

    private static IOLoop newLoop() {
        return IOLoop.builder().blockedThreshold(Duration.ZERO).build();
    }

    private static void assertTimesOut(IOLoop loop, CompletionStage<String> stage) {
        assertThatThrownBy(() -> loop.runSync(() -> stage, TIMEOUT))
                .isInstanceOf(CompletionException.class)
                .hasCauseInstanceOf(TimeoutException.class);
        assertThat(loop.isRunning()).isFalse();
    }

    /** A stage completed with {@code value} by a timeout of {@code loop}; call on the loop thread. */
    private static CompletableFuture<String> completedLater(IOLoop loop, String value, Duration delay) {
        CompletableFuture<String> f = new CompletableFuture<>();
        loop.callLater(delay, () -> f.complete(value));
        return f;
    }

    /** A view of {@code source} that implements {@link CompletionStage} only: it is no {@link Future}. */
    @SuppressWarnings("unchecked")
    static CompletionStage<String> notAFuture(CompletableFuture<String> source) {
        InvocationHandler handler = (proxy, method, args) -> {
            switch (method.getName()) {
                case "toString":
                    if (method.getParameterCount() == 0) {
                        return "NotAFuture[" + source + "]";
                    }
                    break;
                case "equals":
                    if (method.getParameterCount() == 1 && method.getDeclaringClass() == Object.class) {
                        return proxy == args[0];
                    }
                    break;
                case "hashCode":
                    if (method.getParameterCount() == 0) {
                        return System.identityHashCode(proxy);
                    }
                    break;
                default:
                    break;
            }
            try {
                return method.invoke(source, args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
        };
        CompletionStage<String> stage = (CompletionStage<String>) Proxy.newProxyInstance(
                IOLoopRunSyncIsolationTests.class.getClassLoader(), new Class<?>[] {CompletionStage.class}, handler);
        assertThat((Object) stage).isNotInstanceOf(Future.class);
        return stage;
    }

    private static void joinIfStarted(Thread thread) throws InterruptedException {
        if (thread != null) {
            thread.join(10_000);
            assertThat(thread.isAlive()).as("helper thread ended").isFalse();
        }
    }
}
