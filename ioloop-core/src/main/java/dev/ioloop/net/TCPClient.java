package dev.ioloop.net;

import dev.ioloop.FdHandler;
import dev.ioloop.IOLoop;
import dev.ioloop.Timeout;
import dev.ioloop.stream.IOStream;
import dev.ioloop.stream.SSLIOStream;
import dev.ioloop.stream.StreamClosedException;
import dev.ioloop.stream.StreamOptions;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SSLContext;

/**
 * Opens TCP connections by host name (Tornado's {@code TCPClient.connect}): resolves the name off the loop thread,
 * then connects to its addresses in turn until one accepts.
 *
 * <pre>{@code
 * TCPClient.connect(loop, "example.com", 80, Duration.ofSeconds(5))
 *         .thenCompose(stream -> stream.write("GET / HTTP/1.0\r\n\r\n".getBytes(US_ASCII))
 *                 .thenCompose(v -> stream.readUntilClose()));
 * }</pre>
 *
 * <p>With an {@link SSLContext}, the connection is then wrapped in an {@link SSLIOStream} in client mode, and the
 * future completes once its handshake is done (Tornado's {@code ssl_options}):
 *
 * <pre>{@code
 * TCPClient.connect(loop, "example.com", 443, Duration.ofSeconds(5), SSLContext.getDefault(), "example.com")
 *         .thenCompose(stream -> ...);
 * }</pre>
 *
 * <p>Tornado tries the addresses of the first family returned and, 0.3 s later or as soon as one fails, those of
 * the other family in parallel ("Happy Eyeballs", RFC 6555). This client tries them strictly one after the other,
 * in the resolver's order: simpler, and the same result unless the first family silently drops connections, where
 * the {@code timeout} bounds the wait.
 */
public final class TCPClient {

    /** Resolves a host name to its addresses; blocking, called off the loop thread. A seam for tests. */
    @FunctionalInterface
    interface Resolver {
        InetAddress[] resolve(String host) throws Exception;
    }

    private TCPClient() {}

    /**
     * Connects with the default {@link StreamOptions}.
     *
     * @see #connect(IOLoop, String, int, Duration, StreamOptions)
     */
    public static CompletableFuture<IOStream> connect(IOLoop loop, String host, int port, Duration timeout) {
        return connect(loop, host, port, timeout, StreamOptions.defaults());
    }

    /**
     * Connects to {@code host}:{@code port}. The name is resolved ({@link InetAddress#getAllByName}) on the loop's
     * default executor ({@link IOLoop#runInExecutor}), so a slow DNS server never blocks the loop; then each address
     * is tried in turn, a non-blocking connect on the loop, until one connects.
     *
     * <p>The future completes on the loop thread, never inside this call: with the connected stream, or failed with
     * a {@link StreamClosedException} whose cause is what went wrong: the last address's connect error (a
     * {@link java.net.ConnectException} when refused), an {@link UnknownHostException}, or a
     * {@link TimeoutException} when {@code timeout} passed first. A timeout closes the connection attempt in
     * flight; cancelling the future does too. Either way no channel is left open.
     *
     * @param loop the loop the stream belongs to
     * @param host a host name or literal address
     * @param port the TCP port
     * @param timeout the longest the whole connect may take, resolution included (&gt; 0), or {@code null} for no
     *     limit but the system's own
     * @param options the stream's options
     * @return the connected stream
     * @throws NullPointerException if {@code loop}, {@code host} or {@code options} is {@code null}
     * @throws IllegalArgumentException if {@code port} is outside 0..65535 or {@code timeout} is not positive
     * @throws IllegalStateException if called from another thread while the loop runs, or on a closed loop
     */
    public static CompletableFuture<IOStream> connect(
            IOLoop loop, String host, int port, Duration timeout, StreamOptions options) {
        return connect(loop, host, port, timeout, options, InetAddress::getAllByName);
    }

    /**
     * Connects over TLS with the default {@link StreamOptions}.
     *
     * @see #connect(IOLoop, String, int, Duration, StreamOptions, SSLContext, String)
     */
    public static CompletableFuture<IOStream> connect(
            IOLoop loop, String host, int port, Duration timeout, SSLContext tls, String serverHostname) {
        return connect(loop, host, port, timeout, StreamOptions.defaults(), tls, serverHostname);
    }

    /**
     * Connects to {@code host}:{@code port} as {@link #connect(IOLoop, String, int, Duration, StreamOptions)} does
     * and, with {@code tls}, runs a TLS handshake over the connection: the future completes once it is done, with
     * an {@link SSLIOStream} (declared as {@link IOStream}, since {@code tls} may be {@code null}).
     *
     * <p>{@code serverHostname} is the name the server's certificate must match by the HTTPS rules, also sent as
     * SNI; usually {@code host} itself. With {@code null} the certificate chain is still checked against
     * {@code tls}'s trust managers, but not its name: anyone with a certificate from a trusted authority could
     * answer, so pass it unless the trust managers pin the one certificate expected.
     *
     * <p>A failed handshake fails the future with a {@link StreamClosedException} whose cause is the
     * {@link javax.net.ssl.SSLException}; the connection is closed. {@code timeout} bounds the whole: resolution,
     * connection and handshake (the stream's {@link StreamOptions#handshakeTimeout()} bounds the handshake too).
     *
     * @param loop the loop the stream belongs to
     * @param host a host name or literal address
     * @param port the TCP port
     * @param timeout the longest the whole connect may take (&gt; 0), or {@code null} for no limit but the
     *     system's own and the handshake timeout
     * @param options the stream's options
     * @param tls the TLS settings (trusted certificates, client keys), or {@code null} for plain TCP
     * @param serverHostname the name the server's certificate must match, or {@code null} not to check it
     * @return the connected stream, its handshake done
     * @throws NullPointerException if {@code loop}, {@code host} or {@code options} is {@code null}
     * @throws IllegalArgumentException if {@code port} is outside 0..65535 or {@code timeout} is not positive
     * @throws IllegalStateException if called from another thread while the loop runs, or on a closed loop
     */
    public static CompletableFuture<IOStream> connect(
            IOLoop loop,
            String host,
            int port,
            Duration timeout,
            StreamOptions options,
            SSLContext tls,
            String serverHostname) {
        return connect(loop, host, port, timeout, options, tls, serverHostname, InetAddress::getAllByName);
    }

    /** {@link #connect(IOLoop, String, int, Duration, StreamOptions)} with a resolver of the caller's. */
    static CompletableFuture<IOStream> connect(
            IOLoop loop, String host, int port, Duration timeout, StreamOptions options, Resolver resolver) {
        return connect(loop, host, port, timeout, options, null, null, resolver);
    }

    /** {@link #connect(IOLoop, String, int, Duration, StreamOptions, SSLContext, String)} with a resolver. */
    static CompletableFuture<IOStream> connect(
            IOLoop loop,
            String host,
            int port,
            Duration timeout,
            StreamOptions options,
            SSLContext tls,
            String serverHostname,
            Resolver resolver) {
        Objects.requireNonNull(loop, "loop");
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(options, "options");
        NetUtil.checkPort(port);
        if (timeout != null && (timeout.isNegative() || timeout.isZero())) {
            throw new IllegalArgumentException("timeout must be > 0: " + timeout);
        }
        LoopThreads.check(loop, "TCPClient.connect");
        if (loop.isClosed()) {
            throw new IllegalStateException("TCPClient.connect: IOLoop '" + loop.name() + "' is closed");
        }
        Connector connector = new Connector(loop, host, port, options, tls, serverHostname);
        connector.start(timeout, resolver);
        return connector.result;
    }

    /** One connect: the resolution, the attempts one after the other, the handshake, the timeout. Loop thread. */
    private static final class Connector implements FdHandler<SocketChannel> {

        final CompletableFuture<IOStream> result = new CompletableFuture<>();
        private final IOLoop loop;
        private final String host;
        private final int port;
        private final StreamOptions options;
        private final SSLContext tls;
        private final String serverHostname;
        private Timeout timer;
        private Iterator<InetAddress> addresses;
        private SocketChannel attempt;
        private SSLIOStream handshaking;
        private Exception lastError;

        Connector(IOLoop loop, String host, int port, StreamOptions options, SSLContext tls, String serverHostname) {
            this.loop = loop;
            this.host = host;
            this.port = port;
            this.options = options;
            this.tls = tls;
            this.serverHostname = serverHostname;
        }

        void start(Duration timeout, Resolver resolver) {
            if (timeout != null) {
                timer = loop.callLater(timeout, () -> timedOut(timeout));
            }
            // Cancelled from any thread: the attempt in flight is closed on the loop.
            result.whenComplete((stream, error) -> {
                if (result.isCancelled()) {
                    loop.addCallback(this::finish);
                }
            });
            loop.runInExecutor(null, () -> resolver.resolve(host)).whenComplete(this::resolved);
        }

        private void resolved(InetAddress[] resolved, Throwable error) {
            if (result.isDone()) {
                return; // timed out or cancelled while resolving
            }
            if (error != null) {
                fail(error);
            } else if (resolved.length == 0) {
                fail(new UnknownHostException("no address for " + host));
            } else {
                addresses = List.of(resolved).iterator();
                tryNext();
            }
        }

        /** Connects to the next address, or fails with the last error if none is left. */
        private void tryNext() {
            while (addresses.hasNext()) {
                InetSocketAddress address = new InetSocketAddress(addresses.next(), port);
                SocketChannel ch = null;
                try {
                    ch = SocketChannel.open();
                    ch.configureBlocking(false);
                    if (ch.connect(address)) {
                        connected(ch);
                        return;
                    }
                    loop.addHandler(ch, this, IOLoop.WRITE);
                    attempt = ch;
                    return;
                } catch (IOException | RuntimeException e) {
                    if (ch != null) {
                        NetUtil.closeQuietly(ch, e);
                    }
                    lastError = e;
                }
            }
            fail(lastError);
        }

        /** The attempt's channel is connectable: connected, or refused. */
        @Override
        public void handle(SocketChannel ch, int events) {
            boolean connected;
            try {
                connected = ch.finishConnect();
            } catch (IOException e) {
                abandonAttempt(e);
                lastError = e;
                tryNext();
                return;
            }
            if (connected) {
                loop.removeHandler(ch);
                attempt = null;
                connected(ch);
            }
        }

        private void connected(SocketChannel ch) {
            IOStream stream;
            try {
                stream = tls == null
                        ? IOStream.of(loop, ch, options)
                        : SSLIOStream.of(loop, ch, tls, false, serverHostname, options, null);
            } catch (RuntimeException e) {
                NetUtil.closeQuietly(ch, e);
                lastError = e;
                tryNext();
                return;
            }
            if (result.isDone()) {
                stream.close(); // cancelled meanwhile
                return;
            }
            if (stream instanceof SSLIOStream secure) {
                // Complete once the handshake is done; the timer and a cancel still apply meanwhile.
                handshaking = secure;
                secure.waitForHandshake().whenComplete(this::handshakeDone);
                return;
            }
            finish();
            result.complete(stream);
        }

        private void handshakeDone(SSLIOStream stream, Throwable error) {
            if (result.isDone()) {
                return; // timed out or cancelled: finish() closed the stream
            }
            handshaking = null;
            finish();
            if (error == null) {
                result.complete(stream);
            } else {
                // Already a StreamClosedException whose cause is the SSLException.
                result.completeExceptionally(error);
            }
        }

        private void timedOut(Duration timeout) {
            timer = null;
            fail(new TimeoutException(
                    "connect to " + host + ":" + port + " timed out after " + timeout.toMillis() + " ms"));
        }

        private void fail(Throwable error) {
            finish();
            result.completeExceptionally(new StreamClosedException(error));
        }

        /** Before the result is settled, so that its dependents see no timer and no attempt left. */
        private void finish() {
            if (timer != null) {
                timer.cancel();
                timer = null;
            }
            abandonAttempt(null);
        }

        private void abandonAttempt(Exception failure) {
            if (handshaking != null) {
                handshaking.close();
                handshaking = null;
            }
            if (attempt != null) {
                loop.removeHandler(attempt);
                NetUtil.closeQuietly(attempt, failure);
                attempt = null;
            }
        }
    }
}
