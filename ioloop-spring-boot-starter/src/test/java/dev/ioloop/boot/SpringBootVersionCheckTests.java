package dev.ioloop.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

import org.junit.jupiter.api.Test;
import org.springframework.boot.SpringBootVersion;
import org.springframework.context.ApplicationContextInitializer;
import org.springframework.core.io.support.SpringFactoriesLoader;

class SpringBootVersionCheckTests {

    @Test
    void acceptsTheBootThisBuildRunsOnAndAny4x() {
        assertThat(SpringBootVersion.getVersion()).startsWith("4.");
        assertThatCode(() -> SpringBootVersionCheck.check(SpringBootVersion.getVersion()))
                .doesNotThrowAnyException();
        assertThatCode(() -> SpringBootVersionCheck.check("4.1.2")).doesNotThrowAnyException();
        assertThatCode(() -> SpringBootVersionCheck.check(null)).doesNotThrowAnyException();
    }

    @Test
    void failsOnBoot3WithTheSupportedVersionsInTheMessage() {
        assertThatIllegalStateException()
                .isThrownBy(() -> SpringBootVersionCheck.check("3.5.6"))
                .withMessage("ioloop-spring-boot-starter supports Spring Boot 4.0.x and 4.1.x, but this application"
                        + " runs Spring Boot 3.5.6: upgrade to Spring Boot 4 (Boot 3.5's open-source support ended in"
                        + " June 2026).");
    }

    @Test
    void isRegisteredSoThatEveryApplicationRunsIt() {
        assertThat(SpringFactoriesLoader.forDefaultResourceLocation().load(ApplicationContextInitializer.class))
                .hasAtLeastOneElementOfType(SpringBootVersionCheck.class);
    }
}
