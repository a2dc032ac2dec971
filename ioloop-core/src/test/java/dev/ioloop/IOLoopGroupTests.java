package dev.ioloop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class IOLoopGroupTests {

    private static IOLoopGroup.Builder group(int loops) {
        return IOLoopGroup.builder().loops(loops).name("grp").blockedThreshold(Duration.ZERO);
    }

    @Test
    void eachLoopRunsOnAThreadOfItsOwnNamedAfterThePrefixAndIsCurrentThere() throws Exception {
        try (IOLoopGroup g = group(3).build()) {
            assertThat(g.size()).isEqualTo(3);
            assertThat(g.loops()).extracting(IOLoop::name).containsExactly("grp-0", "grp-1", "grp-2");
            g.start();
            for (IOLoop loop : g.loops()) {
                assertThat(loop.isRunning()).isTrue();
                CompletableFuture<String> seen = new CompletableFuture<>();
                loop.addCallback(
                        () -> seen.complete(Thread.currentThread().getName() + " " + (IOLoop.current() == loop)));
                assertThat(seen.get(10, TimeUnit.SECONDS)).isEqualTo(loop.name() + " true");
            }
        }
    }

    @Test
    void nextGoesRoundRobinFromAnyThread() throws Exception {
        try (IOLoopGroup g = group(2).build()) {
            List<IOLoop> picked = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                picked.add(g.next());
            }
            assertThat(picked)
                    .containsExactly(
                            g.loops().get(0),
                            g.loops().get(1),
                            g.loops().get(0),
                            g.loops().get(1),
                            g.loops().get(0),
                            g.loops().get(1));
            Set<IOLoop> fromThreads = ConcurrentHashMap.newKeySet();
            List<Thread> threads = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                Thread t = new Thread(() -> fromThreads.add(g.next()));
                threads.add(t);
                t.start();
            }
            for (Thread t : threads) {
                t.join();
            }
            assertThat(fromThreads).containsExactlyInAnyOrderElementsOf(g.loops());
        }
    }

    @Test
    void stopReturnsOnceEveryLoopLeftStartAndTheGroupStartsAgain() throws Exception {
        try (IOLoopGroup g = group(2).build()) {
            g.start();
            g.stop();
            assertThat(g.loops()).noneMatch(IOLoop::isRunning);
            g.start();
            assertThat(g.loops()).allMatch(IOLoop::isRunning);
            CountDownLatch ran = new CountDownLatch(2);
            g.loops().forEach(l -> l.addCallback(ran::countDown));
            assertThat(ran.await(10, TimeUnit.SECONDS)).isTrue();
        }
    }

    @Test
    void stopFromALoopThreadOfTheGroupDoesNotWaitForItself() throws Exception {
        IOLoopGroup g = group(2).build();
        try {
            g.start();
            CompletableFuture<Void> stopped = new CompletableFuture<>();
            g.loops().get(1).addCallback(() -> {
                g.stop();
                stopped.complete(null);
            });
            stopped.get(10, TimeUnit.SECONDS);
            assertThat(g.loops().get(0).isRunning()).isFalse();
        } finally {
            g.close();
        }
        assertThat(g.loops()).allMatch(IOLoop::isClosed);
    }

    @Test
    void closeStopsAndClosesEveryLoopAndIsIdempotent() throws Exception {
        IOLoopGroup g = group(2).build();
        g.start();
        g.close();
        g.close();
        assertThat(g.isClosed()).isTrue();
        assertThat(g.loops()).allMatch(IOLoop::isClosed).noneMatch(IOLoop::isRunning);
        assertThatIllegalStateException().isThrownBy(g::start).withMessageContaining("closed");
    }

    @Test
    void aLoopWhoseThreadDiesLeavesTheOthersServing() throws Exception {
        try (IOLoopGroup g = group(2).build()) {
            g.start();
            IOLoop dying = g.loops().get(0);
            dying.addCallback(() -> {
                throw new OutOfMemoryError("simulated: an Error out of a callback ends the loop's thread");
            });
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> !dying.isRunning());
            CompletableFuture<Boolean> served = new CompletableFuture<>();
            g.loops().get(1).addCallback(() -> served.complete(true));
            assertThat(served.get(10, TimeUnit.SECONDS)).isTrue();
        }
    }

    @Test
    void badOptionsFailAtTheCall() {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> IOLoopGroup.builder().loops(0))
                .withMessage("an IOLoopGroup needs at least 1 loop: 0");
        assertThatIllegalArgumentException()
                .isThrownBy(() -> IOLoopGroup.builder().loops(1).poller("nope").build())
                .withMessageContaining("nope");
        try (IOLoopGroup g = IOLoopGroup.builder().build()) {
            assertThat(g.size()).isEqualTo(Runtime.getRuntime().availableProcessors());
            assertThat(g.loops()).extracting(IOLoop::name).startsWith("ioloop-0");
        }
    }
}
