package dev.ioloop.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

import dev.ioloop.FdHandler;
import dev.ioloop.IOLoop;
import dev.ioloop.boot.autoconfigure.IOLoopAutoConfiguration;
import java.nio.channels.ServerSocketChannel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;

/** The analyzer as Boot finds it through {@code META-INF/spring.factories} when a real application fails. */
@Timeout(30)
@ExtendWith(OutputCaptureExtension.class)
class IoHandlerFailureAnalyzerTests {

    @Test
    void describesTheBeanAndWhatToChange() {
        IoHandlerException failure = new IoHandlerException(
                "echo",
                "neither listen nor channel is set",
                "Set exactly one of listen or channel on the @IoHandler of bean 'echo'.",
                null);
        FailureAnalysis analysis =
                new IoHandlerFailureAnalyzer().analyze(new IllegalStateException("wrapped", failure));
        assertThat(analysis.getDescription())
                .isEqualTo("The @IoHandler bean 'echo' could not be registered with "
                        + "the IOLoop: neither listen nor channel is set");
        assertThat(analysis.getAction())
                .isEqualTo("Set exactly one of listen or channel on the @IoHandler of bean " + "'echo'.");
        assertThat(analysis.getCause()).isSameAs(failure);
    }

    @Test
    void failedApplicationReportsTheAnalysis(CapturedOutput output) {
        assertThatExceptionOfType(IoHandlerException.class)
                .isThrownBy(() -> application(BadHandlerApp.class).run());
        assertThat(output)
                .contains("APPLICATION FAILED TO START")
                .contains("The @IoHandler bean 'bad' could not be registered with the IOLoop: listen URI "
                        + "'http://127.0.0.1:0' has an unknown scheme 'http'")
                .contains("Change the listen of the @IoHandler of bean 'bad' to tcp://host:port, udp://host:port "
                        + "or unix:/path.");
        assertThat(IOLoop.initialized()).isFalse();
    }

    @Test
    void unknownPollerIsReportedWithTheAvailableOnes(CapturedOutput output) {
        assertThatExceptionOfType(RuntimeException.class)
                .isThrownBy(() -> application(LoopApp.class)
                        .properties("ioloop.poller=epoll")
                        .run());
        assertThat(output)
                .contains("APPLICATION FAILED TO START")
                .contains("ioloop")
                .contains("unknown poller 'epoll' (available: [selector])");
    }

    private static SpringApplicationBuilder application(Class<?> source) {
        return new SpringApplicationBuilder(source).web(WebApplicationType.NONE).logStartupInfo(false);
    }

    @Configuration(proxyBeanMethods = false)
    @ImportAutoConfiguration(IOLoopAutoConfiguration.class)
    static class LoopApp {}

    @Configuration(proxyBeanMethods = false)
    @Import(BadHandler.class)
    static class BadHandlerApp extends LoopApp {}

    @IoHandler(value = "bad", listen = "http://127.0.0.1:0")
    static class BadHandler implements FdHandler<ServerSocketChannel> {
        @Override
        public void handle(ServerSocketChannel channel, int events) {}
    }
}
