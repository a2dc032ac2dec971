package dev.ioloop.boot.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ioloop.boot.actuate.IOLoopEndpoint;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

@Timeout(30)
class IOLoopEndpointAutoConfigurationTests {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(
                    AutoConfigurations.of(IOLoopAutoConfiguration.class, IOLoopEndpointAutoConfiguration.class));

    @Test
    void providesTheEndpointOnceExposed() {
        runner.withPropertyValues("management.endpoints.web.exposure.include=ioloop")
                .run(context -> assertThat(context).hasSingleBean(IOLoopEndpoint.class));
    }

    @Test
    void backsOffWhileTheEndpointIsNotExposed() {
        runner.run(context -> assertThat(context).doesNotHaveBean(IOLoopEndpoint.class));
    }

    @Test
    void backsOffWhenAccessToTheEndpointIsNone() {
        runner.withPropertyValues(
                        "management.endpoints.web.exposure.include=ioloop", "management.endpoint.ioloop.access=NONE")
                .run(context -> assertThat(context).doesNotHaveBean(IOLoopEndpoint.class));
    }

    @Test
    void backsOffWithoutTheActuator() {
        runner.withPropertyValues("management.endpoints.web.exposure.include=ioloop")
                .withClassLoader(new FilteredClassLoader("org.springframework.boot.actuate"))
                .run(context -> assertThat(context).hasNotFailed().doesNotHaveBean("ioLoopEndpoint"));
    }

    @Test
    void backsOffWhenTheLoopIsDisabled() {
        runner.withPropertyValues("management.endpoints.web.exposure.include=ioloop", "ioloop.enabled=false")
                .run(context -> assertThat(context).hasNotFailed().doesNotHaveBean(IOLoopEndpoint.class));
    }
}
