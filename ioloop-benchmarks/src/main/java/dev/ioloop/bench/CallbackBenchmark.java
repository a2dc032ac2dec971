package dev.ioloop.bench;

import dev.ioloop.IOLoop;
import dev.ioloop.IOLoopGroup;
import io.netty.channel.EventLoopGroup;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Handing a task to a running single-threaded loop from other threads: ioloop's {@code addCallback} against
 * Netty's {@code EventLoop.execute} (NIO and epoll) and a {@code ScheduledThreadPoolExecutor(1)}.
 *
 * <ul>
 *   <li>{@code throughput1} and {@code throughput4}: one or four producer threads submit as fast as the loop can
 *       run the tasks. Each producer keeps at most {@value #WINDOW} of its tasks in flight (it yields while the
 *       window is full), so an unbounded queue cannot grow until the heap is full and what is measured is the
 *       rate the pair sustains. The task is one preallocated object per producer, so {@code gc.alloc.rate.norm}
 *       is the cost of the hand-off alone.</li>
 *   <li>{@code roundTrip}: one producer submits a task and spins until the loop thread has run it (sampled
 *       latency). The loop is idle between two submissions, so this is the price of waking a sleeping loop:
 *       submit, wake-up, run, and the store the producer sees.</li>
 * </ul>
 *
 * <p>{@code ioloop-group} is {@code ioloop} on loop 0 ({@code bench-loop-0}) of an {@link IOLoopGroup} of one loop,
 * started with the group's {@code start()}: a loop built and run by a group should cost what a plain one does. One
 * loop, since a second one would only sleep in its poll on a thread of its own.
 *
 * <p>The loop runs on its own thread for every target. On a 2-core machine four producers and the loop share
 * two cores: compare the targets with each other, not with a bigger machine.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(
        value = 2,
        jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public class CallbackBenchmark {

    /** Tasks one producer may have submitted and not yet seen run. */
    static final int WINDOW = 1024;

    /** The loop under test, running on its own thread. */
    @State(Scope.Benchmark)
    public static class Target {

        @Param({"ioloop", "ioloop-group", "netty-nio", "netty-epoll", "stpe"})
        public String target;

        /**
         * ioloop and ioloop-group only: whether a {@code LatencyListener} is set, as the Spring Boot starter's meter
         * binder does. The first {@code addCallback} of each batch the loop takes then reads the clock, and the loop
         * reads it at both ends of the batch and hands the listener one sample per iteration.
         */
        @Param({"false"})
        public boolean latencyListener;

        Executor executor;
        private IOLoop loop;
        private Thread loopThread;
        private IOLoopGroup loopGroup;
        private EventLoopGroup group;
        private ScheduledThreadPoolExecutor pool;

        @Setup(Level.Trial)
        public void open() throws InterruptedException {
            switch (target) {
                case "ioloop" -> {
                    loop = IOLoop.builder().name("bench-loop").build();
                    if (latencyListener) {
                        loop.setLatencyListener(latencyNanos -> {});
                    }
                    java.util.concurrent.CountDownLatch running = new java.util.concurrent.CountDownLatch(1);
                    loop.addCallback(running::countDown);
                    loopThread = new Thread(loop::start, "bench-loop");
                    loopThread.setDaemon(true);
                    loopThread.start();
                    running.await();
                    IOLoop l = loop;
                    executor = l::addCallback;
                }
                case "ioloop-group" -> {
                    loopGroup =
                            IOLoopGroup.builder().loops(1).name("bench-loop").build();
                    IOLoop l = loopGroup.loops().get(0);
                    if (latencyListener) {
                        l.setLatencyListener(latencyNanos -> {});
                    }
                    loopGroup.start();
                    executor = l::addCallback;
                }
                case "netty-nio", "netty-epoll" -> {
                    group = NettyTransport.of(target).newSingleThreadGroup("bench-" + target);
                    executor = group.next();
                }
                case "stpe" -> {
                    pool = new ScheduledThreadPoolExecutor(1);
                    executor = pool;
                }
                default -> throw new IllegalArgumentException("unknown target: " + target);
            }
        }

        @TearDown(Level.Trial)
        public void close() throws InterruptedException {
            if (loop != null) {
                loop.stop();
                loopThread.join(5_000);
                loop.close(true);
            }
            if (loopGroup != null) {
                loopGroup.close();
            }
            NettyTransport.shutdown(group);
            if (pool != null) {
                pool.shutdownNow();
                pool.awaitTermination(5, TimeUnit.SECONDS);
            }
        }
    }

    /** One producer thread's task and in-flight window. */
    @State(Scope.Thread)
    public static class Producer {
        final Counter task = new Counter();
        long sent;

        void submit(Executor executor) {
            while (sent - task.done() >= WINDOW) {
                // Yield rather than spin: producers and the loop share two cores.
                Thread.yield();
            }
            sent++;
            executor.execute(task);
        }
    }

    /** Counts its runs; written by the loop thread only, read by its producer. */
    static final class Counter implements Runnable {
        private static final VarHandle DONE;

        static {
            try {
                DONE = MethodHandles.lookup().findVarHandle(Counter.class, "done", long.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        @SuppressWarnings("unused") // accessed through DONE
        private long done;

        @Override
        public void run() {
            DONE.setRelease(this, (long) DONE.get(this) + 1);
        }

        long done() {
            return (long) DONE.getAcquire(this);
        }
    }

    /** A task that tells its producer it has run. */
    @State(Scope.Thread)
    public static class Ping implements Runnable {
        private long asked;
        private volatile long answered;

        @Override
        public void run() {
            // asked was written before the hand-off, which orders it before this read.
            answered = asked;
        }

        void roundTrip(Executor executor) {
            long n = ++asked;
            executor.execute(this);
            while (answered != n) {
                Thread.onSpinWait();
            }
        }
    }

    @Benchmark
    @Threads(1)
    public void throughput1(Target target, Producer producer) {
        producer.submit(target.executor);
    }

    @Benchmark
    @Threads(4)
    public void throughput4(Target target, Producer producer) {
        producer.submit(target.executor);
    }

    @Benchmark
    @Threads(1)
    @BenchmarkMode(Mode.SampleTime)
    public void roundTrip(Target target, Ping ping) {
        ping.roundTrip(target.executor);
    }
}
