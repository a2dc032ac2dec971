package dev.ioloop;

import java.io.Closeable;
import java.io.IOException;
import java.nio.channels.Pipe;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * A loop that a test steps itself, one {@link IOLoop#runOnce} at a time on the test thread, on a {@link TestClock}
 * that only the test moves, with the watchdog off (see {@link TestLoops#stepped()}): which callbacks, timeouts and
 * events an iteration runs is then up to the test alone. It also closes what the test opens for the loop:
 * {@link #close()} closes the loop, then everything handed to {@link #closeLater}, such as both ends of each
 * {@link #pipe()}. Use it as a field marked {@code @AutoClose} (or closed in an {@code @AfterEach}), or in
 * try-with-resources.
 */
final class SteppedLoop implements AutoCloseable {

    /** The loop's clock, which only the test moves. */
    final TestClock clock = new TestClock();
    /** The loop. */
    final IOLoop loop;

    private final List<AutoCloseable> resources = new ArrayList<>();

    SteppedLoop(UnaryOperator<IOLoop.Builder> options) {
        loop = options.apply(TestLoops.unwatched().clock(clock)).build();
    }

    /** Runs one iteration without waiting in poll, and returns the callbacks, timeouts and events it ran. */
    int step() {
        return loop.runOnce(Duration.ZERO);
    }

    /** Runs {@code n} iterations, none of them waiting in poll. */
    void steps(int n) {
        for (int i = 0; i < n; i++) {
            step();
        }
    }

    /** Moves the clock on by {@code time}, then runs one iteration without waiting in poll. */
    int advanceAndStep(Duration time) {
        clock.advance(time);
        return step();
    }

    /** Opens a pipe with both ends non-blocking; both are closed after the loop. */
    Pipe pipe() throws IOException {
        return TestPipes.open(resources);
    }

    /** Has {@code resource} closed after the loop, in the order handed over, and returns it. */
    <T extends Closeable> T closeLater(T resource) {
        resources.add(resource);
        return resource;
    }

    /** Closes the loop (leaving its channels to the test), then what was handed to {@link #closeLater}. */
    @Override
    public void close() {
        loop.close();
        for (AutoCloseable resource : resources) {
            try {
                resource.close();
            } catch (Exception e) {
                throw new IllegalStateException("failed to close " + resource, e);
            }
        }
    }
}
