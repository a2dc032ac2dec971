package dev.ioloop.boot.autoconfigure;

import dev.ioloop.IOLoop;
import dev.ioloop.boot.IOLoopLifecycle;
import dev.ioloop.boot.IoHandler;
import dev.ioloop.boot.IoHandlerRegistrar;
import dev.ioloop.stream.StreamOptions;
import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.core.env.ConfigurableEnvironment;

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
    @Bean
    @ConditionalOnMissingBean
    IOLoop ioLoop(IOLoopProperties properties, IOLoopInstaller installer) {
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
            StreamOptions streamOptions) {
        return new IoHandlerRegistrar(loop, beanFactory, environment, streamOptions);
    }

    @Bean
    @ConditionalOnMissingBean
    IOLoopLifecycle ioLoopLifecycle(
            IOLoop loop, ObjectProvider<IoHandlerRegistrar> registrar, IOLoopProperties properties) {
        return new IOLoopLifecycle(
                loop, registrar.getIfAvailable(), properties.threadName(), properties.shutdownTimeout());
    }
}
