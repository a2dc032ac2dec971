package dev.ioloop.headless;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import dev.ioloop.IOLoop;
import dev.ioloop.testsupport.RootLogCapture;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.WebApplicationType;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.util.ClassUtils;

/**
 * A headless application with only the starter: it reads its {@code application.yml}, serves its
 * {@code @IoHandler}, and the loop's watchdog WARN reaches the application's log (Logback, which the starter
 * brings through {@code spring-boot-starter}).
 */
class HeadlessApplicationTests {

    @Test
    @Timeout(60)
    void runsWithOnlyTheStarterAndAnApplicationYml() throws Exception {
        ClassLoader cl = getClass().getClassLoader();
        assertThat(ClassUtils.isPresent("org.springframework.web.servlet.DispatcherServlet", cl))
                .as("no web framework on the class path")
                .isFalse();
        assertThat(ClassUtils.isPresent("org.springframework.boot.actuate.endpoint.annotation.Endpoint", cl))
                .as("no actuator on the class path")
                .isFalse();

        SpringApplication app = new SpringApplication(HeadlessApplication.class);
        try (RootLogCapture logs = new RootLogCapture();
                ConfigurableApplicationContext context = app.run()) {
            assertThat(app.getWebApplicationType()).isEqualTo(WebApplicationType.NONE);
            IOLoop loop = context.getBean(IOLoop.class);
            assertThat(loop.name()).as("from application.yml").isEqualTo("headless");
            assertThat(loop.thread().getName()).isEqualTo("headless-loop");

            int port = context.getEnvironment().getRequiredProperty("local.ioloop.echo.port", Integer.class);
            try (Socket client = new Socket(InetAddress.getLoopbackAddress(), port)) {
                client.getOutputStream().write("hello\n".getBytes(US_ASCII));
                assertThat(new BufferedReader(new InputStreamReader(client.getInputStream(), US_ASCII)).readLine())
                        .isEqualTo("hello");
            }

            logs.start();
            CountDownLatch release = new CountDownLatch(1);
            loop.addCallback(() -> {
                try {
                    release.await(30, TimeUnit.SECONDS); // past blocked-threshold (200ms in application.yml)
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            try {
                await().atMost(Duration.ofSeconds(10))
                        .until(() -> logs.events().stream()
                                .anyMatch(e -> e.getLevel() == Level.WARN
                                        && e.getFormattedMessage().contains("headless")));
            } finally {
                release.countDown();
            }
        }
    }
}
