package dev.ioloop;

import java.time.Duration;
import java.util.function.UnaryOperator;

/**
 * The loops the core tests build, made in one place. {@link #unwatched()} is the builder of a loop with the
 * blocked-loop watchdog off, which every test wants unless it tests the watchdog itself: a test that holds its
 * loop on purpose, or runs on a busy machine, must not get a blocked-loop report and stack dump for it.
 * {@link #stepped()} builds such a loop on a {@link TestClock} and hands it over as a {@link SteppedLoop}, for the
 * tests that step the loop themselves; a test that runs its loop on a thread of its own passes an unwatched one to
 * {@link LoopThread}.
 */
public final class TestLoops {

    private TestLoops() {}

    /** Returns a builder of a loop with the watchdog off ({@code blockedThreshold} zero) on the system clock. */
    public static IOLoop.Builder unwatched() {
        return IOLoop.builder().blockedThreshold(Duration.ZERO);
    }

    /** Returns a new unwatched loop on a new {@link TestClock}, for the test to step. */
    static SteppedLoop stepped() {
        return stepped(builder -> builder);
    }

    /**
     * Returns a new unwatched loop on a new {@link TestClock}, for the test to step, with the further options
     * {@code options} sets on the builder (an error handler, a latency listener, a handler failure limit).
     */
    static SteppedLoop stepped(UnaryOperator<IOLoop.Builder> options) {
        return new SteppedLoop(options);
    }
}
