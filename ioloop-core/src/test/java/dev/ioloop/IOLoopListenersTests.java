package dev.ioloop;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.Pipe;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Latency and blocked-loop listeners added one by one: each hears every sample or stretch, a registration removes
 * only its own listener, the setter replaces only its own slot, and a loop without listeners pays nothing.
 */
@Timeout(30)
class IOLoopListenersTests {

    private static final long LATENESS = 15_000_000L;

    private final TestClock clock = new TestClock();
    private final List<Object[]> errors = new CopyOnWriteArrayList<>();
    private final IOLoop loop = IOLoop.builder()
            .clock(clock)
            .blockedThreshold(Duration.ZERO)
            .errorHandler((source, error) -> errors.add(new Object[] {source, error}))
            .build();

    @AfterEach
    void close() {
        loop.close(true);
    }

    @Test
    void twoAddedLatencyListenersBothReceiveTheSameSample() {
        List<Long> first = new ArrayList<>();
        List<Long> second = new ArrayList<>();
        loop.addLatencyListener(first::add);
        loop.addLatencyListener(second::add);

        lateTimeoutStep();

        assertThat(first).containsExactly(LATENESS);
        assertThat(second).isEqualTo(first);
        assertThat(loop.stats().latencySamples())
                .as("one sample, however many listeners")
                .isOne();
    }

    @Test
    void removingARegistrationStopsThatListenerOnly() {
        List<Long> first = new ArrayList<>();
        List<Long> second = new ArrayList<>();
        ListenerRegistration firstReg = loop.addLatencyListener(first::add);
        ListenerRegistration secondReg = loop.addLatencyListener(second::add);
        lateTimeoutStep();

        assertThat(firstReg.remove()).isTrue();
        lateTimeoutStep();
        assertThat(first).containsExactly(LATENESS);
        assertThat(second).containsExactly(LATENESS, LATENESS);

        assertThat(firstReg.remove()).as("already removed").isFalse();
        lateTimeoutStep();
        assertThat(second).hasSize(3);

        secondReg.close();
        assertThat(secondReg.remove()).as("close() removed it").isFalse();
        long samples = loop.stats().latencySamples();
        lateTimeoutStep();
        assertThat(first).hasSize(1);
        assertThat(second).hasSize(3);
        assertThat(loop.stats().latencySamples())
                .as("no listener left: no sample")
                .isEqualTo(samples);
    }

    @Test
    void sameListenerAddedTwiceIsCalledTwiceAndRemovedOncePerRegistration() {
        List<Long> samples = new ArrayList<>();
        LatencyListener listener = samples::add;
        ListenerRegistration one = loop.addLatencyListener(listener);
        loop.addLatencyListener(listener);
        lateTimeoutStep();
        assertThat(samples).containsExactly(LATENESS, LATENESS);

        one.remove();
        samples.clear();
        lateTimeoutStep();
        assertThat(samples).containsExactly(LATENESS);
    }

    @Test
    void setLatencyListenerReplacesOnlyTheListenerOfTheSetterSlot() {
        List<Long> fromBuilder = new ArrayList<>();
        List<Long> added = new ArrayList<>();
        List<Long> fromSetter = new ArrayList<>();
        try (IOLoop withBuilderListener = IOLoop.builder()
                .clock(clock)
                .blockedThreshold(Duration.ZERO)
                .latencyListener(fromBuilder::add)
                .build()) {
            withBuilderListener.addLatencyListener(added::add);
            lateTimeoutStep(withBuilderListener);
            assertThat(fromBuilder).containsExactly(LATENESS);
            assertThat(added).containsExactly(LATENESS);

            withBuilderListener.setLatencyListener(fromSetter::add);
            lateTimeoutStep(withBuilderListener);
            assertThat(fromBuilder).as("replaced by the setter").containsExactly(LATENESS);
            assertThat(fromSetter).containsExactly(LATENESS);
            assertThat(added).as("an added listener is not the setter's").containsExactly(LATENESS, LATENESS);

            withBuilderListener.setLatencyListener(null);
            lateTimeoutStep(withBuilderListener);
            assertThat(fromSetter).as("cleared").containsExactly(LATENESS);
            assertThat(fromBuilder).hasSize(1);
            assertThat(added).containsExactly(LATENESS, LATENESS, LATENESS);

            withBuilderListener.setLatencyListener(null); // nothing left in the slot: changes nothing
            lateTimeoutStep(withBuilderListener);
            assertThat(added).hasSize(4);
        }
    }

    @Test
    void listenerThatThrowsGoesToTheErrorHandlerAndTheOthersStillHearTheSample() {
        IllegalStateException boom = new IllegalStateException("listener failed");
        List<Long> before = new ArrayList<>();
        List<Long> after = new ArrayList<>();
        LatencyListener failing = nanos -> {
            throw boom;
        };
        loop.addLatencyListener(before::add);
        loop.addLatencyListener(failing);
        loop.addLatencyListener(after::add);

        lateTimeoutStep();

        assertThat(before).containsExactly(LATENESS);
        assertThat(after).as("called although the one before it threw").containsExactly(LATENESS);
        assertThat(errors).singleElement().satisfies(e -> {
            assertThat(e[0]).isSameAs(failing);
            assertThat(e[1]).isSameAs(boom);
        });
        assertThat(loop.stats().errors()).isOne();
    }

    @Test
    void loopWhoseListenersWereAllRemovedReadsTheClockAsOftenAsOneThatNeverHadAny() throws IOException {
        AtomicInteger reads = new AtomicInteger();
        LongSupplier counting = () -> {
            reads.incrementAndGet();
            return clock.getAsLong();
        };
        Pipe pipe = Pipe.open();
        try (Pipe.SourceChannel source = pipe.source();
                Pipe.SinkChannel sink = pipe.sink();
                IOLoop counted = IOLoop.builder()
                        .clock(counting)
                        .blockedThreshold(Duration.ZERO)
                        .build()) {
            source.configureBlocking(false);
            counted.addHandler(source, (ch, events) -> ch.read(ByteBuffer.allocate(8)), IOLoop.READ);

            int never = clockReadsOfABusyStep(counted, sink, reads);

            List<Long> samples = new ArrayList<>();
            ListenerRegistration registration = counted.addLatencyListener(samples::add);
            int sampled = clockReadsOfABusyStep(counted, sink, reads);
            assertThat(samples).as("the step was sampled").hasSize(1);
            assertThat(sampled)
                    .as("sampling reads the clock: the count can tell")
                    .isGreaterThan(never);

            registration.remove();
            assertThat(clockReadsOfABusyStep(counted, sink, reads))
                    .as("added, then removed")
                    .isEqualTo(never);

            counted.setLatencyListener(samples::add);
            assertThat(clockReadsOfABusyStep(counted, sink, reads)).isEqualTo(sampled);
            counted.setLatencyListener(null);
            assertThat(clockReadsOfABusyStep(counted, sink, reads))
                    .as("set, then cleared")
                    .isEqualTo(never);
            assertThat(samples).hasSize(2);
        }
    }

    @Test
    void twoAddedBlockedListenersBothHearAStretchAndARemovedOneNoLongerDoes() throws Exception {
        AtomicInteger fromBuilderCalls = new AtomicInteger();
        AtomicInteger firstCalls = new AtomicInteger();
        AtomicInteger secondCalls = new AtomicInteger();
        AtomicReference<CountDownLatch> heard = new AtomicReference<>();
        IOLoop watched = IOLoop.builder()
                .name("blocked-listeners")
                .blockedThreshold(Duration.ofMillis(50))
                .blockedListener((l, t, nanos) -> {
                    fromBuilderCalls.incrementAndGet();
                    heard.get().countDown();
                })
                .build();
        // Notified in the order added: the builder's, the first, the second. A listener that should not be called
        // any more would therefore have been called before the second one releases the stretch.
        ListenerRegistration first = watched.addBlockedListener((l, t, nanos) -> {
            firstCalls.incrementAndGet();
            heard.get().countDown();
        });
        AtomicReference<IOLoop> reportedLoop = new AtomicReference<>();
        watched.addBlockedListener((l, t, nanos) -> {
            reportedLoop.set(l);
            secondCalls.incrementAndGet();
            heard.get().countDown();
        });
        try (watched;
                LoopThread running = LoopThread.start(watched)) {
            blockUntilHeard(running, heard, 3);
            assertThat(reportedLoop.get()).isSameAs(watched);
            assertThat(fromBuilderCalls).hasValue(1);
            assertThat(firstCalls).hasValue(1);
            assertThat(secondCalls).hasValue(1);

            assertThat(first.remove()).isTrue();
            watched.setBlockedListener(null);
            blockUntilHeard(running, heard, 1);
            assertThat(secondCalls).as("still added").hasValue(2);
            assertThat(firstCalls).as("removed by its registration").hasValue(1);
            assertThat(fromBuilderCalls).as("cleared by the setter").hasValue(1);
            assertThat(watched.stats().blocked()).isEqualTo(2);
        }
    }

    // ---------------------------------------------------------------- helpers

    private void lateTimeoutStep() {
        lateTimeoutStep(loop);
    }

    /** One step whose only work is a timeout that starts {@link #LATENESS} late. */
    private void lateTimeoutStep(IOLoop stepped) {
        stepped.callLater(Duration.ofMillis(10), () -> {});
        clock.advance(Duration.ofMillis(25));
        assertThat(stepped.runOnce(Duration.ZERO)).isOne();
    }

    /**
     * One step with every kind of work the sampler measures (a callback from another thread, a due timeout, an I/O
     * event); returns how many times the loop read its clock during the step.
     */
    private int clockReadsOfABusyStep(IOLoop stepped, Pipe.SinkChannel sink, AtomicInteger reads) throws IOException {
        stepped.addCallback(() -> {}); // from this thread while the loop does not run: a cross-thread callback
        stepped.callLater(Duration.ofMillis(1), () -> {});
        clock.advance(Duration.ofMillis(2));
        sink.write(ByteBuffer.wrap(new byte[] {1}));
        int before = reads.get();
        int work = stepped.runOnce(Duration.ofSeconds(5)); // the byte is there: poll returns at once
        int during = reads.get() - before;
        assertThat(work).as("callback, timeout and event").isEqualTo(3);
        return during;
    }

    /** Blocks the loop in a callback until the blocked listeners have counted down {@code count} times. */
    private static void blockUntilHeard(LoopThread running, AtomicReference<CountDownLatch> heard, int count)
            throws Exception {
        CountDownLatch latch = new CountDownLatch(count);
        heard.set(latch);
        CountDownLatch ran = new CountDownLatch(1);
        running.loop.addCallback(() -> {
            awaitQuietly(latch);
            ran.countDown();
        });
        assertThat(latch.await(10, TimeUnit.SECONDS))
                .as("the listeners heard the stretch")
                .isTrue();
        assertThat(ran.await(10, TimeUnit.SECONDS)).isTrue();
        running.call(() -> null); // the stretch is over: the loop polled since
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await(20, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
