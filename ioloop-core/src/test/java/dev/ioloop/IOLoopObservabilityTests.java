package dev.ioloop;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.Pipe;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;

/** Statistics and loop-latency samples, stepped with a test clock. */
@org.junit.jupiter.api.Timeout(30)
class IOLoopObservabilityTests {

    private final List<Long> samples = new ArrayList<>();

    @AutoClose
    private final SteppedLoop stepped = TestLoops.stepped(builder -> builder.latencyListener(samples::add));

    private final TestClock clock = stepped.clock;
    private final IOLoop loop = stepped.loop;

    @Test
    void lateTimeoutYieldsHowLateItStarted() {
        loop.callLater(Duration.ofMillis(10), () -> {});
        clock.advance(Duration.ofMillis(25));
        loop.runOnce(Duration.ZERO);
        assertThat(samples).containsExactly(15_000_000L);
    }

    @Test
    void iterationYieldsOneSampleTheLargestOverItsWork() {
        loop.callLater(Duration.ofMillis(1), () -> {});
        loop.callLater(Duration.ofMillis(5), () -> {});
        loop.callLater(Duration.ofMillis(2), () -> clock.advance(Duration.ofMillis(4)));
        clock.advance(Duration.ofMillis(5));
        loop.runOnce(Duration.ZERO);
        // The 5 ms timeout ran after the one that took 4 ms: it started 4 ms late; the 1 ms one 4 ms late too.
        assertThat(samples).containsExactly(4_000_000L);
    }

    @Test
    void callbackFromAnotherThreadYieldsTheTimeItWaitedInTheQueue() throws Exception {
        Thread producer = new Thread(() -> loop.addCallback(() -> {}));
        producer.start();
        producer.join();
        clock.advance(Duration.ofMillis(7));
        loop.runOnce(Duration.ZERO);
        assertThat(samples).containsExactly(7_000_000L);
    }

    @Test
    void oldestCallbackFromAnotherThreadDecidesTheSample() throws Exception {
        onAnotherThread(() -> loop.addCallback(() -> {}));
        clock.advance(Duration.ofMillis(3));
        onAnotherThread(() -> loop.addCallback(() -> {}));
        clock.advance(Duration.ofMillis(4));
        loop.runOnce(Duration.ZERO);
        assertThat(samples).containsExactly(7_000_000L);
    }

    @Test
    void callbackFromAnotherThreadWaitingBehindASlowOneCountsTheWait() throws Exception {
        onAnotherThread(() -> {
            loop.addCallback(() -> clock.advance(Duration.ofMillis(20)));
            loop.addCallback(() -> {});
        });
        loop.runOnce(Duration.ZERO);
        assertThat(samples).containsExactly(20_000_000L);
    }

    @Test
    void callbacksFromAnotherThreadReadTheClockOncePerIterationNotOncePerCall() throws Exception {
        AtomicInteger producerReads = new AtomicInteger();
        Thread caller = Thread.currentThread();
        LongSupplier counting = () -> {
            if (Thread.currentThread() != caller) {
                producerReads.incrementAndGet();
            }
            return clock.getAsLong();
        };
        try (IOLoop measured = TestLoops.unwatched()
                .clock(counting)
                .latencyListener(samples::add)
                .build()) {
            onAnotherThread(() -> {
                for (int i = 0; i < 100; i++) {
                    measured.addCallback(() -> {});
                }
            });
            assertThat(producerReads)
                    .as("only the first callback of the next iteration is stamped")
                    .hasValue(1);
            clock.advance(Duration.ofMillis(2));
            assertThat(measured.runOnce(Duration.ZERO)).isEqualTo(100);
            assertThat(samples).containsExactly(2_000_000L);
            onAnotherThread(() -> {
                for (int i = 0; i < 100; i++) {
                    measured.addCallback(() -> {});
                }
            });
            assertThat(producerReads).hasValue(2);
        }
    }

    private static void onAnotherThread(Runnable action) throws InterruptedException {
        Thread thread = new Thread(action, "producer");
        thread.start();
        thread.join();
    }

    @Test
    void handlerWaitingBehindASlowHandlerCountsTheWait() throws IOException {
        Pipe a = stepped.pipe();
        Pipe b = stepped.pipe();
        FdHandler<Pipe.SourceChannel> slow = (ch, events) -> {
            ch.read(ByteBuffer.allocate(8));
            clock.advance(Duration.ofMillis(30));
        };
        loop.addHandler(a.source(), slow, IOLoop.READ);
        loop.addHandler(b.source(), slow, IOLoop.READ);
        a.sink().write(ByteBuffer.wrap(new byte[] {1}));
        b.sink().write(ByteBuffer.wrap(new byte[] {1}));
        loop.runOnce(Duration.ofSeconds(5));
        assertThat(loop.stats().events()).isEqualTo(2);
        assertThat(samples).containsExactly(30_000_000L);
    }

    @Test
    void idleIterationYieldsNoSample() {
        loop.runOnce(Duration.ZERO);
        loop.runOnce(Duration.ofMillis(5));
        assertThat(samples).isEmpty();
        assertThat(loop.stats().latencySamples()).isZero();
        assertThat(loop.stats().iterations()).isEqualTo(2);
    }

    @Test
    void callbacksAddedOnTheLoopThreadYieldNoQueueLatency() {
        loop.addCallback(() -> loop.addCallback(() -> {}));
        loop.runOnce(Duration.ZERO);
        assertThat(samples)
                .as("the outer callback came from this (non-loop) thread")
                .containsExactly(0L);
        samples.clear();
        clock.advance(Duration.ofMillis(50));
        assertThat(loop.runOnce(Duration.ZERO)).as("the inner callback ran").isOne();
        assertThat(samples).isEmpty();
    }

    @Test
    void statsCountWhatTheLoopDid() throws IOException {
        Pipe pipe = stepped.pipe();
        loop.addHandler(pipe.source(), (ch, events) -> ch.read(ByteBuffer.allocate(8)), IOLoop.READ);
        loop.addCallback(() -> {});
        loop.callLater(Duration.ofSeconds(1), () -> {});
        loop.callLater(Duration.ofSeconds(9), () -> {});
        IOLoopStats stats = loop.stats();
        assertThat(stats.handlers()).isOne();
        assertThat(stats.pendingCallbacks()).isOne();
        assertThat(stats.pendingTimeouts()).isEqualTo(2);
        pipe.sink().write(ByteBuffer.wrap(new byte[] {1}));
        clock.advance(Duration.ofSeconds(1));
        loop.runOnce(Duration.ofSeconds(5));
        assertThat(stats.pendingCallbacks()).isZero();
        assertThat(stats.pendingTimeouts()).isOne();
        assertThat(stats.callbacksRun()).isOne();
        assertThat(stats.timeoutsRun()).isOne();
        assertThat(stats.events()).isOne();
        assertThat(stats.iterations()).isOne();
        assertThat(stats.busyNanos()).isPositive();
        assertThat(stats.idleNanos()).isNotNegative();
        assertThat(stats.currentStretchNanos()).as("not running").isZero();
        assertThat(loop.handlers()).singleElement().satisfies(h -> {
            assertThat(h.channel()).isSameAs(pipe.source());
            assertThat(h.eventNames()).isEqualTo("READ");
        });
    }
}
