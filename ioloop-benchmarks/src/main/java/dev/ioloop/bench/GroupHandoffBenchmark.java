package dev.ioloop.bench;

import dev.ioloop.IOLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Handing work between two loops of one group: a callback from loop A to loop B and back, ioloop's
 * {@code IOLoopGroup} ({@code addCallback}) against two loops of Netty's {@code MultiThreadIoEventLoopGroup}
 * ({@code execute}), NIO and epoll.
 *
 * <ul>
 *   <li>{@code pingPong}: one task bounces A → B → A {@value #BOUNCES} times; an operation is one round trip (two
 *       hand-offs). Only one task is in flight, so each hand-off finds the other loop idle: this is the price of
 *       waking a loop that just went to sleep (ioloop spins 20 µs before it sleeps when other threads handed it
 *       work, which often saves the wake-up).</li>
 *   <li>{@code stream}: loop A sends {@value #BOUNCES} tasks to B, each acknowledged back to A, with at most
 *       {@value #WINDOW} unacknowledged; an operation is one task there and back. This is the throughput of a busy
 *       pair, as when an acceptor loop hands connections over or connections hop to a loop that owns shared
 *       state.</li>
 * </ul>
 *
 * <p>The benchmark thread only starts each batch on A and waits for its end, so on a 2-core machine the two loops
 * have a core each most of the time.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(
        value = 2,
        jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
@State(Scope.Benchmark)
public class GroupHandoffBenchmark {

    static final int BOUNCES = 10_000;
    static final int WINDOW = 256;

    @Param({"ioloop", "netty-nio", "netty-epoll"})
    public String target;

    private Executor a;
    private Executor b;
    private IOLoopGroup group;
    private MultiThreadIoEventLoopGroup netty;

    // Loop A's state (only A's thread touches it while a batch runs).
    private int left;
    private int acked;
    private int inFlight;
    private CompletableFuture<Void> done;

    @Setup(Level.Trial)
    public void open() {
        if (target.equals("ioloop")) {
            group = IOLoopGroup.builder()
                    .loops(2)
                    .name("handoff")
                    .blockedThreshold(Duration.ZERO)
                    .build();
            group.start();
            a = group.loops().get(0)::addCallback;
            b = group.loops().get(1)::addCallback;
        } else {
            ThreadFactory threads = r -> {
                Thread t = new Thread(r, "handoff-" + target);
                t.setDaemon(true);
                return t;
            };
            netty = new MultiThreadIoEventLoopGroup(
                    2, threads, NettyTransport.of(target).ioHandlerFactory());
            a = netty.next();
            b = netty.next();
        }
    }

    @TearDown(Level.Trial)
    public void close() {
        if (group != null) {
            group.close();
        }
        NettyTransport.shutdown(netty);
    }

    @Benchmark
    @OperationsPerInvocation(BOUNCES)
    public void pingPong() {
        CompletableFuture<Void> finished = new CompletableFuture<>();
        a.execute(() -> bounce(BOUNCES, finished));
        finished.join();
    }

    private void bounce(int n, CompletableFuture<Void> finished) {
        if (n == 0) {
            finished.complete(null);
            return;
        }
        b.execute(() -> a.execute(() -> bounce(n - 1, finished)));
    }

    @Benchmark
    @OperationsPerInvocation(BOUNCES)
    public void stream() {
        CompletableFuture<Void> finished = new CompletableFuture<>();
        a.execute(() -> {
            left = BOUNCES;
            acked = 0;
            inFlight = 0;
            done = finished;
            send();
        });
        finished.join();
    }

    /** On A: sends while the window has room. */
    private void send() {
        while (left > 0 && inFlight < WINDOW) {
            left--;
            inFlight++;
            b.execute(this::ackFromB);
        }
    }

    /** On B: acknowledges to A. */
    private void ackFromB() {
        a.execute(this::acknowledged);
    }

    /** On A. */
    private void acknowledged() {
        inFlight--;
        if (++acked == BOUNCES) {
            done.complete(null);
        } else {
            send();
        }
    }
}
