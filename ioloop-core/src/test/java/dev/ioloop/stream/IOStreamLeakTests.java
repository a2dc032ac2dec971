package dev.ioloop.stream;

import static dev.ioloop.stream.ConnectedPair.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.ioloop.LoopThread;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.Pipe;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Ten thousand streams opened and closed, by each way a stream closes, leave no file descriptor and no handler
 * behind.
 */
@Timeout(120)
class IOStreamLeakTests {

    static final Path FDS = Path.of("/proc/self/fd");

    /** Some slack for descriptors the JVM opens on its own (a jar, a log file) while the test runs. */
    static final long FD_SLACK = 10;

    @AutoClose
    private final LoopThread loop = LoopThread.start();

    IOStreamLeakTests() throws Exception {}

    @BeforeEach
    void needsProcSelfFd() {
        assumeTrue(Files.isDirectory(FDS), "counts descriptors in /proc/self/fd (Linux)");
    }

    @Test
    void tenThousandSocketStreamsOpenedAndClosedLeaveNoFdAndNoHandlerBehind() throws Exception {
        try (ServerSocketChannel listener =
                ServerSocketChannel.open().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 128)) {
            socketCycle(listener, 99); // warms up: classes loaded, scratch buffers allocated
            long before = openFds();
            for (int batch = 0; batch < 100; batch++) {
                socketCycle(listener, 100);
            }
            assertThat(loop.loop.handlers()).isEmpty();
            assertThat(openFds() - before).as("descriptors left behind").isLessThanOrEqualTo(FD_SLACK);
        }
    }

    @Test
    void tenThousandPipeStreamsOpenedAndClosedLeaveNoFdAndNoHandlerBehind() throws Exception {
        pipeCycle(100);
        long before = openFds();
        for (int batch = 0; batch < 100; batch++) {
            pipeCycle(100);
        }
        assertThat(loop.loop.handlers()).isEmpty();
        assertThat(openFds() - before).as("descriptors left behind").isLessThanOrEqualTo(FD_SLACK);
    }

    /**
     * Opens {@code n} connections, each with a read pending, and closes them in turn by {@code close()}, by the
     * peer's FIN and by the peer's reset; returns when every stream has run its close callback.
     */
    private void socketCycle(ServerSocketChannel listener, int n) throws Exception {
        List<SocketChannel> peers = new ArrayList<>();
        List<SocketChannel> accepted = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            peers.add(SocketChannel.open(listener.getLocalAddress()));
            accepted.add(listener.accept());
        }
        List<CompletableFuture<Void>> closed = new ArrayList<>();
        List<IOStream> streams = loop.call(() -> {
            List<IOStream> opened = new ArrayList<>();
            for (SocketChannel ch : accepted) {
                IOStream stream = IOStream.of(loop.loop, ch);
                CompletableFuture<Void> done = new CompletableFuture<>();
                stream.setCloseCallback(() -> done.complete(null));
                stream.readBytes(1);
                closed.add(done);
                opened.add(stream);
            }
            return opened;
        });
        for (int i = 0; i < n; i++) {
            if (i % 3 == 1) {
                peers.get(i).close();
            } else if (i % 3 == 2) {
                peers.get(i).setOption(StandardSocketOptions.SO_LINGER, 0);
                peers.get(i).close();
            }
        }
        loop.call(() -> {
            for (int i = 0; i < n; i += 3) {
                streams.get(i).close();
            }
            return null;
        });
        await(CompletableFuture.allOf(closed.toArray(CompletableFuture[]::new)));
        for (SocketChannel peer : peers) {
            peer.close();
        }
    }

    /**
     * Opens {@code n} pipes with a stream on each end, has each writer write and close, and each reader read until
     * that close; returns when both streams of every pipe have run their close callbacks.
     */
    private void pipeCycle(int n) throws Exception {
        List<Pipe> pipes = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            pipes.add(Pipe.open());
        }
        List<CompletableFuture<?>> ends = loop.call(() -> {
            List<CompletableFuture<?>> all = new ArrayList<>();
            for (Pipe pipe : pipes) {
                IOStream reader = IOStream.of(loop.loop, pipe.source());
                IOStream writer = IOStream.of(loop.loop, pipe.sink());
                all.add(closeCallbackRan(reader));
                all.add(closeCallbackRan(writer));
                all.add(reader.readUntilClose());
                writer.write(new byte[] {1, 2, 3}).thenRun(writer::close);
            }
            return all;
        });
        await(CompletableFuture.allOf(ends.toArray(CompletableFuture[]::new)));
    }

    private static CompletableFuture<Void> closeCallbackRan(IOStream stream) {
        CompletableFuture<Void> ran = new CompletableFuture<>();
        stream.setCloseCallback(() -> ran.complete(null));
        return ran;
    }

    /**
     * Counts the descriptors open now, after letting the loop poll twice: a channel closed while registered keeps
     * its descriptor until the selector's next poll deregisters it.
     */
    private long openFds() throws Exception {
        return openFds(loop);
    }

    /** {@link #openFds()} for the streams of {@code loop}; shared with {@link SSLIOStreamLeakTests}. */
    static long openFds(LoopThread loop) throws Exception {
        loop.call(() -> null);
        loop.call(() -> null);
        try (Stream<Path> fds = Files.list(FDS)) {
            return fds.count();
        }
    }
}
