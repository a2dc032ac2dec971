package dev.ioloop.bench;

import dev.ioloop.IOLoop;
import dev.ioloop.IOLoopGroup;
import io.netty.channel.ManualIoEventLoop;
import java.time.Duration;
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
 * One loop iteration that runs one callback queued from the loop thread, stepped by the benchmark thread: the
 * fixed cost of an iteration (a non-blocking poll, the bookkeeping around it) plus the loop-thread path of
 * {@code addCallback}.
 *
 * <ul>
 *   <li>{@code ioloop}: {@link IOLoop#runOnce(Duration) runOnce(ZERO)} on a loop that is not started; the
 *       callback re-adds itself, from inside the iteration, so each operation is one loop-thread
 *       {@code addCallback} (the ring, not the cross-thread queue), one {@code selectNow} and one callback run.
 *       {@code ioloop} keeps the default 1 s blocked-loop watchdog; {@code ioloop-nowatchdog} turns it off with
 *       {@code blockedThreshold(Duration.ZERO)}, to show what a watched loop pays per iteration (a volatile read
 *       of the watchdog's dormant flag after each poll; it joins the watchdog once, on its first run).</li>
 *   <li>{@code ioloop-group}: the same on loop 0 ({@code bench-loop-0}) of an {@link IOLoopGroup} of one loop,
 *       built with the same watchdog as {@code ioloop} and not started: the benchmark thread steps loop 0 as it
 *       steps the plain loop, to show that a loop built by a group costs what a plain one does. One loop, since
 *       a second one, never stepped, would change nothing.</li>
 *   <li>{@code netty-nio}, {@code netty-epoll}: Netty 4.2's {@link ManualIoEventLoop} owned by the benchmark
 *       thread; each operation is {@code execute(task)} from the owning thread (Netty's in-loop path) and
 *       {@code runNow()} (a non-blocking poll, then the task). Netty drains every task queued during the run,
 *       so its task cannot re-add itself as ioloop's does; adding it before the step is the equivalent.</li>
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
public class LoopIterationBenchmark {

    @Param({"ioloop", "ioloop-nowatchdog", "ioloop-group", "netty-nio", "netty-epoll"})
    public String target;

    private IOLoop loop;
    private IOLoopGroup group;
    private ManualIoEventLoop netty;
    private Runnable task;
    long runs;

    @Setup(Level.Trial)
    public void open() {
        switch (target) {
            case "ioloop", "ioloop-nowatchdog", "ioloop-group" -> {
                Duration threshold = target.equals("ioloop-nowatchdog") ? Duration.ZERO : Duration.ofSeconds(1);
                if (target.equals("ioloop-group")) {
                    group = IOLoopGroup.builder()
                            .loops(1)
                            .name("bench-loop")
                            .blockedThreshold(threshold)
                            .build();
                    loop = group.loops().get(0);
                } else {
                    loop = IOLoop.builder()
                            .name("bench-loop")
                            .blockedThreshold(threshold)
                            .build();
                }
                task = new Runnable() {
                    @Override
                    public void run() {
                        runs++;
                        loop.addCallback(this);
                    }
                };
                loop.addCallback(task);
            }
            case "netty-nio", "netty-epoll" -> {
                netty = new ManualIoEventLoop(
                        Thread.currentThread(), NettyTransport.of(target).ioHandlerFactory());
                task = () -> runs++;
            }
            default -> throw new IllegalArgumentException("unknown target: " + target);
        }
    }

    @TearDown(Level.Trial)
    public void close() {
        if (group != null) {
            group.close();
        } else if (loop != null) {
            loop.stop();
            loop.close(true);
        }
        if (netty != null) {
            netty.shutdownGracefully(0, 5, TimeUnit.SECONDS);
            while (!netty.isTerminated()) {
                netty.runNow();
            }
        }
    }

    @Benchmark
    public int iteration() {
        if (loop != null) {
            return loop.runOnce(Duration.ZERO);
        }
        netty.execute(task);
        return netty.runNow();
    }
}
