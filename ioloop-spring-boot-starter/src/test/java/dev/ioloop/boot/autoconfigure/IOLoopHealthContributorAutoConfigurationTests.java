package dev.ioloop.boot.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.Mockito.mock;

import dev.ioloop.boot.health.IOLoopHealthIndicator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.health.autoconfigure.contributor.HealthContributorAutoConfiguration;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

@Timeout(30)
class IOLoopHealthContributorAutoConfigurationTests {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(
                    IOLoopAutoConfiguration.class,
                    IOLoopHealthContributorAutoConfiguration.class,
                    HealthContributorAutoConfiguration.class));

    @Test
    void contributesAnIndicatorNamedIoloopThatIsUpWhileTheLoopRuns() {
        runner.run(context -> {
            assertThat(context).hasSingleBean(IOLoopHealthIndicator.class).hasBean("ioloopHealthIndicator");
            assertThat(context.getBean(IOLoopHealthIndicator.class).health().getStatus())
                    .isEqualTo(Status.UP);
        });
    }

    @Test
    void backsOffWhenTheIndicatorIsDisabled() {
        runner.withPropertyValues("management.health.ioloop.enabled=false")
                .run(context -> assertThat(context).doesNotHaveBean(IOLoopHealthIndicator.class));
    }

    @Test
    void backsOffWhenTheApplicationHasItsOwnIndicator() {
        IOLoopHealthIndicator own = mock(IOLoopHealthIndicator.class);
        runner.withBean("ioloopHealthIndicator", IOLoopHealthIndicator.class, () -> own)
                .run(context ->
                        assertThat(context.getBean(IOLoopHealthIndicator.class)).isSameAs(own));
    }

    @Test
    void backsOffWithoutSpringBootHealth() {
        new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(
                        IOLoopAutoConfiguration.class, IOLoopHealthContributorAutoConfiguration.class))
                .withClassLoader(new FilteredClassLoader("org.springframework.boot.health"))
                .run(context -> assertThat(context).hasNotFailed().doesNotHaveBean("ioloopHealthIndicator"));
    }

    @Test
    void backsOffWhenTheLoopIsDisabled() {
        runner.withPropertyValues("ioloop.enabled=false")
                .run(context -> assertThat(context).hasNotFailed().doesNotHaveBean(IOLoopHealthIndicator.class));
    }
}
