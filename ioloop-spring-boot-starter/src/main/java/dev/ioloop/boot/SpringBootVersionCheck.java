package dev.ioloop.boot;

import org.jspecify.annotations.Nullable;
import org.springframework.boot.SpringBootVersion;
import org.springframework.context.ApplicationContextInitializer;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Fails startup with one clear message when the application runs a Spring Boot this starter was not built for.
 * The starter is built against Spring Boot 4 (4.0 and 4.1); on Boot 3, whose packages differ, the loop would start
 * but some of its auto-configurations (the health contributor, for one) would switch themselves off without a word.
 * Registered in {@code META-INF/spring.factories} as an {@link ApplicationContextInitializer}, an interface of Spring
 * Framework that both lines load, so the check runs before the context is refreshed and so before any
 * auto-configuration class is loaded. {@link UnsupportedSpringBootVersionFailureAnalyzer} reports the failure
 * without a stack trace.
 */
public class SpringBootVersionCheck implements ApplicationContextInitializer<ConfigurableApplicationContext> {

    /** The Spring Boot lines this starter supports. */
    public static final String SUPPORTED = "Spring Boot 4.0.x and 4.1.x";

    @Override
    public void initialize(ConfigurableApplicationContext context) {
        check(SpringBootVersion.getVersion());
    }

    /**
     * Checks a Spring Boot version.
     *
     * @param version as {@link SpringBootVersion#getVersion()} gives it, or {@code null} when unknown (a repackaged
     *     jar without a manifest): then nothing is checked
     * @throws UnsupportedSpringBootVersionException naming the supported versions, if {@code version} is not a 4.x
     */
    static void check(@Nullable String version) {
        if (version == null || version.startsWith("4.")) {
            return;
        }
        throw new UnsupportedSpringBootVersionException(version);
    }
}
