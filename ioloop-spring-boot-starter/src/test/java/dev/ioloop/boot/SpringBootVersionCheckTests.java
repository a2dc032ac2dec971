package dev.ioloop.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

import org.junit.jupiter.api.Test;
import org.springframework.boot.SpringBootVersion;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.diagnostics.FailureAnalyzer;
import org.springframework.context.ApplicationContextInitializer;
import org.springframework.core.io.support.SpringFactoriesLoader;

/**
 * The check and its report, on the Boot this build runs. {@code ioloop-boot3-tests} runs them on a real Spring Boot
 * 3.5 application.
 */
class SpringBootVersionCheckTests {

    @Test
    void acceptsTheBootThisBuildRunsOnAndAny4x() {
        assertThat(SpringBootVersion.getVersion()).startsWith("4.");
        assertThatCode(() -> SpringBootVersionCheck.check(SpringBootVersion.getVersion()))
                .doesNotThrowAnyException();
        assertThatCode(() -> SpringBootVersionCheck.check("4.0.7")).doesNotThrowAnyException();
        assertThatCode(() -> SpringBootVersionCheck.check("4.1.2")).doesNotThrowAnyException();
        assertThatCode(() -> SpringBootVersionCheck.check(null)).doesNotThrowAnyException();
    }

    @Test
    void failsOnBoot3WithOneLineNamingTheSupportedVersionsAndWhatToDo() {
        assertThatExceptionOfType(UnsupportedSpringBootVersionException.class)
                .isThrownBy(() -> SpringBootVersionCheck.check("3.5.7"))
                .withMessage("ioloop-spring-boot-starter supports Spring Boot 4.0.x and 4.1.x, but this application"
                        + " runs Spring Boot 3.5.7: use Spring Boot 4.0.x or 4.1.x, or remove the"
                        + " ioloop-spring-boot-starter dependency.")
                .withNoCause()
                .satisfies(e -> assertThat(e.version()).isEqualTo("3.5.7"));
    }

    @Test
    void analysisSaysTheProblemAndTheFixApart() {
        UnsupportedSpringBootVersionException failure = new UnsupportedSpringBootVersionException("3.5.7");
        FailureAnalysis analysis = new UnsupportedSpringBootVersionFailureAnalyzer()
                .analyze(new IllegalStateException("wrapped", failure));
        assertThat(analysis.getDescription())
                .isEqualTo("ioloop-spring-boot-starter supports Spring Boot 4.0.x and 4.1.x, but this application"
                        + " runs Spring Boot 3.5.7.");
        assertThat(analysis.getAction())
                .isEqualTo("Use Spring Boot 4.0.x or 4.1.x, or remove the ioloop-spring-boot-starter dependency.");
        assertThat(analysis.getCause()).isSameAs(failure);
    }

    @Test
    void checkAndAnalyzerAreRegisteredSoThatEveryApplicationRunsThem() {
        SpringFactoriesLoader factories = SpringFactoriesLoader.forDefaultResourceLocation();
        assertThat(factories.load(ApplicationContextInitializer.class))
                .hasAtLeastOneElementOfType(SpringBootVersionCheck.class);
        // Boot's own analyzers take constructor arguments that only a failing application supplies: skipped here.
        SpringFactoriesLoader.FailureHandler skipThoseNeedingArguments = (type, name, failure) -> {};
        assertThat(factories.load(FailureAnalyzer.class, skipThoseNeedingArguments))
                .hasAtLeastOneElementOfType(UnsupportedSpringBootVersionFailureAnalyzer.class);
    }
}
