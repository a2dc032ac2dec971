package dev.ioloop.boot.sample;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ioloop.IOLoop;
import dev.ioloop.boot.IoHandlerRegistrar;
import dev.ioloop.boot.IoHandlerRegistration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/** Closing the real application (as its shutdown hook does) ends the loop and closes what the starter opened. */
class EchoApplicationShutdownTests {

    @Test
    @Timeout(60)
    void closingTheApplicationEndsTheLoopThreadAndClosesTheStartersChannels() {
        ConfigurableApplicationContext context = new SpringApplicationBuilder(EchoApplication.class)
                .properties("server.port=0", "ioloop.thread-name=echo-loop")
                .run();
        IOLoop loop = context.getBean(IOLoop.class);
        Thread thread = loop.thread();
        List<IoHandlerRegistration> registrations =
                context.getBean(IoHandlerRegistrar.class).registrations();
        assertThat(thread.getName()).isEqualTo("echo-loop");
        assertThat(registrations)
                .singleElement()
                .satisfies(r -> assertThat(r.channel().isOpen()).isTrue());
        assertThat(IOLoop.instance()).isSameAs(loop);

        context.close();

        assertThat(thread.isAlive()).isFalse();
        assertThat(registrations)
                .allSatisfy(r -> assertThat(r.channel().isOpen()).isFalse());
        assertThat(loop.isClosed()).isTrue();
        assertThat(IOLoop.initialized()).isFalse();
    }
}
