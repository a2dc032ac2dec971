package dev.ioloop.boot;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.ioloop.IOLoop;
import dev.ioloop.boot.autoconfigure.IOLoopAutoConfiguration;
import dev.ioloop.boot.autoconfigure.IOLoopEndpointAutoConfiguration;
import dev.ioloop.boot.autoconfigure.IOLoopHealthContributorAutoConfiguration;
import dev.ioloop.boot.autoconfigure.IOLoopMetricsAutoConfiguration;
import dev.ioloop.boot.sample.EchoServer;
import dev.ioloop.testsupport.ProcessResources;
import io.micrometer.core.instrument.MeterRegistry;
import java.lang.ref.WeakReference;
import java.net.InetAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.health.autoconfigure.contributor.HealthContributorAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * 100 start/stop cycles of a context with the starter (the loop, an {@code @IoHandler} listening on an
 * ephemeral port, its metrics, health indicator and endpoint), each serving a real client before it closes:
 * afterwards the process has the descriptors, threads and heap it had before.
 */
@Timeout(120)
class IOLoopContextCycleTests {

    private static final Logger log = LoggerFactory.getLogger(IOLoopContextCycleTests.class);

    static final int WARM_UP_CYCLES = 5;
    static final int CYCLES = 100;
    static final String THREAD_NAME = "cycle-loop";

    /**
     * Heap allowed to remain after the cycles, over the baseline. Spring Boot keeps caches per
     * {@code Environment} behind soft references (the condition of {@code @ConditionalOnAvailableEndpoint}, the
     * configuration property name caches): about 65 KB a cycle, 6.3 to 6.8 MB over 100 cycles measured, which a
     * full GC leaves alone while the heap has room (run with {@code -XX:SoftRefLRUPolicyMSPerMB=0} the cycles
     * leave 0.4 MB). A closed context kept reachable costs about 195 KB more a cycle (19.4 MB over 100 cycles
     * measured, with the soft caches cleared): 12 MB lies between the two. The weak references are the precise
     * check: each context, loop, loop thread, lifecycle, registrar and meter registry must be collectable.
     */
    static final long HEAP_TOLERANCE = 12L * 1024 * 1024;

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(
                    MetricsAutoConfiguration.class,
                    SimpleMetricsExportAutoConfiguration.class,
                    CompositeMeterRegistryAutoConfiguration.class,
                    HealthContributorAutoConfiguration.class,
                    IOLoopAutoConfiguration.class,
                    IOLoopMetricsAutoConfiguration.class,
                    IOLoopHealthContributorAutoConfiguration.class,
                    IOLoopEndpointAutoConfiguration.class))
            .withUserConfiguration(EchoServer.class)
            .withPropertyValues("ioloop.name=cycle", "ioloop.thread-name=" + THREAD_NAME);

    @Test
    void hundredContextStartStopCyclesLeaveNoDescriptorThreadOrHeapBehind() throws Exception {
        assumeTrue(ProcessResources.procAvailable(), "counts descriptors in /proc/self/fd (Linux)");
        cycles(WARM_UP_CYCLES); // loads the classes and opens the jar files a cycle needs, starts the watchdog
        Set<Thread> threadsBefore = Thread.getAllStackTraces().keySet();
        Map<Integer, String> fdsBefore = ProcessResources.openFds();
        long heapBefore = ProcessResources.usedHeapAfterGc();

        long start = System.nanoTime();
        List<WeakReference<Object>> left = cycles(CYCLES);
        long cycled = System.nanoTime();

        assertThat(threadsNamed(THREAD_NAME)).as("loop threads").isEmpty();
        assertThat(threadsNamed("cycle"))
                .as("threads of the loop named 'cycle' (its default executor)")
                .isEmpty();
        assertThat(threadsNamed("ioloop-watchdog"))
                .as("the one watchdog of the process")
                .hasSizeLessThanOrEqualTo(1);
        assertThat(IOLoop.initialized()).as("no loop left installed").isFalse();
        // Every thread alive now was alive before the cycles (some alive before may have ended since). Polled on
        // this thread: Awaitility's own would count.
        await().pollInSameThread()
                .atMost(Duration.ofSeconds(10))
                .untilAsserted(() -> assertThat(Thread.getAllStackTraces().keySet())
                        .as("threads started by the cycles and still alive")
                        .isSubsetOf(threadsBefore));
        // Nothing may be open now that was not open before.
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            Map<Integer, String> now = ProcessResources.openFds();
            assertThat(ProcessResources.opened(fdsBefore, now))
                    .as("descriptors opened by the cycles and still open")
                    .isEmpty();
            assertThat(now.size()).isLessThanOrEqualTo(fdsBefore.size());
        });
        // Nothing of a closed context stays reachable.
        await().pollInSameThread().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            System.gc();
            assertThat(left.stream()
                            .map(WeakReference::get)
                            .filter(Objects::nonNull)
                            .map(Object::toString))
                    .as("objects of closed contexts still reachable")
                    .isEmpty();
        });
        int fdsAfter = ProcessResources.openFds().size();
        long heapAfter = ProcessResources.usedHeapAfterGc();
        log.info(
                "{} context cycles in {} ms; fds {} before, {} after; threads {} before, {} after; heap after GC "
                        + "{} KB before, {} KB after ({} KB)",
                CYCLES,
                (cycled - start) / 1_000_000,
                fdsBefore.size(),
                fdsAfter,
                threadsBefore.size(),
                Thread.getAllStackTraces().size(),
                heapBefore / 1024,
                heapAfter / 1024,
                (heapAfter - heapBefore) / 1024);
        assertThat(heapAfter)
                .as("heap after GC, baseline %d bytes", heapBefore)
                .isLessThanOrEqualTo(heapBefore + HEAP_TOLERANCE);
    }

    /**
     * Runs contexts one after another, each echoing one real client; checks each one ended its loop thread and
     * closed its loop. Returns weak references to each context's own objects.
     */
    private List<WeakReference<Object>> cycles(int count) {
        List<WeakReference<Object>> objects = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            String message = "cycle " + i + "\n";
            AtomicReference<IOLoop> loop = new AtomicReference<>();
            AtomicReference<Thread> thread = new AtomicReference<>();
            runner.run(context -> {
                assertThat(context).hasNotFailed();
                loop.set(context.getBean(IOLoop.class));
                thread.set(loop.get().thread());
                for (Object o : List.of(
                        context.getSourceApplicationContext(),
                        loop.get(),
                        thread.get(),
                        context.getBean(IOLoopLifecycle.class),
                        context.getBean(IoHandlerRegistrar.class),
                        context.getBean(MeterRegistry.class))) {
                    objects.add(new WeakReference<>(o));
                }
                assertThat(thread.get().getName()).isEqualTo(THREAD_NAME);
                int port = context.getEnvironment().getRequiredProperty("local.ioloop.echo.port", Integer.class);
                try (Socket client = new Socket(InetAddress.getLoopbackAddress(), port)) {
                    client.setSoTimeout(10_000);
                    client.getOutputStream().write(message.getBytes(US_ASCII));
                    assertThat(new String(client.getInputStream().readNBytes(message.length()), US_ASCII))
                            .isEqualTo(message);
                }
                assertThat(context.getBean(MeterRegistry.class)
                                .get("ioloop.handler.calls")
                                .tag("loop", "cycle")
                                .functionCounter()
                                .count())
                        .isPositive();
            });
            assertThat(thread.get().isAlive())
                    .as("loop thread after close, cycle %d", i)
                    .isFalse();
            assertThat(loop.get().isClosed())
                    .as("loop after close, cycle %d", i)
                    .isTrue();
        }
        return objects;
    }

    private static List<Thread> threadsNamed(String prefix) {
        List<Thread> named = new ArrayList<>();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().startsWith(prefix)) {
                named.add(t);
            }
        }
        return named;
    }
}
