package dev.ioloop.stream;

import dev.ioloop.IOLoop;
import dev.ioloop.Timeout;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSession;

/**
 * An {@link IOStream} over TLS (Tornado's {@code SSLIOStream}), on the JDK's {@link SSLEngine}: the same reads,
 * writes, fast path, limits, water marks and close rules, over encrypted records.
 *
 * <pre>{@code
 * // a client: connect, then switch to TLS, checking the server's certificate for "example.com"
 * IOStream.connect(loop, new InetSocketAddress("example.com", 443))
 *         .thenCompose(plain -> plain.startTls(SSLContext.getDefault(), false, "example.com"))
 *         .thenCompose(tls -> tls.write(request).thenCompose(v -> tls.readUntilClose()));
 * }</pre>
 *
 * <p>Made by {@link IOStream#startTls}, by a TLS {@code TCPServer} for each connection, by
 * {@code TCPClient.connect} with an {@link SSLContext}, or by {@link #of(IOLoop, SocketChannel, SSLEngine,
 * StreamOptions, StreamCounters)} over an engine of one's own (for ALPN, chosen protocols; a TLS {@code TCPServer}
 * asks for client certificates itself, see {@link dev.ioloop.net.ClientAuth}).
 *
 * <h2>The handshake</h2>
 * The stream starts its handshake when it is made and drives it from the loop, whether or not anyone reads.
 * Reads wait for it; writes issued meanwhile are queued and sent after it (they count against the water marks as
 * usual). {@link #waitForHandshake()} says when it is done. A handshake that fails (a certificate the peer or this
 * end rejects, a host name that does not match, a peer that does not speak TLS, a peer that closes) or does not
 * finish within {@link StreamOptions#handshakeTimeout()} closes the stream with the {@link SSLException} as its
 * {@linkplain #error() error}: {@link #waitForHandshake()} and every pending future fail with a
 * {@link StreamClosedException} whose cause is it. Nothing is logged and nothing goes to the loop's error handler:
 * a bad peer is not a bug of the handler. The engine's delegated tasks (certificate checks) run on the loop thread.
 *
 * <h2>Reading, writing, counting</h2>
 * Reads and writes behave exactly as on {@link IOStream}. Queued output (for the water marks and
 * {@link StreamOptions#maxWriteBufferSize()}) is the plaintext not yet encrypted plus the records not yet written,
 * counted as the plaintext they carry; a write's future completes once its records are in the kernel.
 * {@link StreamCounters} count plaintext bytes. Each read step unwraps every whole record one socket read brings
 * (at most {@link StreamOptions#readChunkSize()} bytes of plaintext, the rest kept for the next step); each write
 * step wraps up to {@link StreamOptions#readChunkSize()} bytes into records and writes them with one call.
 *
 * <h2>Engines</h2>
 * Any {@link SSLEngine} works: the JDK's (the default provider, SunJSSE), or that of another JCA provider, given
 * through the {@link SSLContext} (for example {@code SSLContext.getInstance("TLS", Conscrypt.newProvider())}).
 * Both are tested. The JDK's engine does its public-key cryptography in Java: a TLS 1.3 handshake with an ECDSA
 * P-256 certificate costs about 1.5 ms of CPU on JDK 17 (0.9 ms of it signing, 0.5 ms in X25519), 10-30 times
 * what OpenSSL takes, and a server serving a burst of new connections makes the requests of the others wait that
 * long per handshake. Conscrypt's engine (BoringSSL, {@code org.conscrypt:conscrypt-openjdk-uber}) does the same
 * in native code.
 *
 * <h2>Closing</h2>
 * {@link #close()} sends {@code close_notify} when the socket takes it without blocking; so does
 * {@link #closeGracefully}, before it half-closes the socket. The peer's {@code close_notify} is a clean end of
 * input, as a FIN is on a plain socket. The end of the socket's input without {@code close_notify} is a
 * truncation (an attacker or a crash may have cut the data short): the stream closes with an
 * {@link SSLException} as its error, never as a clean end, so {@link #readUntilClose()} fails. Renegotiation
 * (TLS 1.2 and older) is refused the same way; TLS 1.3's post-handshake messages are handled.
 *
 * <p>Threading: as {@link IOStream}: the loop's thread only, except {@link #isClosed()}, {@link #loop()} and
 * {@link #remoteAddress()}.
 */
public final class SSLIOStream extends IOStream {

    private final TlsTransport tls;
    private final Runnable pump = this::pump;
    private List<CompletableFuture<SSLIOStream>> waiters;
    private Timeout handshakeTimer;
    private boolean pumpScheduled;

    SSLIOStream(
            IOLoop loop,
            SocketChannel channel,
            SSLEngine engine,
            StreamOptions options,
            StreamCounters counters,
            boolean countOpen) {
        this(loop, channel, new TlsTransport(channel, engine), options, counters, countOpen);
    }

    private SSLIOStream(
            IOLoop loop,
            SocketChannel channel,
            TlsTransport tls,
            StreamOptions options,
            StreamCounters counters,
            boolean countOpen) {
        super(loop, channel, tls, tls, options, counters, countOpen);
        this.tls = tls;
        tls.attach(this);
        Duration timeout = options.handshakeTimeout();
        handshakeTimer = loop.callLater(timeout, () -> handshakeTimedOut(timeout));
        try {
            tls.engine().beginHandshake();
        } catch (SSLException e) {
            close(e);
            return;
        }
        updateInterest(); // the handshake runs whether or not anyone reads
    }

    // ---------------------------------------------------------------- factories

    /**
     * Wraps a connected socket in TLS with an engine made from {@code context}, as {@link IOStream#startTls} does,
     * and starts the handshake; for servers and clients that open their own sockets.
     *
     * @param loop the loop the stream belongs to
     * @param channel a connected socket channel; the stream owns and closes it
     * @param context the TLS configuration
     * @param serverSide whether this end is the TLS server
     * @param serverHostname for a client, the name the server's certificate must match (sent as SNI too), or
     *     {@code null} to skip the name check; ignored on the server side
     * @param options the stream's options, {@link StreamOptions#handshakeTimeout()} included
     * @param counters where the stream counts itself and its bytes, or {@code null}
     * @return the stream, its handshake running
     * @throws NullPointerException if {@code loop}, {@code channel}, {@code context} or {@code options} is
     *     {@code null}
     * @throws IllegalArgumentException if the channel is not connected, or {@code serverHostname} is not a valid
     *     host name
     * @throws IllegalStateException if called from another thread while the loop runs
     */
    public static SSLIOStream of(
            IOLoop loop,
            SocketChannel channel,
            SSLContext context,
            boolean serverSide,
            String serverHostname,
            StreamOptions options,
            StreamCounters counters) {
        Objects.requireNonNull(channel, "channel");
        Objects.requireNonNull(context, "context");
        SSLEngine engine = newEngine(context, serverSide, serverHostname, remoteOf(channel));
        return of(loop, channel, engine, options, counters);
    }

    /**
     * Wraps a connected socket in TLS with an engine of the caller's, in client or server mode as the caller set
     * it, and starts the handshake.
     *
     * @param loop the loop the stream belongs to
     * @param channel a connected socket channel; the stream owns and closes it
     * @param engine a fresh engine, its mode and parameters set; the stream owns it
     * @param options the stream's options, {@link StreamOptions#handshakeTimeout()} included
     * @param counters where the stream counts itself and its bytes, or {@code null}
     * @return the stream, its handshake running
     * @throws NullPointerException if {@code loop}, {@code channel}, {@code engine} or {@code options} is
     *     {@code null}
     * @throws IllegalArgumentException if the channel is not connected
     * @throws IllegalStateException if called from another thread while the loop runs
     */
    public static SSLIOStream of(
            IOLoop loop, SocketChannel channel, SSLEngine engine, StreamOptions options, StreamCounters counters) {
        Objects.requireNonNull(loop, "loop");
        Objects.requireNonNull(channel, "channel");
        Objects.requireNonNull(engine, "engine");
        Objects.requireNonNull(options, "options");
        if (!channel.isConnected()) {
            throw new IllegalArgumentException("TLS needs a connected socket: " + channel);
        }
        return new SSLIOStream(loop, channel, engine, options, counters, true);
    }

    /**
     * The engine {@link IOStream#startTls} and the factories use: a server engine, or a client engine that, given
     * a host name, sends it as SNI (unless it is an IP address) and checks the certificate against it by the HTTPS
     * rules.
     */
    static SSLEngine newEngine(SSLContext context, boolean serverSide, String serverHostname, SocketAddress remote) {
        if (serverSide) {
            SSLEngine engine = context.createSSLEngine();
            engine.setUseClientMode(false);
            return engine;
        }
        int port = remote instanceof InetSocketAddress inet ? inet.getPort() : -1;
        SSLEngine engine =
                serverHostname == null ? context.createSSLEngine() : context.createSSLEngine(serverHostname, port);
        engine.setUseClientMode(true);
        if (serverHostname != null) {
            SSLParameters parameters = engine.getSSLParameters();
            parameters.setEndpointIdentificationAlgorithm("HTTPS");
            if (!isIpLiteral(serverHostname)) {
                parameters.setServerNames(List.of(new SNIHostName(serverHostname))); // RFC 6066: no IPs in SNI
            }
            engine.setSSLParameters(parameters);
        }
        return engine;
    }

    // ---------------------------------------------------------------- TLS

    /**
     * Returns a future that completes with this stream once the handshake is done (Tornado's
     * {@code wait_for_handshake}), on the loop thread and never inside this call; a new future on each call. It
     * fails with a {@link StreamClosedException} if the stream closes first: its cause is the
     * {@link SSLException} of a failed handshake (an {@link SSLHandshakeException} when the peer closed or the
     * {@link StreamOptions#handshakeTimeout()} passed), or {@code null} after a plain {@link #close()}.
     *
     * @return the stream, once its handshake is done
     * @throws IllegalStateException on the wrong thread
     */
    public CompletableFuture<SSLIOStream> waitForHandshake() {
        checkThread("waitForHandshake");
        CompletableFuture<SSLIOStream> future = new CompletableFuture<>();
        if (tls.established()) {
            completeLater(future, this);
        } else if (isClosed()) {
            failLater(future, closedException());
        } else {
            if (waiters == null) {
                waiters = new ArrayList<>(2);
            }
            waiters.add(future);
        }
        return future;
    }

    /**
     * Returns the TLS session: protocol, cipher suite, the peer's certificates. Before the handshake is done it is
     * the engine's placeholder session ({@code SSL_NULL_WITH_NULL_NULL}, no peer certificates), so read the peer's
     * certificates once {@link #waitForHandshake()} has completed: on a server with client authentication
     * ({@link dev.ioloop.net.ClientAuth}), {@code session().getPeerCertificates()[0]} is then the client's
     * certificate; for a client that sent none (a {@code WANT} server) it throws
     * {@link javax.net.ssl.SSLPeerUnverifiedException}.
     *
     * @throws IllegalStateException on the wrong thread
     */
    public SSLSession session() {
        checkThread("session");
        return tls.engine().getSession();
    }

    /**
     * Refused: the stream is TLS already.
     *
     * @throws IllegalStateException always
     */
    @Override
    public CompletableFuture<SSLIOStream> startTls(SSLContext context, boolean serverSide, String serverHostname) {
        throw new IllegalStateException("startTls on a stream that is TLS already: " + this);
    }

    // ---------------------------------------------------------------- the transport's hooks

    @Override
    void handleEvents(int ready) {
        if (isClosed()) {
            return;
        }
        int events = ready;
        if (!tls.established()) {
            boolean done;
            try {
                done = tls.handshake();
            } catch (IOException e) {
                close(e);
                return;
            }
            if (!done) {
                updateInterest();
                return;
            }
            handshakeDone();
            // Plaintext may have come with the last flight, and writes may be queued: try both.
            events = IOLoop.READ | IOLoop.WRITE;
        } else if ((ready & IOLoop.WRITE) != 0 && tls.outputPending()) {
            try {
                tls.flush();
            } catch (IOException e) {
                close(e);
                return;
            }
        }
        super.handleEvents(events);
    }

    @Override
    int wantedEvents() {
        if (!tls.established()) {
            return tls.handshakeEvents();
        }
        int events = super.wantedEvents();
        return tls.outputPending() ? events | IOLoop.WRITE : events;
    }

    @Override
    void updateInterest() {
        super.updateInterest();
        // Plaintext or whole records left over by the last step: no socket event will announce them.
        if (!pumpScheduled && tls.established() && tls.inputPending() && wantsRead()) {
            pumpScheduled = true;
            loop().addCallback(pump);
        }
    }

    @Override
    void shutdownOutput(SocketChannel socket) throws IOException {
        tls.closeOutbound();
        super.shutdownOutput(socket);
    }

    @Override
    void closeChannel() {
        if (handshakeTimer != null) {
            handshakeTimer.cancel();
            handshakeTimer = null;
        }
        tls.close();
        super.closeChannel();
        if (waiters != null) {
            StreamClosedException closed = closedException();
            for (CompletableFuture<SSLIOStream> w : waiters) {
                failLater(w, closed);
            }
            waiters = null;
        }
    }

    // ---------------------------------------------------------------- internals

    /** A read step for input the transport holds, in a later callback, while the stream still wants it. */
    private void pump() {
        pumpScheduled = false;
        if (!isClosed() && tls.established() && tls.inputPending() && wantsRead()) {
            handleEvents(IOLoop.READ);
        }
    }

    private void handshakeDone() {
        if (handshakeTimer != null) {
            handshakeTimer.cancel();
            handshakeTimer = null;
        }
        if (waiters != null) {
            for (CompletableFuture<SSLIOStream> w : waiters) {
                completeLater(w, this);
            }
            waiters = null;
        }
    }

    private void handshakeTimedOut(Duration timeout) {
        handshakeTimer = null;
        if (!isClosed() && !tls.established()) {
            close(new SSLHandshakeException(
                    "TLS handshake did not finish within " + timeout.toMillis() + " ms (handshakeTimeout)"));
        }
    }

    private static boolean isIpLiteral(String host) {
        return host.indexOf(':') >= 0 || host.chars().allMatch(c -> c == '.' || (c >= '0' && c <= '9'));
    }

    private static SocketAddress remoteOf(SocketChannel channel) {
        try {
            return channel.getRemoteAddress();
        } catch (IOException e) {
            return null;
        }
    }
}
