package dev.ioloop.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.ioloop.IOLoop;
import dev.ioloop.LoopThread;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * One loopback connection for a stream test: a loop on its own thread, the accepted side wrapped in an
 * {@link IOStream} on that loop, and the connecting side a plain blocking {@link SocketChannel} (the peer) that the
 * test thread drives, with a 10 s read timeout. {@link #close()} closes the stream on the loop, the peer, the
 * listener and, when the pair started it, the loop.
 *
 * <p>Every call on the stream goes through {@link #call} or {@link #run}, which run on the loop and wait.
 */
final class ConnectedPair implements AutoCloseable {

    /** How long any single wait of a stream test may take before it fails. */
    static final long WAIT_SECONDS = 10;

    final LoopThread loop;
    final IOStream stream;
    final SocketChannel peer;

    private final ServerSocketChannel listener;
    private final SocketChannel accepted;
    private final boolean ownsLoop;
    private final InputStream peerIn;
    private final OutputStream peerOut;

    private ConnectedPair(LoopThread loop, StreamOptions options, StreamCounters counters, boolean ownsLoop)
            throws Exception {
        this.loop = loop;
        this.ownsLoop = ownsLoop;
        this.listener = ServerSocketChannel.open().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        SocketChannel connecting = null;
        SocketChannel acceptedChannel = null;
        try {
            connecting = SocketChannel.open(listener.getLocalAddress());
            connecting.setOption(StandardSocketOptions.TCP_NODELAY, true);
            connecting.socket().setSoTimeout((int) TimeUnit.SECONDS.toMillis(WAIT_SECONDS));
            acceptedChannel = listener.accept();
            SocketChannel ch = acceptedChannel;
            this.stream = loop.call(() -> IOStream.of(loop.loop, ch, options, counters));
        } catch (Exception | Error e) {
            closeQuietly(connecting);
            closeQuietly(acceptedChannel);
            closeQuietly(listener);
            throw e;
        }
        this.peer = connecting;
        this.accepted = acceptedChannel;
        this.peerIn = peer.socket().getInputStream();
        this.peerOut = peer.socket().getOutputStream();
    }

    /** Opens a pair with default options on a loop of its own. */
    static ConnectedPair open() throws Exception {
        return open(StreamOptions.defaults());
    }

    /** Opens a pair with {@code options} on a loop of its own. */
    static ConnectedPair open(StreamOptions options) throws Exception {
        LoopThread loop = LoopThread.start();
        try {
            return new ConnectedPair(loop, options, null, true);
        } catch (Exception | Error e) {
            loop.close();
            throw e;
        }
    }

    /** Opens a pair on a loop the test owns and closes itself. */
    static ConnectedPair openOn(LoopThread loop, StreamOptions options) throws Exception {
        return new ConnectedPair(loop, options, null, false);
    }

    /** Opens a pair whose stream counts itself in {@code counters}, on a loop of its own. */
    static ConnectedPair open(StreamCounters counters) throws Exception {
        LoopThread loop = LoopThread.start();
        try {
            return new ConnectedPair(loop, StreamOptions.defaults(), counters, true);
        } catch (Exception | Error e) {
            loop.close();
            throw e;
        }
    }

    IOLoop ioLoop() {
        return loop.loop;
    }

    /** Runs {@code task} on the loop and returns its result. */
    <T> T call(Callable<T> task) throws Exception {
        return loop.call(task);
    }

    /** Runs {@code task} on the loop and waits for it. */
    void run(LoopTask task) throws Exception {
        loop.call(() -> {
            task.run();
            return null;
        });
    }

    /**
     * Lets the loop go round twice: whatever was ready on its channels before this call has been handled when it
     * returns, and whatever a callback of the first round scheduled has run.
     */
    void settle() throws Exception {
        loop.call(() -> null);
        loop.call(() -> null);
    }

    /** Writes {@code data} from the peer (blocking until the kernel has taken it all). */
    void send(byte[] data) throws IOException {
        peerOut.write(data);
        peerOut.flush();
    }

    void send(String ascii) throws IOException {
        send(ascii(ascii));
    }

    /** Writes {@code data} from the peer on a thread of its own, for data the kernel may not take at once. */
    CompletableFuture<Void> sendInBackground(byte[] data) {
        return inBackground("peer-writer", () -> send(data));
    }

    /** A peer's blocking write, for {@link #inBackground}. */
    @FunctionalInterface
    interface PeerWrite {
        void run() throws IOException;
    }

    /** Runs {@code write} on a daemon thread named {@code name}; the future says when it is done, or how it failed. */
    static CompletableFuture<Void> inBackground(String name, PeerWrite write) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        Thread writer = new Thread(
                () -> {
                    try {
                        write.run();
                        done.complete(null);
                    } catch (Throwable t) {
                        done.completeExceptionally(t);
                    }
                },
                name);
        writer.setDaemon(true);
        writer.start();
        return done;
    }

    /** Reads exactly {@code n} bytes at the peer, or fails after the read timeout. */
    byte[] receive(int n) throws IOException {
        byte[] data = peerIn.readNBytes(n);
        assertThat(data.length).as("bytes before EOF").isEqualTo(n);
        return data;
    }

    String receiveAscii(int n) throws IOException {
        return new String(receive(n), StandardCharsets.ISO_8859_1);
    }

    /** Reads at the peer until EOF. */
    byte[] receiveToEnd() throws IOException {
        return peerIn.readAllBytes();
    }

    /** Reads at the peer until EOF, on a thread of its own. */
    CompletableFuture<byte[]> receiveToEndInBackground() {
        CompletableFuture<byte[]> received = new CompletableFuture<>();
        Thread reader = new Thread(
                () -> {
                    try {
                        received.complete(receiveToEnd());
                    } catch (Throwable t) {
                        received.completeExceptionally(t);
                    }
                },
                "peer-reader");
        reader.setDaemon(true);
        reader.start();
        return received;
    }

    /** Closes the peer with SO_LINGER 0, so that the stream's side gets a reset instead of a FIN. */
    void resetPeer() throws IOException {
        peer.setOption(StandardSocketOptions.SO_LINGER, 0);
        peer.close();
    }

    /** Returns the accepted channel the stream wraps, for checks on it from the test thread. */
    SocketChannel streamChannel() {
        return accepted;
    }

    @Override
    public void close() throws Exception {
        try {
            if (loop.thread.isAlive()) {
                run(stream::close);
            }
        } finally {
            closeQuietly(peer);
            closeQuietly(listener);
            if (ownsLoop) {
                loop.close();
            }
            // The stream closed it already unless the test found a bug; then the loop's close(true) or this does.
            closeQuietly(accepted);
        }
    }

    static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    static String ascii(byte[] b) {
        return new String(b, StandardCharsets.ISO_8859_1);
    }

    /** Returns {@code n} bytes that repeat with a period of 251, so that a lost or moved chunk shows. */
    static byte[] pattern(int n) {
        byte[] data = new byte[n];
        for (int i = 0; i < n; i++) {
            data[i] = (byte) (i % 251);
        }
        return data;
    }

    /** Waits for {@code future}'s value. */
    static <T> T await(CompletableFuture<T> future) throws Exception {
        return future.get(WAIT_SECONDS, TimeUnit.SECONDS);
    }

    /** Waits for {@code future} to fail and returns why. */
    static Throwable failure(CompletableFuture<?> future) throws Exception {
        Object value;
        try {
            value = future.get(WAIT_SECONDS, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            return e.getCause();
        }
        return fail("expected the future to fail, but it completed with " + value);
    }

    private static void closeQuietly(AutoCloseable c) {
        if (c == null) {
            return;
        }
        try {
            c.close();
        } catch (Exception ignored) {
            // Cleanup after the test: a failure here must not hide the test's own result.
        }
    }

    /** A task for the loop that may throw. */
    @FunctionalInterface
    interface LoopTask {
        void run() throws Exception;
    }
}
