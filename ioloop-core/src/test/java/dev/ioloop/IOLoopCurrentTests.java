package dev.ioloop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** current(), instance(), install() and their thread-local and global state. */
class IOLoopCurrentTests {

    @AfterEach
    void clearGlobalState() {
        if (IOLoop.initialized()) {
            IOLoop.instance().close();
        }
        IOLoop.clearInstance();
        IOLoop.clearCurrent();
    }

    @Test
    void newLoopIsNotMadeCurrentByConstruction() {
        try (IOLoop loop = new IOLoop()) {
            assertThat(IOLoop.current(false)).isNull();
            assertThat(loop.isRunning()).isFalse();
        }
    }

    @Test
    void currentFallsBackToTheInstanceAndCurrentFalseDoesNot() {
        assertThat(IOLoop.current(false)).isNull();
        assertThat(IOLoop.initialized()).isFalse();
        IOLoop global = IOLoop.current();
        assertThat(global).isSameAs(IOLoop.instance()).isSameAs(IOLoop.current(true));
        assertThat(IOLoop.current(false)).isNull();
    }

    @Test
    void makeCurrentAndClearCurrentAreThreadLocal() throws Exception {
        try (IOLoop loop = new IOLoop()) {
            loop.makeCurrent();
            assertThat(IOLoop.current()).isSameAs(loop);
            ExecutorService other = Executors.newSingleThreadExecutor();
            try {
                assertThat(other.submit(() -> IOLoop.current(false)).get(5, TimeUnit.SECONDS))
                        .isNull();
            } finally {
                other.shutdown();
            }
            IOLoop.clearCurrent();
            assertThat(IOLoop.current(false)).isNull();
        }
    }

    @Test
    @Timeout(30)
    void instanceIsCreatedExactlyOnceUnderRaces() throws Exception {
        int threads = 8;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<IOLoop>> results = new ArrayList<>();
            for (int i = 0; i < threads; i++) {
                results.add(pool.submit(() -> {
                    go.await();
                    return IOLoop.instance();
                }));
            }
            go.countDown();
            Set<IOLoop> seen = ConcurrentHashMap.newKeySet();
            for (Future<IOLoop> f : results) {
                seen.add(f.get(10, TimeUnit.SECONDS));
            }
            assertThat(seen).hasSize(1);
        } finally {
            pool.shutdown();
        }
    }

    @Test
    void installMakesALoopTheInstanceAndRefusesASecondOne() {
        try (IOLoop first = TestLoops.unwatched().name("first").build();
                IOLoop second = TestLoops.unwatched().name("second").build()) {
            first.install();
            first.install(); // installing the installed loop again is harmless
            assertThat(IOLoop.instance()).isSameAs(first);
            assertThatThrownBy(second::install)
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("first");
            IOLoop.clearInstance();
            assertThat(first.isClosed()).as("clearInstance does not close").isFalse();
            second.install();
            assertThat(IOLoop.instance()).isSameAs(second);
            assertThat(IOLoop.clearInstance(first)).as("not the installed one").isFalse();
            assertThat(IOLoop.instance()).isSameAs(second);
            assertThat(IOLoop.clearInstance(second)).isTrue();
            assertThat(IOLoop.initialized()).isFalse();
        }
    }

    @Test
    void builderRejectsBadOptionsWithTheValueInTheMessage() {
        assertThatThrownBy(() -> IOLoop.builder().poller("kqueue-on-linux").build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("kqueue-on-linux")
                .hasMessageContaining("selector");
        assertThatThrownBy(() -> IOLoop.builder().blockedThreshold(Duration.ofMillis(-1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("PT-0.001S");
        assertThatThrownBy(() -> IOLoop.builder().name(" ")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void builderOptionsAreApplied() {
        try (IOLoop loop = IOLoop.builder()
                .name("custom")
                .poller("selector")
                .clock(() -> 42L)
                .blockedThreshold(Duration.ofMillis(250))
                .build()) {
            assertThat(loop.name()).isEqualTo("custom");
            assertThat(loop.pollerName()).isEqualTo("selector");
            assertThat(loop.time()).isEqualTo(42L);
            assertThat(loop.blockedThresholdNanos()).isEqualTo(250_000_000L);
            assertThat(loop).hasToString("IOLoop[custom, poller=selector]");
        }
    }
}
