package dev.ioloop.boot.autoconfigure;

import dev.ioloop.IOLoop;
import dev.ioloop.IOLoopGroup;
import dev.ioloop.boot.IoHandlerRegistrar;
import dev.ioloop.boot.actuate.IOLoopEndpoint;
import java.util.List;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

/**
 * Auto-configuration of the {@code ioloop} actuator endpoint ({@link IOLoopEndpoint}), when the actuator is on
 * the class path and the endpoint is available (exposed and not switched off with
 * {@code management.endpoint.ioloop.access=none}).
 */
@AutoConfiguration(after = IOLoopAutoConfiguration.class)
@ConditionalOnClass(
        name = "org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint")
@ConditionalOnBean(IOLoop.class)
public final class IOLoopEndpointAutoConfiguration {

    @Bean
    @ConditionalOnAvailableEndpoint
    @ConditionalOnMissingBean
    IOLoopEndpoint ioLoopEndpoint(
            IOLoop loop, ObjectProvider<IoHandlerRegistrar> registrar, ObjectProvider<IOLoopGroup> group) {
        IOLoopGroup g = group.getIfAvailable();
        return new IOLoopEndpoint(
                loop,
                registrar.getIfAvailable(),
                g == null
                        ? List.of()
                        : g.loops().stream().filter(l -> l != loop).toList());
    }
}
