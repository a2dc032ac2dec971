package dev.ioloop.boot.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ioloop.IOLoop;
import dev.ioloop.boot.IOLoopLifecycle;
import dev.ioloop.boot.IoHandlerRegistrar;
import dev.ioloop.boot.actuate.IOLoopEndpoint;
import dev.ioloop.boot.metrics.IOLoopMeterBinder;
import dev.ioloop.stream.StreamOptions;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.ConfigurableEnvironment;

/** Every bean the starter defines backs off for the application's own bean of that type, which is used instead. */
@Timeout(30)
class IOLoopBackOffTests {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withPropertyValues("management.endpoints.web.exposure.include=ioloop")
            .withConfiguration(AutoConfigurations.of(
                    MetricsAutoConfiguration.class,
                    SimpleMetricsExportAutoConfiguration.class,
                    CompositeMeterRegistryAutoConfiguration.class,
                    IOLoopAutoConfiguration.class,
                    IOLoopMetricsAutoConfiguration.class,
                    IOLoopEndpointAutoConfiguration.class));

    @Test
    void theApplicationsOwnBeansAreUsedInsteadOfTheStartersOnes() {
        runner.withUserConfiguration(OwnBeans.class).run(context -> {
            assertThat(context).hasNotFailed();
            assertThat(context).getBean(IOLoopLifecycle.class).isSameAs(context.getBean("myLifecycle"));
            assertThat(context).getBean(IoHandlerRegistrar.class).isSameAs(context.getBean("myRegistrar"));
            assertThat(context).getBean(IOLoopMeterBinder.class).isSameAs(context.getBean("myBinder"));
            assertThat(context).getBean(IOLoopEndpoint.class).isSameAs(context.getBean("myEndpoint"));
            assertThat(context).getBean(StreamOptions.class).isSameAs(context.getBean("myStreamOptions"));
            assertThat(context.getBean(IOLoop.class).name()).isEqualTo("mine");
            assertThat(context.getBean(IOLoop.class).isRunning())
                    .as("my lifecycle runs my loop")
                    .isTrue();
        });
    }

    @Configuration(proxyBeanMethods = false)
    static class OwnBeans {
        @Bean
        IOLoop myLoop() {
            return IOLoop.builder().name("mine").blockedThreshold(Duration.ZERO).build();
        }

        @Bean
        IoHandlerRegistrar myRegistrar(IOLoop loop, ListableBeanFactory beans, ConfigurableEnvironment env) {
            return new IoHandlerRegistrar(loop, beans, env);
        }

        @Bean
        IOLoopLifecycle myLifecycle(IOLoop loop, IoHandlerRegistrar registrar) {
            return new IOLoopLifecycle(loop, registrar, "my-loop", Duration.ofSeconds(5));
        }

        @Bean
        IOLoopMeterBinder myBinder(IOLoop loop) {
            return new IOLoopMeterBinder(loop, null);
        }

        @Bean
        IOLoopEndpoint myEndpoint(IOLoop loop) {
            return new IOLoopEndpoint(loop, null);
        }

        @Bean
        StreamOptions myStreamOptions() {
            return StreamOptions.builder().maxBufferSize(4096).build();
        }
    }
}
