package dev.ioloop.boot3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

import dev.ioloop.IOLoop;
import dev.ioloop.boot.UnsupportedSpringBootVersionException;
import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;
import java.util.jar.Attributes;
import java.util.jar.Manifest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.SpringBootVersion;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.util.ClassUtils;

/**
 * A real Spring Boot 3.5 application with the starter: startup stops in the starter's version check, before any
 * auto-configuration is loaded, with one line naming the supported versions, reported by Boot's failure analysis
 * without a stack trace.
 */
@ExtendWith(OutputCaptureExtension.class)
class SpringBoot3StartupTests {

    private static final String MESSAGE = "ioloop-spring-boot-starter supports Spring Boot 4.0.x and 4.1.x, but this"
            + " application runs Spring Boot 3.5.7: use Spring Boot 4.0.x or 4.1.x, or remove the"
            + " ioloop-spring-boot-starter dependency.";

    @Test
    void classPathIsSpringBoot3WithTheStarter() throws IOException {
        assertThat(SpringBootVersion.getVersion()).isEqualTo("3.5.7");
        Map<String, String> springJars = springJarVersions();
        assertThat(springJars).containsKeys("spring.boot", "spring.boot.autoconfigure", "spring.core");
        assertThat(springJars)
                .allSatisfy((module, version) ->
                        assertThat(version).as(module).startsWith(module.startsWith("spring.boot") ? "3.5.7" : "6.2."));
        ClassLoader cl = getClass().getClassLoader();
        assertThat(ClassUtils.isPresent("org.springframework.boot.health.contributor.HealthIndicator", cl))
                .as("a class of Spring Boot 4 only")
                .isFalse();
        assertThat(ClassUtils.isPresent("dev.ioloop.boot.autoconfigure.IOLoopAutoConfiguration", cl))
                .isTrue();
    }

    @Test
    @Timeout(60)
    void startupFailsWithOneLineNamingTheSupportedVersions(CapturedOutput output) {
        SpringApplication application = new SpringApplication(Boot3Application.class);

        assertThatExceptionOfType(UnsupportedSpringBootVersionException.class)
                .isThrownBy(application::run)
                .withMessage(MESSAGE)
                .withNoCause();

        assertThat(output).contains("""
                        APPLICATION FAILED TO START
                        ***************************

                        Description:

                        ioloop-spring-boot-starter supports Spring Boot 4.0.x and 4.1.x, but this application runs \
                        Spring Boot 3.5.7.

                        Action:

                        Use Spring Boot 4.0.x or 4.1.x, or remove the ioloop-spring-boot-starter dependency.
                        """);
        assertThat(output)
                .as("nothing failed before the check, and the report is all there is")
                .doesNotContain("Exception", "Error:", "Application run failed", "\tat ");
        assertThat(IOLoop.initialized()).as("no loop was built").isFalse();
    }

    /** The version of every Spring jar on the class path, by its automatic module name. */
    private static Map<String, String> springJarVersions() throws IOException {
        Map<String, String> versions = new TreeMap<>();
        ClassLoader cl = SpringBoot3StartupTests.class.getClassLoader();
        for (URL url : Collections.list(cl.getResources("META-INF/MANIFEST.MF"))) {
            try (InputStream in = url.openStream()) {
                Attributes main = new Manifest(in).getMainAttributes();
                String module = main.getValue("Automatic-Module-Name");
                if (module != null && module.startsWith("spring.")) {
                    versions.put(module, main.getValue(Attributes.Name.IMPLEMENTATION_VERSION));
                }
            }
        }
        return versions;
    }
}
