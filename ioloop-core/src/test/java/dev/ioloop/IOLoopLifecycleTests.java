package dev.ioloop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.channels.Pipe;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** start, stop, errors out of start, and close. */
@Timeout(30)
class IOLoopLifecycleTests {

    @Test
    void startFromInsideACallbackThrows() {
        try (IOLoop loop = TestLoops.unwatched().build()) {
            List<Throwable> seen = new ArrayList<>();
            loop.addCallback(() -> {
                try {
                    loop.start();
                } catch (IllegalStateException e) {
                    seen.add(e);
                }
                loop.stop();
            });
            loop.start();
            assertThat(seen)
                    .singleElement()
                    .extracting(Throwable::getMessage)
                    .asString()
                    .contains("already running");
        }
    }

    @Test
    void stopBeforeStartMakesTheNextStartReturnAtOnceAndRunNothing() {
        try (IOLoop loop = TestLoops.unwatched().build()) {
            List<String> ran = new ArrayList<>();
            loop.addCallback(() -> ran.add("callback"));
            loop.stop();
            loop.start();
            assertThat(ran).isEmpty();
            loop.addCallback(loop::stop);
            loop.start();
            assertThat(ran).containsExactly("callback");
        }
    }

    @Test
    void startMakesTheLoopCurrentAndRestoresThePreviousOne() {
        try (IOLoop outer = TestLoops.unwatched().build();
                IOLoop loop = TestLoops.unwatched().build()) {
            outer.makeCurrent();
            try {
                List<IOLoop> inside = new ArrayList<>();
                loop.addCallback(() -> {
                    inside.add(IOLoop.current(false));
                    loop.stop();
                });
                loop.start();
                assertThat(inside).containsExactly(loop);
                assertThat(IOLoop.current(false)).isSameAs(outer);
            } finally {
                IOLoop.clearCurrent();
            }
            assertThat(IOLoop.current(false)).isNull();
        }
    }

    @Test
    void errorFromACallbackPropagatesOutOfStartAndTheLoopCanBeStartedAgain() {
        try (IOLoop loop = TestLoops.unwatched().build()) {
            loop.addCallback(() -> {
                throw new AssertionError("fatal");
            });
            assertThatThrownBy(loop::start).isInstanceOf(AssertionError.class).hasMessage("fatal");
            assertThat(loop.isRunning()).isFalse();
            assertThat(IOLoop.current(false)).isNull();
            List<String> ran = new ArrayList<>();
            loop.addCallback(() -> {
                ran.add("again");
                loop.stop();
            });
            loop.start();
            assertThat(ran).containsExactly("again");
        }
    }

    @Test
    void exceptionFromACallbackIsReportedAndTheLoopGoesOn() {
        List<String> errors = new ArrayList<>();
        try (IOLoop loop = TestLoops.unwatched()
                .errorHandler((source, e) -> errors.add(source + ": " + e.getMessage()))
                .build()) {
            Runnable failing = new Runnable() {
                @Override
                public void run() {
                    throw new IllegalStateException("bad callback");
                }

                @Override
                public String toString() {
                    return "failing-callback";
                }
            };
            loop.addCallback(failing);
            loop.callLater(Duration.ZERO, () -> {
                throw new IllegalArgumentException("bad timeout");
            });
            loop.callLater(Duration.ofMillis(1), loop::stop);
            loop.start();
            assertThat(errors).hasSize(2);
            assertThat(errors.get(0)).isEqualTo("failing-callback: bad callback");
            assertThat(errors.get(1)).endsWith("bad timeout");
            assertThat(loop.stats().errors()).isEqualTo(2);
        }
    }

    @Test
    void defaultErrorHandlerLogsAndCountsWithoutStoppingTheLoop() {
        try (IOLoop loop = TestLoops.unwatched().build()) {
            for (int i = 0; i < 50; i++) {
                loop.addCallback(() -> {
                    throw new IllegalStateException("repeated failure");
                });
            }
            loop.addCallback(loop::stop);
            loop.start();
            assertThat(loop.stats().errors()).isEqualTo(50);
        }
    }

    @Test
    void closeTwiceIsANoOpAndEverythingAfterCloseBehavesAsDocumented() throws IOException {
        IOLoop loop = TestLoops.unwatched().build();
        loop.close();
        assertThatCode(loop::close).doesNotThrowAnyException();
        assertThat(loop.isClosed()).isTrue();
        assertThatCode(() -> loop.addCallback(() -> {})).doesNotThrowAnyException();
        assertThatCode(() -> loop.spawnCallback(() -> {})).doesNotThrowAnyException();
        assertThatThrownBy(() -> loop.execute(() -> {})).isInstanceOf(RejectedExecutionException.class);
        assertThatThrownBy(() -> CompletableFuture.supplyAsync(() -> 1, loop))
                .isInstanceOf(RejectedExecutionException.class);
        try (Pipe.SourceChannel source = Pipe.open().source()) {
            source.configureBlocking(false);
            assertThatThrownBy(() -> loop.addHandler(source, (ch, e) -> {}, IOLoop.READ))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessage("IOLoop is closed");
        }
        assertThatThrownBy(() -> loop.addTimeout(Duration.ZERO, () -> {})).hasMessage("IOLoop is closed");
        assertThatThrownBy(() -> loop.callAt(0, () -> {})).hasMessage("IOLoop is closed");
        assertThatThrownBy(() -> loop.callLater(Duration.ZERO, () -> {})).hasMessage("IOLoop is closed");
        assertThatThrownBy(loop::start)
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("IOLoop is closed");
    }

    @Test
    void closeLeavesChannelsOpenAndCloseTrueClosesThem() throws IOException {
        Pipe kept = Pipe.open();
        Pipe closed = Pipe.open();
        try {
            kept.source().configureBlocking(false);
            closed.source().configureBlocking(false);
            IOLoop a = TestLoops.unwatched().build();
            a.addHandler(kept.source(), (ch, e) -> {}, IOLoop.READ);
            a.close();
            assertThat(kept.source().isOpen()).isTrue();
            IOLoop b = TestLoops.unwatched().build();
            b.addHandler(closed.source(), (ch, e) -> {}, IOLoop.READ);
            b.close(true);
            assertThat(closed.source().isOpen()).isFalse();
        } finally {
            kept.source().close();
            kept.sink().close();
            closed.source().close();
            closed.sink().close();
        }
    }

    @Test
    void closedLoopsLeaveNoFileDescriptorOrThreadBehind() throws Exception {
        Path fds = Path.of("/proc/self/fd");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isDirectory(fds), "needs /proc (Linux)");
        // Warm up whatever the JDK opens once (the selector provider, class loading).
        useAndClose();
        long before = count(fds);
        for (int i = 0; i < 20; i++) {
            useAndClose();
        }
        assertThat(count(fds)).isLessThanOrEqualTo(before);
        // The default executors' threads end once their loops are closed.
        org.awaitility.Awaitility.await()
                .atMost(java.time.Duration.ofSeconds(10))
                .until(() -> Thread.getAllStackTraces().keySet().stream()
                        .noneMatch(t -> t.getName().startsWith("fd-check-")));
    }

    private static void useAndClose() throws Exception {
        IOLoop loop = IOLoop.builder()
                .name("fd-check-" + System.nanoTime())
                .blockedThreshold(Duration.ofSeconds(1))
                .build();
        CompletableFuture<String> result =
                loop.runInExecutor(null, () -> Thread.currentThread().getName());
        loop.addFuture(result, f -> loop.stop());
        loop.start();
        assertThat(result.get(5, TimeUnit.SECONDS)).contains("executor");
        loop.close(true);
    }

    private static long count(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.count();
        }
    }
}
