package dev.ioloop.boot.autoconfigure;

import dev.ioloop.IOLoop;
import dev.ioloop.IOLoopGroup;
import dev.ioloop.boot.IOLoopLifecycle;
import dev.ioloop.boot.IoHandlerRegistrar;
import dev.ioloop.boot.health.IOLoopHealthIndicator;
import java.util.List;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.context.annotation.Bean;

/**
 * Auto-configuration of the {@code ioloop} health contributor ({@link IOLoopHealthIndicator}), when
 * spring-boot-health is on the class path; {@code management.health.ioloop.enabled=false} turns it off.
 */
@AutoConfiguration(
        after = IOLoopAutoConfiguration.class,
        beforeName = "org.springframework.boot.health.autoconfigure.contributor.HealthContributorAutoConfiguration")
@ConditionalOnClass(name = "org.springframework.boot.health.contributor.HealthIndicator")
@ConditionalOnBean(IOLoop.class)
public final class IOLoopHealthContributorAutoConfiguration {

    // On the method, not the class: at class level its condition class is loaded, and fails, before
    // @ConditionalOnClass can skip the class in an application without spring-boot-health.
    @Bean
    @ConditionalOnEnabledHealthIndicator("ioloop")
    @ConditionalOnMissingBean(name = "ioloopHealthIndicator")
    IOLoopHealthIndicator ioloopHealthIndicator(
            IOLoop loop,
            ObjectProvider<IOLoopLifecycle> lifecycle,
            ObjectProvider<IoHandlerRegistrar> registrar,
            ObjectProvider<IOLoopGroup> group) {
        IOLoopGroup g = group.getIfAvailable();
        List<IOLoop> others = g == null
                ? List.of()
                : g.loops().stream().filter(l -> l != loop).toList();
        return new IOLoopHealthIndicator(loop, lifecycle.getIfAvailable(), registrar.getIfAvailable(), others);
    }
}
