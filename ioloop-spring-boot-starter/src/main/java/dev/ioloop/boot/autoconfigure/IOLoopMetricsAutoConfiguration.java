package dev.ioloop.boot.autoconfigure;

import dev.ioloop.IOLoop;
import dev.ioloop.IOLoopGroup;
import dev.ioloop.boot.IoHandlerRegistrar;
import dev.ioloop.boot.metrics.IOLoopGroupMeterBinder;
import dev.ioloop.boot.metrics.IOLoopMeterBinder;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

/**
 * Auto-configuration of the loop's Micrometer meters ({@link IOLoopMeterBinder}), when Micrometer is on the
 * class path and a {@link MeterRegistry} bean exists. Ordered after Boot's metrics auto-configurations by name,
 * so the starter does not need them to compile.
 */
@AutoConfiguration(
        after = IOLoopAutoConfiguration.class,
        afterName = {
            "org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration",
            "org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration"
        })
@ConditionalOnClass(MeterRegistry.class)
@ConditionalOnBean({IOLoop.class, MeterRegistry.class})
public final class IOLoopMetricsAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean
    IOLoopMeterBinder ioLoopMeterBinder(IOLoop loop, ObjectProvider<IoHandlerRegistrar> registrar) {
        return new IOLoopMeterBinder(loop, registrar.getIfAvailable());
    }

    /** The same meters for the group's other loops, each tagged with its own loop name. */
    @Bean
    @ConditionalOnBean(IOLoopGroup.class)
    @ConditionalOnMissingBean
    IOLoopGroupMeterBinder ioLoopGroupMeterBinder(IOLoopGroup group, IOLoop loop) {
        return new IOLoopGroupMeterBinder(
                group.loops().stream().filter(l -> l != loop).toList());
    }
}
