package dev.ioloop.boot.autoconfigure;

import dev.ioloop.IOLoop;
import dev.ioloop.IOLoopGroup;
import dev.ioloop.boot.IOLoopLifecycle;
import dev.ioloop.boot.IoHandler;
import dev.ioloop.boot.IoHandlerRegistrar;
import dev.ioloop.stream.StreamOptions;
import java.util.ArrayList;
import java.util.List;
import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionOutcome;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.SpringBootCondition;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.context.annotation.Conditional;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.type.AnnotatedTypeMetadata;

/**
 * Auto-configuration of the application's {@link IOLoop}: one loop bean built from {@link IOLoopProperties}
 * and installed as {@link IOLoop#instance()} while the context lives (unless another loop is installed already:
 * that one stays, with a WARN), the {@link IoHandlerRegistrar} that
 * registers {@link IoHandler} beans with it, and the {@link IOLoopLifecycle} that runs it on its own thread.
 *
 * <p>An {@code IOLoop} bean of the application replaces ours (it is then neither installed nor built from
 * the properties, but it is still run and closed by the lifecycle). {@code ioloop.enabled=false} turns all of
 * it off.
 */
@AutoConfiguration
@ConditionalOnBooleanProperty(name = "ioloop.enabled", matchIfMissing = true)
@EnableConfigurationProperties({IOLoopProperties.class, IOLoopStreamProperties.class})
public final class IOLoopAutoConfiguration {

    @Bean
    IOLoopInstaller ioLoopInstaller() {
        return new IOLoopInstaller();
    }

    // Closed by the lifecycle when the context closes; the inferred close() also releases it after a failed startup.
    /** With {@code ioloop.loops} other than 1: the loops, named {@code <ioloop.name>-i}. */
    @Bean
    @ConditionalOnMissingBean
    @Conditional(MultipleLoopsCondition.class)
    IOLoopGroup ioLoopGroup(IOLoopProperties properties) {
        return IOLoopGroup.builder()
                .loops(properties.loopCount())
                .name(properties.name())
                .poller(properties.poller())
                .blockedThreshold(properties.blockedThreshold())
                .handlerFailureLimit(properties.handlerFailureLimit())
                .build();
    }

    /** The loop: the only one, or loop 0 of the group; installed as {@code IOLoop.instance()}. */
    @Bean
    @ConditionalOnMissingBean
    IOLoop ioLoop(IOLoopProperties properties, IOLoopInstaller installer, ObjectProvider<IOLoopGroup> group) {
        IOLoopGroup g = group.getIfAvailable();
        if (g != null) {
            return installer.install(g.loops().get(0));
        }
        return installer.install(IOLoop.builder()
                .name(properties.name())
                .poller(properties.poller())
                .blockedThreshold(properties.blockedThreshold())
                .handlerFailureLimit(properties.handlerFailureLimit())
                .build());
    }

    /** The options of the streams served for {@code StreamHandler} beans, from {@code ioloop.stream.*}. */
    @Bean
    @ConditionalOnMissingBean
    StreamOptions ioLoopStreamOptions(IOLoopStreamProperties properties) {
        return properties.toStreamOptions();
    }

    @Bean
    @ConditionalOnMissingBean
    IoHandlerRegistrar ioHandlerRegistrar(
            IOLoop loop,
            ListableBeanFactory beanFactory,
            ConfigurableEnvironment environment,
            StreamOptions streamOptions,
            ObjectProvider<IOLoopGroup> group,
            IOLoopStreamProperties streamProperties) {
        IoHandlerRegistrar registrar =
                new IoHandlerRegistrar(loop, beanFactory, environment, streamOptions, group.getIfAvailable());
        registrar.setTlsProvider(TlsProviders.find(streamProperties.tlsProvider()));
        return registrar;
    }

    @Bean
    @ConditionalOnMissingBean
    IOLoopLifecycle ioLoopLifecycle(
            IOLoop loop,
            ObjectProvider<IoHandlerRegistrar> registrar,
            IOLoopProperties properties,
            ObjectProvider<IOLoopGroup> group) {
        IOLoopGroup g = group.getIfAvailable();
        if (g == null || g.loops().get(0) != loop) {
            return new IOLoopLifecycle(
                    loop, registrar.getIfAvailable(), properties.threadName(), properties.shutdownTimeout());
        }
        List<IOLoopLifecycle> others = new ArrayList<>();
        for (int i = 1; i < g.size(); i++) {
            others.add(new IOLoopLifecycle(
                    g.loops().get(i), null, properties.threadName() + "-" + i, properties.shutdownTimeout()));
        }
        return new IOLoopLifecycle(
                loop, registrar.getIfAvailable(), properties.threadName() + "-0", properties.shutdownTimeout(), others);
    }

    /** Matches when {@code ioloop.loops} is set to anything but 1 (0 means one loop per processor). */
    static final class MultipleLoopsCondition extends SpringBootCondition {
        @Override
        public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
            String loops =
                    context.getEnvironment().getProperty("ioloop.loops", "1").trim();
            boolean multiple = !loops.equals("1")
                    && !(loops.equals("0") && Runtime.getRuntime().availableProcessors() == 1);
            return multiple
                    ? ConditionOutcome.match("ioloop.loops is " + loops)
                    : ConditionOutcome.noMatch("ioloop.loops is " + loops + ": one loop");
        }
    }
}
