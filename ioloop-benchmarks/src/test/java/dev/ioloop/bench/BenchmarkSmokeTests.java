package dev.ioloop.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.epoll.Epoll;
import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.runner.options.VerboseMode;

/**
 * Runs every benchmark once, in this JVM, for 50 ms with its smallest parameters: proof that each one sets up,
 * measures and tears down (sockets, loops, Netty groups) without error. It measures nothing.
 */
class BenchmarkSmokeTests {

    @BeforeAll
    static void ignoreJmhLock() {
        // JMH lets one run per machine hold /tmp/jmh.lock; this run measures nothing, so a benchmark running
        // meanwhile (in another terminal, or another checkout's build) must not fail it.
        System.setProperty("jmh.ignoreLock", "true");
    }

    @ParameterizedTest
    @ValueSource(
            classes = {
                CallbackBenchmark.class,
                LoopIterationBenchmark.class,
                TimerBenchmark.class,
                DispatchBenchmark.class,
                StreamBenchmark.class,
                GroupHandoffBenchmark.class
            })
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void benchmarkRunsOneTinyIteration(Class<?> benchmark) throws RunnerException {
        ChainedOptionsBuilder options = new OptionsBuilder()
                .include(benchmark.getName() + "\\.")
                .forks(0)
                .warmupIterations(0)
                .measurementIterations(1)
                .measurementTime(TimeValue.milliseconds(50))
                .shouldFailOnError(true)
                .verbosity(VerboseMode.SILENT);
        List<String> targets = paramValues(benchmark, "target");
        if (!Epoll.isAvailable()) {
            targets.removeIf(t -> t.contains("epoll"));
        }
        options.param("target", targets.toArray(String[]::new));
        if (!paramValues(benchmark, "pending").isEmpty()) {
            options.param("pending", "1000");
        }

        Collection<RunResult> results = new Runner(options.build()).run();

        assertThat(results).isNotEmpty();
        assertThat(results).allSatisfy(result -> {
            String label =
                    result.getParams().getBenchmark() + " " + result.getParams().getParam("target");
            assertThat(result.getPrimaryResult().getScore()).as(label).isPositive();
        });
        assertThat(results)
                .extracting(result -> result.getParams().getParam("target"))
                .containsAll(targets);
    }

    /** Returns the values of the {@code @Param} field {@code name} of the class or one of its state classes. */
    private static List<String> paramValues(Class<?> benchmark, String name) {
        List<Class<?>> classes = new ArrayList<>(List.of(benchmark));
        classes.addAll(Arrays.asList(benchmark.getDeclaredClasses()));
        for (Class<?> c : classes) {
            for (Field field : c.getDeclaredFields()) {
                Param param = field.getAnnotation(Param.class);
                if (param != null && field.getName().equals(name)) {
                    return new ArrayList<>(Arrays.asList(param.value()));
                }
            }
        }
        return new ArrayList<>();
    }
}
