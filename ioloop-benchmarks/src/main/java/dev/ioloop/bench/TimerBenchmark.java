package dev.ioloop.bench;

import dev.ioloop.IOLoop;
import dev.ioloop.Timeout;
import io.netty.channel.ManualIoEventLoop;
import io.netty.util.HashedWheelTimer;
import io.netty.util.TimerTask;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.Duration;
import java.util.concurrent.ThreadFactory;
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
import org.openjdk.jmh.annotations.Warmup;

/**
 * Scheduling and cancelling far-future timers with {@code pending} others outstanding, the pattern of request or
 * idle timeouts: each operation cancels the oldest pending timer (the one with the earliest deadline) and
 * schedules a new one an hour from now, so the number pending stays constant and no timer ever fires.
 *
 * <p>All three run on the thread that owns the timers, as a handler or callback on the loop would:
 * <ul>
 *   <li>{@code ioloop}: {@code callLater}/{@code Timeout.cancel()} on an {@link IOLoop} that is not started.
 *       While a loop is not running the calling thread may use all of it, and these calls take the same path
 *       as on the loop thread of a running loop (a heap insert, an O(log n) removal).</li>
 *   <li>{@code netty}: {@code schedule}/{@code cancel(false)} on a Netty 4.2 {@link ManualIoEventLoop} owned by
 *       the benchmark thread, so {@code inEventLoop()} is true and both go straight to Netty's scheduled-task
 *       heap. Scheduling from outside the loop would instead queue a task per call, as would
 *       {@code addCallback(() -> loop.callLater(...))} for ioloop: that is a different benchmark.</li>
 *   <li>{@code hashed-wheel}: Netty's {@link HashedWheelTimer} (1 ms tick, 1024 buckets), which always runs
 *       its own worker thread: {@code newTimeout} and {@code cancel} enqueue, and the worker moves timers into
 *       buckets (at most 100,000 per tick) and drops cancelled ones. Its worker uses the second core.</li>
 * </ul>
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(
        value = 2,
        jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
@State(Scope.Thread)
public class TimerBenchmark {

    private static final Duration DELAY = Duration.ofHours(1);
    private static final long DELAY_NANOS = DELAY.toNanos();
    private static final Runnable TASK = () -> {};
    private static final TimerTask WHEEL_TASK = timeout -> {};

    @Param({"1000", "100000", "1000000"})
    public int pending;

    @Param({"ioloop", "netty", "hashed-wheel"})
    public String target;

    private IOLoop loop;
    private Timeout[] loopTimeouts;
    private ManualIoEventLoop netty;
    private ScheduledFuture<?>[] nettyTimeouts;
    private HashedWheelTimer wheel;
    private io.netty.util.Timeout[] wheelTimeouts;
    private int oldest;

    @Setup(Level.Trial)
    public void open() {
        switch (target) {
            case "ioloop" -> {
                loop = IOLoop.builder().name("bench-loop").build();
                loopTimeouts = new Timeout[pending];
                for (int i = 0; i < pending; i++) {
                    loopTimeouts[i] = loop.callLater(DELAY, TASK);
                }
            }
            case "netty" -> {
                netty = new ManualIoEventLoop(Thread.currentThread(), NettyTransport.NIO.ioHandlerFactory());
                nettyTimeouts = new ScheduledFuture<?>[pending];
                for (int i = 0; i < pending; i++) {
                    nettyTimeouts[i] = netty.schedule(TASK, DELAY_NANOS, TimeUnit.NANOSECONDS);
                }
            }
            case "hashed-wheel" -> {
                ThreadFactory threads = r -> {
                    Thread t = new Thread(r, "bench-wheel");
                    t.setDaemon(true);
                    return t;
                };
                wheel = new HashedWheelTimer(threads, 1, TimeUnit.MILLISECONDS, 1024);
                wheelTimeouts = new io.netty.util.Timeout[pending];
                for (int i = 0; i < pending; i++) {
                    wheelTimeouts[i] = wheel.newTimeout(WHEEL_TASK, DELAY_NANOS, TimeUnit.NANOSECONDS);
                }
            }
            default -> throw new IllegalArgumentException("unknown target: " + target);
        }
    }

    @TearDown(Level.Trial)
    public void close() {
        if (loop != null) {
            loop.stop();
            loop.close(true);
        }
        if (netty != null) {
            netty.shutdownGracefully(0, 5, TimeUnit.SECONDS);
            while (!netty.isTerminated()) {
                netty.runNow();
            }
        }
        if (wheel != null) {
            wheel.stop();
        }
    }

    @Benchmark
    public Object scheduleAndCancel() {
        int i = oldest;
        oldest = i + 1 == pending ? 0 : i + 1;
        if (loop != null) {
            loopTimeouts[i].cancel();
            return loopTimeouts[i] = loop.callLater(DELAY, TASK);
        }
        if (netty != null) {
            nettyTimeouts[i].cancel(false);
            return nettyTimeouts[i] = netty.schedule(TASK, DELAY_NANOS, TimeUnit.NANOSECONDS);
        }
        wheelTimeouts[i].cancel();
        return wheelTimeouts[i] = wheel.newTimeout(WHEEL_TASK, DELAY_NANOS, TimeUnit.NANOSECONDS);
    }
}
