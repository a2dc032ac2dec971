package dev.ioloop.boot.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ioloop.IOLoop;
import dev.ioloop.boot.IOLoopLifecycle;
import dev.ioloop.boot.IoHandlerRegistrar;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

@Timeout(30)
class IOLoopAutoConfigurationTests {

    private final ApplicationContextRunner runner =
            new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(IOLoopAutoConfiguration.class));

    @AfterEach
    void noInstanceLeftBehind() {
        assertThat(IOLoop.initialized()).isFalse();
    }

    @Test
    void runsOneInstalledLoopOnItsOwnThreadWhileTheContextLives() {
        AtomicReference<IOLoop> bean = new AtomicReference<>();
        runner.run(context -> {
            assertThat(context)
                    .hasSingleBean(IOLoop.class)
                    .hasSingleBean(IOLoopLifecycle.class)
                    .hasSingleBean(IoHandlerRegistrar.class);
            IOLoop loop = context.getBean(IOLoop.class);
            bean.set(loop);
            assertThat(loop.isRunning()).isTrue();
            assertThat(loop.name()).isEqualTo("ioloop");
            assertThat(loop.pollerName()).isEqualTo("selector");
            assertThat(loop.thread().getName()).isEqualTo("ioloop");
            assertThat(loop.thread().isDaemon()).isFalse();
            assertThat(IOLoop.instance()).isSameAs(loop);
            assertThat(IOLoop.current()).isSameAs(loop);
        });
        assertThat(bean.get().isRunning()).isFalse();
        assertThat(bean.get().isClosed()).isTrue();
        assertThat(IOLoop.initialized()).isFalse();
    }

    @Test
    void runsCallbacksFromOtherThreadsOnTheLoopThread() {
        runner.run(context -> {
            AtomicReference<String> ranOn = new AtomicReference<>();
            context.getBean(IOLoop.class)
                    .addCallback(() -> ranOn.set(Thread.currentThread().getName()));
            await().until(() -> "ioloop".equals(ranOn.get()));
        });
    }

    @Test
    void backsOffWhenDisabled() {
        runner.withPropertyValues("ioloop.enabled=false").run(context -> {
            assertThat(context)
                    .doesNotHaveBean(IOLoop.class)
                    .doesNotHaveBean(IOLoopLifecycle.class)
                    .doesNotHaveBean(IOLoopProperties.class);
            assertThat(IOLoop.initialized()).isFalse();
        });
    }

    @Test
    void backsOffForTheApplicationsOwnLoopButStillRunsIt() {
        runner.withUserConfiguration(OwnLoop.class).run(context -> {
            IOLoop loop = context.getBean(IOLoop.class);
            assertThat(loop.name()).isEqualTo("mine");
            assertThat(context).hasBean("myLoop").doesNotHaveBean("ioLoop");
            assertThat(loop.isRunning()).isTrue();
            assertThat(IOLoop.initialized())
                    .as("the application's loop is not installed for it")
                    .isFalse();
        });
    }

    @Test
    void startsWithoutMicrometerActuatorOrHealth() {
        new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(
                        IOLoopAutoConfiguration.class,
                        IOLoopMetricsAutoConfiguration.class,
                        IOLoopHealthContributorAutoConfiguration.class,
                        IOLoopEndpointAutoConfiguration.class))
                .withClassLoader(new FilteredClassLoader(
                        "org.springframework.boot.health", "org.springframework.boot.actuate", "io.micrometer"))
                .run(context -> {
                    assertThat(context).hasNotFailed().hasSingleBean(IOLoop.class);
                    assertThat(context)
                            .doesNotHaveBean("ioLoopMeterBinder")
                            .doesNotHaveBean("ioloopHealthIndicator")
                            .doesNotHaveBean("ioLoopEndpoint");
                    assertThat(context.getBean(IOLoop.class).isRunning()).isTrue();
                });
    }

    @Test
    void bindsNamesAndDurations() {
        runner.withPropertyValues(
                        "ioloop.name=edge",
                        "ioloop.thread-name=edge-io",
                        "ioloop.blocked-threshold=250ms",
                        "ioloop.shutdown-timeout=3s",
                        "ioloop.handler-failure-limit=3")
                .run(context -> {
                    IOLoopProperties properties = context.getBean(IOLoopProperties.class);
                    assertThat(properties.shutdownTimeout()).hasSeconds(3);
                    IOLoop loop = context.getBean(IOLoop.class);
                    assertThat(loop.name()).isEqualTo("edge");
                    assertThat(loop.blockedThresholdNanos()).isEqualTo(250_000_000L);
                    assertThat(loop.handlerFailureLimit()).isEqualTo(3);
                    assertThat(loop.thread().getName()).isEqualTo("edge-io");
                });
    }

    @Test
    void zeroBlockedThresholdTurnsTheWatchdogOff() {
        runner.withPropertyValues("ioloop.blocked-threshold=0")
                .run(context -> assertThat(context.getBean(IOLoop.class).blockedThresholdNanos())
                        .isZero());
    }

    @Test
    void unknownPollerFailsStartupWithTheAvailableOnes() {
        runner.withPropertyValues("ioloop.poller=foo")
                .run(context -> assertThat(context)
                        .getFailure()
                        .rootCause()
                        .hasMessage("unknown poller 'foo' (available: [selector])"));
    }

    @Test
    void blankNameFailsStartup() {
        runner.withPropertyValues("ioloop.name= ")
                .run(context -> assertThat(context)
                        .getFailure()
                        .rootCause()
                        .hasMessageContaining("ioloop.name must not be blank"));
    }

    @Test
    void negativeDurationFailsStartupWithWhatIsAllowed() {
        runner.withPropertyValues("ioloop.blocked-threshold=-1s")
                .run(context -> assertThat(context)
                        .getFailure()
                        .rootCause()
                        .hasMessageContaining("ioloop.blocked-threshold must be >= 0 (0 disables the watchdog)"));
        runner.withPropertyValues("ioloop.shutdown-timeout=0s")
                .run(context -> assertThat(context)
                        .getFailure()
                        .rootCause()
                        .hasMessageContaining("ioloop.shutdown-timeout must be > 0"));
    }

    @Configuration(proxyBeanMethods = false)
    static class OwnLoop {

        @Bean
        IOLoop myLoop() {
            return IOLoop.builder().name("mine").build();
        }
    }
}
