package dev.ioloop;

import java.io.Closeable;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Several loops, each on a thread of its own (Netty's {@code MultiThreadIoEventLoopGroup}; Tornado and Redis use one
 * process per core instead): one loop is one core, and a server over a group ({@code TCPServer(IOLoopGroup, ...)})
 * spreads its connections over them, each connection living on one loop for its whole life.
 *
 * <pre>{@code
 * IOLoopGroup group = IOLoopGroup.builder().loops(4).name("io").build();
 * new TCPServer(group, handler).listen(7000, null);
 * group.start();      // threads io-0 ... io-3
 * ...
 * group.close();      // stops the loops, then closes them
 * }</pre>
 *
 * <p>Each loop is a plain {@link IOLoop} named {@code prefix-i}, built with the group's options (poller, blocked
 * threshold, error handler, listeners ...): it has its own watchdog entry, statistics and latency listeners, and on
 * its thread {@link IOLoop#current()} is that loop. {@link IOLoop#instance()} is not changed by the group (the
 * Spring Boot starter installs loop 0).
 *
 * <p>Threading: every method is safe from any thread. {@link #next()} is lock-free. A loop whose thread dies (an
 * {@link Error} out of a handler) is logged at ERROR and stays dead; the others go on ({@link IOLoop#isRunning()}
 * tells which).
 */
public final class IOLoopGroup implements Closeable {

    private static final Logger log = LoggerFactory.getLogger(IOLoopGroup.class);
    private static final long START_TIMEOUT_SECONDS = 10;

    private final String prefix;
    private final List<IOLoop> loops;
    private final AtomicInteger nextIndex = new AtomicInteger();
    private final Thread[] threads;
    private boolean closed; // guarded by this

    private IOLoopGroup(Builder b) {
        this.prefix = b.name != null ? b.name : "ioloop";
        List<IOLoop> built = new ArrayList<>(b.loops);
        try {
            for (int i = 0; i < b.loops; i++) {
                built.add(b.copyTo(IOLoop.builder()).name(prefix + "-" + i).build());
            }
        } catch (RuntimeException e) {
            built.forEach(IOLoop::close);
            throw e;
        }
        this.loops = Collections.unmodifiableList(built);
        this.threads = new Thread[b.loops];
    }

    /** Returns a builder; every option has a default (one loop per available processor, named {@code ioloop-i}). */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Starts every loop that is not running on a thread of its own, named {@code prefix-i}, and returns once each
     * has begun its first iteration. Calling it again after {@link #stop()} starts them again.
     *
     * @throws IllegalStateException if the group is closed, or a loop did not start within 10 s
     */
    public synchronized void start() {
        if (closed) {
            throw new IllegalStateException("IOLoopGroup '" + prefix + "' is closed");
        }
        CountDownLatch running = new CountDownLatch(loops.size());
        for (int i = 0; i < loops.size(); i++) {
            IOLoop loop = loops.get(i);
            if (threads[i] != null && threads[i].isAlive()) {
                running.countDown();
                continue;
            }
            loop.addCallback(running::countDown);
            Thread t = new Thread(() -> run(loop), loop.name());
            threads[i] = t;
            t.start();
        }
        try {
            if (!running.await(START_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                throw new IllegalStateException(
                        "IOLoopGroup '" + prefix + "': a loop did not start within " + START_TIMEOUT_SECONDS + " s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while starting IOLoopGroup '" + prefix + "'", e);
        }
    }

    private void run(IOLoop loop) {
        try {
            loop.start();
        } catch (Throwable t) {
            log.error("IOLoop '{}' of group '{}' died; the other loops go on", loop.name(), prefix, t);
        }
    }

    /**
     * Stops every loop and returns once every loop thread has left {@link IOLoop#start()}. Called on a loop thread of
     * the group, it stops every loop but does not wait for its own thread, which leaves {@code start()} when the call
     * returns. Loops not running are left as they are.
     */
    public void stop() {
        Thread[] started;
        synchronized (this) {
            started = threads.clone();
        }
        for (int i = 0; i < loops.size(); i++) {
            if (started[i] != null && started[i].isAlive()) {
                loops.get(i).stop();
            }
        }
        boolean interrupted = false;
        for (Thread t : started) {
            while (t != null && t != Thread.currentThread() && t.isAlive()) {
                try {
                    t.join();
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** Stops the group if it runs, then closes every loop (and the channels still registered on it). Idempotent. */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        stop();
        for (IOLoop loop : loops) {
            loop.close(true);
        }
    }

    /** Returns the loops, loop {@code i} named {@code prefix-i}; an unmodifiable list. */
    public List<IOLoop> loops() {
        return loops;
    }

    /** Returns the next loop in round-robin order; lock-free, from any thread. */
    public IOLoop next() {
        return loops.get(Math.floorMod(nextIndex.getAndIncrement(), loops.size()));
    }

    /** Returns the number of loops. */
    public int size() {
        return loops.size();
    }

    /** Returns the prefix of the loops' names. */
    public String name() {
        return prefix;
    }

    /** Returns whether the group is closed. */
    public synchronized boolean isClosed() {
        return closed;
    }

    @Override
    public String toString() {
        return "IOLoopGroup[" + prefix + ", " + loops.size() + " loops]";
    }

    /**
     * Options of a new {@link IOLoopGroup}: the number of loops, plus every option of {@link IOLoop.Builder}, which
     * each loop gets ({@link #name(String)} is the prefix of the loops' names, default {@code ioloop}).
     */
    public static final class Builder extends AbstractIOLoopBuilder<Builder> {

        private int loops = Runtime.getRuntime().availableProcessors();

        private Builder() {}

        /**
         * Sets the number of loops (default: the available processors).
         *
         * @param n at least 1
         * @throws IllegalArgumentException if {@code n < 1}
         */
        public Builder loops(int n) {
            if (n < 1) {
                throw new IllegalArgumentException("an IOLoopGroup needs at least 1 loop: " + n);
            }
            this.loops = n;
            return this;
        }

        /**
         * Builds the group and each loop's poller; nothing runs until {@link IOLoopGroup#start()}.
         *
         * @throws IllegalArgumentException if the poller name is unknown
         */
        public IOLoopGroup build() {
            return new IOLoopGroup(this);
        }

        @Override
        Builder self() {
            return this;
        }
    }
}
