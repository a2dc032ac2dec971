package dev.ioloop.boot.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ioloop.IOLoop;
import dev.ioloop.boot.metrics.IOLoopMeterBinder;
import dev.ioloop.boot.sample.EchoServer;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.net.InetAddress;
import java.net.Socket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

@Timeout(30)
class IOLoopMetricsAutoConfigurationTests {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(
                    MetricsAutoConfiguration.class,
                    SimpleMetricsExportAutoConfiguration.class,
                    CompositeMeterRegistryAutoConfiguration.class,
                    IOLoopAutoConfiguration.class,
                    IOLoopMetricsAutoConfiguration.class));

    @Test
    void bindsEveryMeterTaggedWithTheLoopName() {
        runner.withPropertyValues("ioloop.name=edge").run(context -> {
            MeterRegistry registry = context.getBean(MeterRegistry.class);
            assertThat(context).hasSingleBean(IOLoopMeterBinder.class);
            for (String name : new String[] {
                "ioloop.latency",
                "ioloop.handlers",
                "ioloop.callbacks.pending",
                "ioloop.timeouts.pending",
                "ioloop.iterations",
                "ioloop.events",
                "ioloop.errors",
                "ioloop.blocked",
                "ioloop.handlers.closed",
                "ioloop.utilization",
                "ioloop.busy.time",
                "ioloop.idle.time"
            }) {
                Meter meter = registry.find(name).tag("loop", "edge").meter();
                assertThat(meter).as(name).isNotNull();
                assertThat(meter.getId().getDescription())
                        .as(name + " description")
                        .isNotBlank();
            }
            assertThat(registry.get("ioloop.events").functionCounter().getId().getBaseUnit())
                    .as("no unit that would repeat the name in Prometheus (ioloop_events_events_total)")
                    .isNull();
            assertThat(registry.get("ioloop.busy.time")
                            .functionCounter()
                            .getId()
                            .getBaseUnit())
                    .isEqualTo("seconds");
        });
    }

    @Test
    void latencyCountGrowsWithRealWorkFromAnotherThread() {
        runner.run(context -> {
            Timer latency = context.getBean(MeterRegistry.class)
                    .get("ioloop.latency")
                    .tag("loop", "ioloop")
                    .timer();
            long before = latency.count();
            IOLoop loop = context.getBean(IOLoop.class);
            for (int i = 0; i < 10; i++) {
                loop.addCallback(() -> {});
            }
            await().until(() -> latency.count() > before);
        });
    }

    @Test
    void handlerCallsGrowWhenARealClientConnectsToAnIoHandler() {
        runner.withUserConfiguration(EchoServer.class).run(context -> {
            MeterRegistry registry = context.getBean(MeterRegistry.class);
            FunctionCounter calls = registry.get("ioloop.handler.calls")
                    .tags("loop", "ioloop", "handler", "echo")
                    .functionCounter();
            assertThat(calls.count()).isZero();
            assertThat(registry.get("ioloop.handlers").gauge().value()).isEqualTo(1);
            int port = context.getEnvironment().getRequiredProperty("local.ioloop.echo.port", Integer.class);
            try (Socket client = new Socket(InetAddress.getLoopbackAddress(), port)) {
                await().until(() -> calls.count() >= 1);
                await().until(() -> registry.get("ioloop.handlers").gauge().value() == 2); // acceptor + connection
            }
            assertThat(registry.get("ioloop.events").functionCounter().count()).isGreaterThanOrEqualTo(1);
            assertThat(registry.get("ioloop.iterations").functionCounter().count())
                    .isPositive();
        });
    }

    @Test
    void backsOffWithoutMicrometer() {
        new ApplicationContextRunner()
                .withConfiguration(
                        AutoConfigurations.of(IOLoopAutoConfiguration.class, IOLoopMetricsAutoConfiguration.class))
                .withClassLoader(new FilteredClassLoader("io.micrometer"))
                .run(context -> assertThat(context).hasNotFailed().doesNotHaveBean(IOLoopMeterBinder.class));
    }

    @Test
    void backsOffWithoutAMeterRegistry() {
        new ApplicationContextRunner()
                .withConfiguration(
                        AutoConfigurations.of(IOLoopAutoConfiguration.class, IOLoopMetricsAutoConfiguration.class))
                .run(context -> assertThat(context).hasNotFailed().doesNotHaveBean(IOLoopMeterBinder.class));
    }

    @Test
    void backsOffWhenTheLoopIsDisabled() {
        runner.withPropertyValues("ioloop.enabled=false")
                .run(context -> assertThat(context).hasNotFailed().doesNotHaveBean(IOLoopMeterBinder.class));
    }
}
