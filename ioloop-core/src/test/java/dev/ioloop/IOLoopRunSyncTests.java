package dev.ioloop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** runSync: start, run fn on the loop, stop when its stage completes. */
@Timeout(30)
class IOLoopRunSyncTests {

    @AutoClose
    private final IOLoop loop = TestLoops.unwatched().build();

    @Test
    void returnsTheValueOfAStageCompletedLaterOnTheLoop() {
        String value = loop.runSync(() -> {
            CompletableFuture<String> f = new CompletableFuture<>();
            loop.callLater(Duration.ofMillis(5), () -> f.complete("done"));
            return f;
        });
        assertThat(value).isEqualTo("done");
        assertThat(loop.isRunning()).isFalse();
    }

    @Test
    void currentLoopInsideFnIsThisLoop() {
        IOLoop seen = loop.runSync(() -> CompletableFuture.completedFuture(IOLoop.current()));
        assertThat(seen).isSameAs(loop);
    }

    @Test
    void synchronousExceptionFromFnPropagatesAsItIs() {
        IllegalArgumentException boom = new IllegalArgumentException("sync");
        assertThatThrownBy(() -> loop.runSync(() -> {
                    throw boom;
                }))
                .isSameAs(boom);
        assertThat(loop.isRunning()).isFalse();
    }

    @Test
    void uncheckedFailureOfTheStagePropagatesAsItIs() {
        IllegalStateException boom = new IllegalStateException("async");
        assertThatThrownBy(() -> loop.runSync(() -> CompletableFuture.failedFuture(boom)))
                .isSameAs(boom);
    }

    @Test
    void checkedFailureOfTheStageIsWrappedKeepingTheCause() {
        IOException boom = new IOException("checked");
        assertThatThrownBy(() -> loop.runSync(() -> CompletableFuture.failedFuture(boom)))
                .isInstanceOf(CompletionException.class)
                .hasCause(boom);
    }

    @Test
    void timeoutThrowsWithATimeoutExceptionInTheCauseChainAndCancelsTheStage() {
        CompletableFuture<String> never = new CompletableFuture<>();
        assertThatThrownBy(() -> loop.runSync(() -> never, Duration.ofMillis(20)))
                .hasRootCauseInstanceOf(TimeoutException.class);
        assertThat(never.isCancelled()).isTrue();
        assertThat(loop.isRunning()).isFalse();
    }

    @Test
    void nullStageIsANullPointerExceptionNamingFn() {
        Supplier<CompletionStage<String>> fn = () -> null;
        assertThatThrownBy(() -> loop.runSync(fn))
                .isInstanceOf(NullPointerException.class)
                .hasMessageContaining("fn");
    }

    @Test
    void nestedRunSyncIsAnIllegalStateException() {
        Throwable[] inner = new Throwable[1];
        loop.runSync(() -> {
            try {
                loop.runSync(() -> CompletableFuture.completedFuture(1));
            } catch (IllegalStateException e) {
                inner[0] = e;
            }
            return CompletableFuture.completedFuture(0);
        });
        assertThat(inner[0]).isInstanceOf(IllegalStateException.class).hasMessageContaining("nested");
    }

    @Test
    void loopStoppedByOtherCodeBeforeTheStageCompletesIsReported() {
        assertThatThrownBy(() -> loop.runSync(() -> {
                    loop.stop();
                    return new CompletableFuture<String>();
                }))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("loop stopped before the stage completed");
    }

    @Test
    void stageCompletedFromAnotherThreadStopsTheLoop() {
        Integer value = loop.runSync(() -> CompletableFuture.supplyAsync(() -> 42));
        assertThat(value).isEqualTo(42);
    }
}
