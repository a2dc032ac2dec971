package dev.ioloop.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;
import static org.awaitility.Awaitility.await;

import dev.ioloop.IOLoop;
import dev.ioloop.boot.autoconfigure.IOLoopAutoConfiguration;
import dev.ioloop.boot.sample.EchoServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.SmartLifecycle;

@Timeout(30)
@ExtendWith(OutputCaptureExtension.class)
class IOLoopLifecycleTests {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(IOLoopAutoConfiguration.class))
            .withUserConfiguration(EchoServer.class);

    @Test
    void closingTheContextEndsTheThreadClosesWhatTheStarterOpenedAndClearsTheInstance() throws IOException {
        runner.run(context -> assertThat(context).hasNotFailed()); // warm up: class loading opens jar files
        long fdsBefore = openFileDescriptors();
        AtomicReference<Thread> thread = new AtomicReference<>();
        AtomicReference<List<IoHandlerRegistration>> registrations = new AtomicReference<>();
        AtomicReference<IOLoop> loop = new AtomicReference<>();
        runner.run(context -> {
            loop.set(context.getBean(IOLoop.class));
            thread.set(loop.get().thread());
            registrations.set(context.getBean(IoHandlerRegistrar.class).registrations());
            assertThat(context.getBean(IOLoopLifecycle.class).getPhase())
                    .isEqualTo(IOLoopLifecycle.PHASE)
                    .isEqualTo(SmartLifecycle.DEFAULT_PHASE - 4096);
            assertThat(registrations.get())
                    .singleElement()
                    .satisfies(r -> assertThat(r.channel().isOpen()).isTrue());
        });
        assertThat(thread.get().isAlive()).isFalse();
        assertThat(registrations.get())
                .allSatisfy(r -> assertThat(r.channel().isOpen()).isFalse());
        assertThat(loop.get().isClosed()).isTrue();
        assertThat(IOLoop.initialized()).isFalse();
        assertThat(openFileDescriptors()).isLessThanOrEqualTo(fdsBefore);
    }

    @Test
    void callbacksQueuedBeforeShutdownStillRun() {
        int queued = 100;
        AtomicInteger ran = new AtomicInteger();
        runner.run(context -> {
            IOLoop loop = context.getBean(IOLoop.class);
            CountDownLatch gate = new CountDownLatch(1);
            loop.addCallback(() -> awaitQuietly(gate));
            await().until(() -> loop.stats().pendingCallbacks() == 0); // the loop now waits at the gate
            for (int i = 0; i < queued; i++) {
                loop.addCallback(ran::incrementAndGet);
            }
            // Open the gate once shutdown has queued its two callbacks (close listeners, stop) behind ours.
            new Thread(
                            () -> {
                                await().until(() -> loop.stats().pendingCallbacks() == queued + 2);
                                gate.countDown();
                            },
                            "gate-opener")
                    .start();
        });
        assertThat(ran).hasValue(queued);
    }

    @Test
    void threadThatOutlivesTheShutdownTimeoutIsReportedWithItsStack(CapturedOutput output) {
        CountDownLatch gate = new CountDownLatch(1);
        AtomicReference<IOLoop> loop = new AtomicReference<>();
        runner.withPropertyValues("ioloop.shutdown-timeout=200ms").run(context -> {
            loop.set(context.getBean(IOLoop.class));
            loop.get().addCallback(() -> awaitQuietly(gate));
        });
        assertThat(output)
                .contains("IOLoop 'ioloop' thread 'ioloop' did not end within PT0.2S")
                .contains(IOLoopLifecycleTests.class.getName() + ".awaitQuietly");
        Thread thread = loop.get().thread();
        gate.countDown();
        await().until(() -> thread == null || !thread.isAlive());
        loop.get().close();
        assertThat(IOLoop.initialized()).isFalse();
    }

    @Test
    void threadDyingOfAnErrorIsLoggedAndKept(CapturedOutput output) {
        runner.run(context -> {
            IOLoop loop = context.getBean(IOLoop.class);
            IOLoopLifecycle lifecycle = context.getBean(IOLoopLifecycle.class);
            loop.addCallback(() -> {
                throw new LoopKiller();
            });
            await().until(() -> lifecycle.failure() instanceof LoopKiller);
            assertThat(loop.isRunning()).isFalse();
            assertThat(output).contains("IOLoop 'ioloop' died on thread 'ioloop'");
        });
    }

    @Test
    void stoppedLifecycleStopsAcceptingKeepsTheChannelBoundAndStartsAgain() {
        runner.run(context -> {
            IOLoopLifecycle lifecycle = context.getBean(IOLoopLifecycle.class);
            IOLoop loop = context.getBean(IOLoop.class);
            int port = context.getEnvironment().getRequiredProperty("local.ioloop.echo.port", Integer.class);
            lifecycle.stop();
            assertThat(lifecycle.isRunning()).isFalse();
            assertThat(loop.isRunning()).isFalse();
            assertThat(loop.isClosed()).isFalse();
            assertThat(loop.handlers()).as("not accepting while stopped").isEmpty();
            lifecycle.start();
            assertThat(lifecycle.isRunning()).isTrue();
            assertThat(loop.handlers()).hasSize(1);
            try (java.net.Socket client = new java.net.Socket(java.net.InetAddress.getLoopbackAddress(), port)) {
                client.setSoTimeout(10_000);
                client.getOutputStream().write("again\n".getBytes());
                assertThat(new String(client.getInputStream().readNBytes(6))).isEqualTo("again\n");
            }
        });
    }

    @Test
    void closedContextClosesTheLoopAndCannotBeStartedAgain() {
        AtomicReference<IOLoopLifecycle> lifecycle = new AtomicReference<>();
        AtomicReference<IOLoop> loop = new AtomicReference<>();
        runner.run(context -> {
            lifecycle.set(context.getBean(IOLoopLifecycle.class));
            loop.set(context.getBean(IOLoop.class));
        });
        assertThat(loop.get().isClosed()).isTrue();
        assertThatIllegalStateException().isThrownBy(lifecycle.get()::start).withMessageContaining("cannot be started");
    }

    private static void awaitQuietly(CountDownLatch gate) {
        try {
            gate.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static long openFileDescriptors() throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.count();
        }
    }

    static class LoopKiller extends Error {
        LoopKiller() {
            super("killed on purpose by the test");
        }
    }
}
