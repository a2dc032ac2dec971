package dev.ioloop.stream;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ioloop.IOLoop;
import dev.ioloop.LoopThread;
import dev.ioloop.TestLoops;
import dev.ioloop.TestTls;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

/**
 * One TLS connection for a stream test: the server end an {@link SSLIOStream} on a loop of its own, the client end
 * a JDK {@link SSLSocket} (the peer) that the test thread drives, trusting {@link TestTls}'s certificate and
 * checking the name {@code localhost}, with a 10 s read timeout. The peer's socket is layered over a plain one
 * ({@link #raw}), so a test can end the connection without {@code close_notify}, or cut it in the middle of a
 * record ({@link #cutInNextWrite()}). The loop's error handler records into {@link #loopErrors}.
 */
final class TlsPair implements AutoCloseable {

    final LoopThread loop;
    final SSLIOStream stream;
    final SSLSocket peer;
    final Socket raw;
    final List<Map.Entry<Object, Exception>> loopErrors;

    private final ServerSocketChannel listener;
    private final CuttableSocket cuttable;

    private TlsPair(LoopThread loop, List<Map.Entry<Object, Exception>> errors, StreamOptions options)
            throws Exception {
        this.loop = loop;
        this.loopErrors = errors;
        this.listener = ServerSocketChannel.open().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        CuttableSocket plain = new CuttableSocket();
        SocketChannel accepted = null;
        try {
            plain.connect(listener.getLocalAddress());
            plain.setTcpNoDelay(true);
            plain.setSoTimeout((int) (ConnectedPair.WAIT_SECONDS * 1000));
            accepted = listener.accept();
            SocketChannel ch = accepted;
            this.stream =
                    loop.call(() -> SSLIOStream.of(loop.loop, ch, TestTls.get().server(), true, null, options, null));
            this.peer = (SSLSocket) TestTls.get()
                    .jdkClient()
                    .getSocketFactory()
                    .createSocket(plain, "localhost", ((InetSocketAddress) listener.getLocalAddress()).getPort(), true);
            SSLParameters parameters = peer.getSSLParameters();
            parameters.setEndpointIdentificationAlgorithm("HTTPS");
            peer.setSSLParameters(parameters);
        } catch (Exception | Error e) {
            plain.close();
            if (accepted != null) {
                accepted.close();
            }
            listener.close();
            throw e;
        }
        this.raw = plain;
        this.cuttable = plain;
    }

    /** Opens a pair with {@code options} on a loop of its own and waits for the handshake. */
    static TlsPair open(StreamOptions options) throws Exception {
        List<Map.Entry<Object, Exception>> errors = new CopyOnWriteArrayList<>();
        LoopThread loop = LoopThread.start(TestLoops.unwatched()
                .errorHandler((source, error) -> errors.add(Map.entry(source, error)))
                .build());
        TlsPair pair;
        try {
            pair = new TlsPair(loop, errors, options);
        } catch (Exception | Error e) {
            loop.close();
            throw e;
        }
        try {
            pair.peer.startHandshake();
            ConnectedPair.await(pair.call(pair.stream::waitForHandshake));
        } catch (Exception | Error e) {
            pair.close();
            throw e;
        }
        return pair;
    }

    static TlsPair open() throws Exception {
        return open(StreamOptions.defaults());
    }

    IOLoop ioLoop() {
        return loop.loop;
    }

    <T> T call(Callable<T> task) throws Exception {
        return loop.call(task);
    }

    void run(ConnectedPair.LoopTask task) throws Exception {
        loop.call(() -> {
            task.run();
            return null;
        });
    }

    /** Writes {@code data} from the peer. */
    void send(byte[] data) throws IOException {
        OutputStream out = peer.getOutputStream();
        out.write(data);
        out.flush();
    }

    /** Writes {@code data} from the peer on a thread of its own, for data the stream may not take at once. */
    CompletableFuture<Void> sendInBackground(byte[] data) {
        return ConnectedPair.inBackground("tls-peer-writer", () -> send(data));
    }

    /** Reads exactly {@code n} bytes at the peer. */
    byte[] receive(int n) throws IOException {
        byte[] data = peer.getInputStream().readNBytes(n);
        assertThat(data.length).as("bytes before the end").isEqualTo(n);
        return data;
    }

    /** Reads at the peer until the end of the TLS input (a {@code close_notify}). */
    byte[] receiveToEnd() throws IOException {
        return peer.getInputStream().readAllBytes();
    }

    /** Ends the peer's output at the TCP level, without {@code close_notify}: a truncation between records. */
    void endWithoutCloseNotify() throws IOException {
        raw.shutdownOutput();
    }

    /**
     * Makes the peer's next socket write pass only its first half, then end the output: a truncation inside a
     * record.
     */
    void cutInNextWrite() {
        cuttable.cut = true;
    }

    @Override
    public void close() throws Exception {
        try {
            if (loop.thread.isAlive()) {
                run(stream::close);
            }
        } finally {
            closeQuietly(peer);
            closeQuietly(raw);
            closeQuietly(listener);
            loop.close();
        }
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception ignored) {
            // Cleanup after the test: a failure here must not hide the test's own result.
        }
    }

    /** A plain socket whose output can be cut in the middle of the next write. */
    private static final class CuttableSocket extends Socket {

        volatile boolean cut;
        private OutputStream out;

        @Override
        public synchronized OutputStream getOutputStream() throws IOException {
            if (out == null) {
                OutputStream real = super.getOutputStream();
                out = new FilterOutputStream(real) {
                    @Override
                    public void write(byte[] b, int off, int len) throws IOException {
                        if (!cut) {
                            real.write(b, off, len);
                            return;
                        }
                        real.write(b, off, len / 2);
                        real.flush();
                        shutdownOutput();
                        throw new IOException("cut by the test after " + len / 2 + " of " + len + " bytes");
                    }
                };
            }
            return out;
        }

        @Override
        public InputStream getInputStream() throws IOException {
            return super.getInputStream();
        }
    }
}
