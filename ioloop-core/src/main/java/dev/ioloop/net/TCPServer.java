package dev.ioloop.net;

import dev.ioloop.IOLoop;
import dev.ioloop.IOLoopGroup;
import dev.ioloop.stream.IOStream;
import dev.ioloop.stream.SSLIOStream;
import dev.ioloop.stream.StreamCounters;
import dev.ioloop.stream.StreamOptions;
import java.io.Closeable;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A non-blocking TCP (or Unix domain socket) server that hands each accepted connection, as an {@link IOStream}, to
 * a {@link StreamHandler} (Tornado's {@code TCPServer}).
 *
 * <pre>{@code
 * IOLoop loop = new IOLoop();
 * TCPServer server = new TCPServer(loop, (stream, remote) -> echo(stream));
 * server.listen(8888, null); // every address, IPv4 and IPv6
 * loop.start();
 *
 * static void echo(IOStream stream) {
 *     stream.readUntil("\n".getBytes(US_ASCII)).thenCompose(stream::write).whenComplete((v, e) -> {
 *         if (e == null) echo(stream); else stream.close();
 *     });
 * }
 * }</pre>
 *
 * <p>Each connection is accepted by {@link NetUtil#addAcceptHandler} (at most 128 per event, a pause when out of
 * file descriptors), wrapped with {@link IOStream#of(IOLoop, SocketChannel, StreamOptions, StreamCounters)} with the
 * server's options and {@link #counters()}, and passed to the handler on the loop thread. An exception from the
 * handler goes to the loop's {@link dev.ioloop.ErrorHandler} (through {@link IOLoop#handleCallbackException}, the
 * handler as the source) and closes that stream only.
 *
 * <h2>TLS</h2>
 * Given an {@link SSLContext} ({@link #TCPServer(IOLoop, StreamHandler, StreamOptions, SSLContext)}), the server
 * wraps each connection in an {@link SSLIOStream} and calls the handler at once, while the handshake runs (as
 * Tornado does): the handler reads and writes as usual, reads wait for the handshake and writes are sent after it;
 * {@link SSLIOStream#waitForHandshake()} (cast the stream) says when it is done. A client that fails the
 * handshake (a plaintext client, random bytes, a client that rejects the certificate) or does not finish it
 * within {@link StreamOptions#handshakeTimeout()} (a client that connects and says nothing) has its stream closed,
 * with the {@link javax.net.ssl.SSLException} as the stream's error: the handler's pending futures fail with it,
 * nothing is logged and nothing goes to the error handler, and the server's other connections are not affected.
 *
 * <h3>Client certificates (mutual TLS)</h3>
 * {@link #TCPServer(IOLoop, StreamHandler, StreamOptions, SSLContext, ClientAuth)} with {@link ClientAuth#NEED}
 * requires each client to present a certificate the context's trust managers accept, and with
 * {@link ClientAuth#WANT} asks for one without requiring it. The handler reads the client's certificate once the
 * handshake is done:
 *
 * <pre>{@code
 * new TCPServer(loop, (stream, remote) -> ((SSLIOStream) stream).waitForHandshake().thenAccept(tls -> {
 *     X509Certificate client = (X509Certificate) tls.session().getPeerCertificates()[0];
 *     ... // client.getSubjectX500Principal(): who is calling
 * }), StreamOptions.defaults(), context, ClientAuth.NEED);
 * }</pre>
 *
 * <p>{@code getPeerCertificates()} throws {@link javax.net.ssl.SSLPeerUnverifiedException} before the handshake is
 * done, and after it for a client of a {@code WANT} server that sent none. A client without a certificate on a
 * {@code NEED} server, or with one the context does not trust, fails the handshake like any other bad client above:
 * its stream closes quietly and the server goes on. With TLS 1.3 the client finishes its side of the handshake
 * before the server has checked its certificate, so such a client learns of the refusal from an alert on its first
 * read rather than from its handshake.
 *
 * <p>Threading: {@link #listen}, {@link #addSockets} and {@link #stop} follow {@link IOLoop#addHandler}'s rule: on
 * the loop's thread, or before the loop starts; from another thread while it runs they throw
 * {@link IllegalStateException} (use {@link IOLoop#addCallback}). {@link #boundAddresses()}, {@link #counters()},
 * {@link #openStreams()} and {@link #drain} are safe from any thread.
 *
 * <p>Graceful shutdown: {@link #pause()} (or {@link #stop()}), then {@link #drain} asks every open connection to
 * finish ({@link IOStream#drain()}) and says when the last has closed.
 */
public class TCPServer implements Closeable {

    private static final Logger log = LoggerFactory.getLogger(TCPServer.class);
    private static final long FORWARD_TIMEOUT_SECONDS = 10;

    /** The loop that accepts: the server's loop, or loop 0 of its group. */
    private final IOLoop loop;

    private final IOLoopGroup group;
    private final StreamHandler handler;
    private final StreamOptions options;
    private final SSLContext tls;
    private final ClientAuth clientAuth;
    private final StreamCounters counters = new StreamCounters();
    private final List<Listener> listeners = new CopyOnWriteArrayList<>();
    /** The streams open now, on whichever loops serve them. */
    private final Set<IOStream> streams = ConcurrentHashMap.newKeySet();
    /** The last {@link #drain}, running or done; {@code null} before the first. */
    private volatile Drain drain;

    /** One {@link #drain}: its future, and whether its time is up (the stragglers' closes must not complete it). */
    private static final class Drain {
        final CompletableFuture<Boolean> done = new CompletableFuture<>();
        volatile boolean timedOut;
    }

    private boolean stopped;
    private boolean paused;

    /** One listening socket: its address, the way to stop accepting on it, the Unix socket file it created. */
    private record Listener(
            ServerSocketChannel socket, SocketAddress address, Runnable removeAccept, Path createdFile) {}

    /**
     * Creates a server with the default {@link StreamOptions}; it listens once {@link #listen} or
     * {@link #addSockets} is called.
     *
     * @param loop the loop that accepts and serves the connections
     * @param handler called for each accepted connection
     * @throws NullPointerException if an argument is {@code null}
     */
    public TCPServer(IOLoop loop, StreamHandler handler) {
        this(loop, handler, StreamOptions.defaults());
    }

    /**
     * Creates a server whose streams get {@code options} (Tornado's {@code max_buffer_size} and
     * {@code read_chunk_size}, and more).
     *
     * @param loop the loop that accepts and serves the connections
     * @param handler called for each accepted connection
     * @param options the options of every accepted stream
     * @throws NullPointerException if an argument is {@code null}
     */
    public TCPServer(IOLoop loop, StreamHandler handler, StreamOptions options) {
        this(loop, handler, options, null);
    }

    /**
     * Creates a server whose streams get {@code options} and, with {@code tls}, speak TLS (Tornado's
     * {@code ssl_options}): each connection is an {@link SSLIOStream} in server mode, handed to the handler while
     * its handshake runs, and closed if the handshake does not finish within
     * {@link StreamOptions#handshakeTimeout()}. Each connection's engine is {@code tls.createSSLEngine()} in
     * server mode, with the context's default parameters (no client certificates: see
     * {@link #TCPServer(IOLoop, StreamHandler, StreamOptions, SSLContext, ClientAuth)}).
     *
     * @param loop the loop that accepts and serves the connections
     * @param handler called for each accepted connection
     * @param options the options of every accepted stream
     * @param tls the TLS keys and settings, or {@code null} for plain TCP
     * @throws NullPointerException if {@code loop}, {@code handler} or {@code options} is {@code null}
     */
    public TCPServer(IOLoop loop, StreamHandler handler, StreamOptions options, SSLContext tls) {
        this(loop, handler, options, tls, ClientAuth.NONE);
    }

    /**
     * Creates a TLS server, as {@link #TCPServer(IOLoop, StreamHandler, StreamOptions, SSLContext)}, that asks its
     * clients for certificates ({@link ClientAuth#WANT}) or requires them ({@link ClientAuth#NEED}): each
     * connection's engine gets {@link javax.net.ssl.SSLEngine#setWantClientAuth} or
     * {@link javax.net.ssl.SSLEngine#setNeedClientAuth}, and {@code tls}'s trust managers decide which certificates
     * are accepted. The handler reads the client's certificate from
     * {@code ((SSLIOStream) stream).session().getPeerCertificates()} once {@link SSLIOStream#waitForHandshake()}
     * has completed (see the class documentation).
     *
     * <p>Client authentication is an argument rather than something to set on an {@link SSLContext} because a
     * context has no such setting: it is a property of each engine, which the server makes per connection. It is
     * fixed when the server is made, with the context it applies to, so every connection of a server (on any loop
     * of a group) is treated alike.
     *
     * @param loop the loop that accepts and serves the connections
     * @param handler called for each accepted connection
     * @param options the options of every accepted stream
     * @param tls the TLS keys, trusted certificates and settings, or {@code null} for plain TCP
     * @param clientAuth whether clients must, may or need not present a certificate
     * @throws NullPointerException if {@code loop}, {@code handler}, {@code options} or {@code clientAuth} is
     *     {@code null}
     * @throws IllegalArgumentException if {@code clientAuth} is not {@link ClientAuth#NONE} and {@code tls} is
     *     {@code null}
     */
    public TCPServer(IOLoop loop, StreamHandler handler, StreamOptions options, SSLContext tls, ClientAuth clientAuth) {
        this.loop = Objects.requireNonNull(loop, "loop");
        this.group = null;
        this.handler = Objects.requireNonNull(handler, "handler");
        this.options = Objects.requireNonNull(options, "options");
        this.tls = tls;
        this.clientAuth = checkClientAuth(clientAuth, tls);
    }

    /**
     * Creates a server over a group of loops, with the default {@link StreamOptions}; see
     * {@link #TCPServer(IOLoopGroup, StreamHandler, StreamOptions)}.
     */
    public TCPServer(IOLoopGroup group, StreamHandler handler) {
        this(group, handler, StreamOptions.defaults());
    }

    /**
     * Creates a server over a group of loops: loop 0 accepts, and hands each connection to the next loop of the group
     * in round-robin order ({@link IOLoopGroup#next()}), which serves it for its whole life: its stream, its handler
     * call and every callback of its futures run on that loop's thread. Round-robin spreads connections evenly
     * however they arrive (100 connections on 2 loops: 50 each); one acceptor serves Unix-domain sockets too, which
     * {@code SO_REUSEPORT} cannot balance. Accepting costs loop 0 one {@code accept} and one cross-thread
     * {@code addCallback} per connection, a few microseconds, so it becomes the limit only at tens of thousands of
     * new connections per second.
     *
     * <p>Threading: unlike a server over one loop, {@link #listen}, {@link #addSockets}, {@link #stop},
     * {@link #pause} and {@link #resume} may be called from any thread, before or after {@link IOLoopGroup#start()}:
     * while loop 0 runs, they run on its thread through {@link IOLoop#addCallback}, and return when done.
     *
     * @param group the loops that serve the connections
     * @param handler called for each accepted connection, on the loop that serves it
     * @param options the options of every accepted stream
     * @throws NullPointerException if an argument is {@code null}
     */
    public TCPServer(IOLoopGroup group, StreamHandler handler, StreamOptions options) {
        this(group, handler, options, null);
    }

    /**
     * Creates a server over a group of loops, as {@link #TCPServer(IOLoopGroup, StreamHandler, StreamOptions)}, whose
     * connections speak TLS with {@code tls} (see {@link #TCPServer(IOLoop, StreamHandler, StreamOptions,
     * SSLContext)}); each connection's handshake runs on the loop that serves it.
     *
     * @param group the loops that serve the connections
     * @param handler called for each accepted connection, on the loop that serves it
     * @param options the options of every accepted stream
     * @param tls the TLS keys and settings, or {@code null} for plain TCP
     * @throws NullPointerException if {@code group}, {@code handler} or {@code options} is {@code null}
     */
    public TCPServer(IOLoopGroup group, StreamHandler handler, StreamOptions options, SSLContext tls) {
        this(group, handler, options, tls, ClientAuth.NONE);
    }

    /**
     * Creates a server over a group of loops, as {@link #TCPServer(IOLoopGroup, StreamHandler, StreamOptions,
     * SSLContext)}, that asks its clients for certificates or requires them, as
     * {@link #TCPServer(IOLoop, StreamHandler, StreamOptions, SSLContext, ClientAuth)} does.
     *
     * @param group the loops that serve the connections
     * @param handler called for each accepted connection, on the loop that serves it
     * @param options the options of every accepted stream
     * @param tls the TLS keys, trusted certificates and settings, or {@code null} for plain TCP
     * @param clientAuth whether clients must, may or need not present a certificate
     * @throws NullPointerException if {@code group}, {@code handler}, {@code options} or {@code clientAuth} is
     *     {@code null}
     * @throws IllegalArgumentException if {@code clientAuth} is not {@link ClientAuth#NONE} and {@code tls} is
     *     {@code null}
     */
    public TCPServer(
            IOLoopGroup group, StreamHandler handler, StreamOptions options, SSLContext tls, ClientAuth clientAuth) {
        this.group = Objects.requireNonNull(group, "group");
        this.loop = group.loops().get(0);
        this.handler = Objects.requireNonNull(handler, "handler");
        this.options = Objects.requireNonNull(options, "options");
        this.tls = tls;
        this.clientAuth = checkClientAuth(clientAuth, tls);
    }

    private static ClientAuth checkClientAuth(ClientAuth clientAuth, SSLContext tls) {
        Objects.requireNonNull(clientAuth, "clientAuth");
        if (clientAuth != ClientAuth.NONE && tls == null) {
            throw new IllegalArgumentException("clientAuth " + clientAuth + " needs TLS, but the SSLContext is null");
        }
        return clientAuth;
    }

    /**
     * Starts accepting on one address (Tornado's {@code listen} and {@code bind_unix_socket}), with a backlog of
     * {@link NetUtil#defaultListenBacklog()} (the system's limit). May be called again to listen on more addresses.
     *
     * <ul>
     *   <li>An {@link InetSocketAddress} binds exactly its address, port 0 picking a free port: {@code 0.0.0.0} is
     *       IPv4 only, {@code ::} serves both families (see {@link NetUtil#bindSockets}); {@link #listen(int,
     *       String)} with a {@code null} host is the way to say "every address". An unresolved one is resolved and
     *       bound on each of its addresses, as {@code listen(port, host)}.</li>
     *   <li>A {@link UnixDomainSocketAddress} binds a Unix domain socket at its path (replacing a stale socket
     *       file, see {@link NetUtil#bindUnix}); {@link #stop()} removes the file.</li>
     * </ul>
     *
     * @param address where to listen
     * @throws NullPointerException if {@code address} is {@code null}
     * @throws IllegalArgumentException if the address is of another type, or its port is out of range
     * @throws IllegalStateException if called from another thread while the loop runs, after {@link #stop()}, or
     *     on a closed loop
     * @throws IOException if binding fails (the address is in use, the path exists and is not a socket)
     */
    public void listen(SocketAddress address) throws IOException {
        if (forwardToAcceptor()) {
            onAcceptor(() -> {
                listen(address);
                return null;
            });
            return;
        }

        Objects.requireNonNull(address, "address");
        checkListening("TCPServer.listen");
        if (address instanceof UnixDomainSocketAddress unix) {
            Path path = unix.getPath();
            ServerSocketChannel socket = NetUtil.bindUnix(path, NetUtil.defaultListenBacklog());
            add(List.of(socket), path);
        } else if (address instanceof InetSocketAddress inet) {
            if (inet.isUnresolved()) {
                listen(inet.getPort(), inet.getHostString());
            } else {
                add(
                        NetUtil.bindAll(
                                inet.getPort(), List.of(inet.getAddress()), NetUtil.defaultListenBacklog(), false),
                        null);
            }
        } else {
            throw new IllegalArgumentException(
                    "cannot listen on a " + address.getClass().getName() + ": " + address
                            + " (use an InetSocketAddress or a UnixDomainSocketAddress)");
        }
    }

    /**
     * Starts accepting on {@code port} (Tornado's {@code listen(port, address)}): on every address of every family
     * with {@code host} {@code null}, else on each address {@code host} resolves to, all on one port; see
     * {@link NetUtil#bindSockets}. The backlog is {@link NetUtil#defaultListenBacklog()}. May be called again to listen
     * on more ports.
     *
     * @param port the port, 0 to pick a free one ({@link #boundAddresses()} tells which)
     * @param host a host name or literal address, or {@code null} for every address
     * @throws IllegalArgumentException if {@code port} is outside 0..65535
     * @throws IllegalStateException if called from another thread while the loop runs, after {@link #stop()}, or
     *     on a closed loop
     * @throws IOException if binding fails (the port is in use, the host does not resolve)
     */
    public void listen(int port, String host) throws IOException {
        if (forwardToAcceptor()) {
            onAcceptor(() -> {
                listen(port, host);
                return null;
            });
            return;
        }

        NetUtil.checkPort(port);
        checkListening("TCPServer.listen");
        add(NetUtil.bindSockets(port, host, NetUtil.defaultListenBacklog(), false), null);
    }

    /**
     * Starts accepting on sockets bound elsewhere (Tornado's {@code add_sockets}), for example by
     * {@link NetUtil#bindSockets} with {@code SO_REUSEPORT}, or inherited. The server owns them from now on:
     * {@link #stop()} closes them.
     *
     * @param sockets bound, listening, non-blocking sockets not registered with the loop
     * @throws NullPointerException if the array or one of its elements is {@code null} (nothing is added then)
     * @throws IllegalArgumentException if a socket is in blocking mode, closed, or registered with the loop already
     *     (the sockets before it in the array are added)
     * @throws IllegalStateException if called from another thread while the loop runs, after {@link #stop()}, or
     *     on a closed loop
     */
    public void addSockets(ServerSocketChannel... sockets) {
        if (forwardToAcceptor()) {
            onAcceptorUnchecked(() -> addSockets(sockets));
            return;
        }

        Objects.requireNonNull(sockets, "sockets");
        for (int i = 0; i < sockets.length; i++) {
            Objects.requireNonNull(sockets[i], "sockets[" + i + "]");
        }
        checkListening("TCPServer.addSockets");
        for (ServerSocketChannel socket : sockets) {
            listeners.add(new Listener(
                    socket, localAddress(socket), NetUtil.addAcceptHandler(loop, socket, this::accepted), null));
        }
    }

    /**
     * Returns the addresses the server listens on, in the order they were added, with the real port where port 0
     * was asked for; empty after {@link #stop()}. Safe from any thread.
     */
    public List<SocketAddress> boundAddresses() {
        List<SocketAddress> addresses = new ArrayList<>(listeners.size());
        for (Listener listener : listeners) {
            addresses.add(listener.address());
        }
        return addresses;
    }

    /**
     * Returns the totals of the streams this server accepted: open now, opened, bytes read and written (for
     * metrics). Safe from any thread.
     */
    public StreamCounters counters() {
        return counters;
    }

    /**
     * Stops accepting (Tornado's {@code stop}): takes every listening socket off the loop, closes it, and removes
     * the Unix socket files {@link #listen(SocketAddress)} created. Streams already accepted stay open: close them
     * through their handlers (for a graceful shutdown, {@link IOStream#closeGracefully}). Idempotent; the server
     * cannot listen again afterwards.
     *
     * <p>The JDK closes a socket registered with a selector only when that selector next polls: the port is
     * released in the loop's next poll (in the same iteration, without waiting), not when this method returns.
     * To bind the same port again from the loop thread, do it in a later callback.
     *
     * @throws IllegalStateException if called from another thread while the loop runs
     */
    public void stop() {
        if (forwardToAcceptor()) {
            onAcceptorUnchecked(() -> stop());
            return;
        }

        LoopThreads.check(loop, "TCPServer.stop");
        if (stopped) {
            return;
        }
        stopped = true;
        for (Listener listener : listeners) {
            close(listener);
        }
        listeners.clear();
    }

    /**
     * Stops accepting without closing the listening sockets: new connections wait in the kernel's backlog (and are
     * refused once it is full) until {@link #resume()}. Streams already accepted are not affected. The Spring Boot
     * starter pauses its servers while the application context is stopped. Idempotent; no-op after {@link #stop()}.
     *
     * @throws IllegalStateException if called from another thread while the loop runs
     */
    public void pause() {
        if (forwardToAcceptor()) {
            onAcceptorUnchecked(() -> pause());
            return;
        }

        LoopThreads.check(loop, "TCPServer.pause");
        if (stopped || paused) {
            return;
        }
        paused = true;
        for (Listener listener : listeners) {
            listener.removeAccept().run();
        }
    }

    /**
     * Accepts again after {@link #pause()}, on every socket still open. Idempotent; no-op after {@link #stop()}.
     *
     * @throws IllegalStateException if called from another thread while the loop runs
     */
    public void resume() {
        if (forwardToAcceptor()) {
            onAcceptorUnchecked(() -> resume());
            return;
        }

        LoopThreads.check(loop, "TCPServer.resume");
        if (stopped || !paused) {
            return;
        }
        paused = false;
        for (int i = 0; i < listeners.size(); i++) {
            Listener l = listeners.get(i);
            if (l.socket().isOpen()) {
                listeners.set(i, new Listener(l.socket(), l.address(), acceptOn(l.socket()), l.createdFile()));
            }
        }
    }

    /**
     * Finishes every connection of this server for a graceful shutdown: calls {@link IOStream#drain()} on each open
     * stream, on its loop's thread (its drain handler lets the request in hand finish and closes it; by default it
     * closes gracefully), and completes the returned future with {@code true} once every stream has closed. Streams
     * still open after {@code timeout} are closed at once (their loops close them in their next iteration) and the
     * future completes with {@code false}. A connection accepted during the drain is drained as soon as its
     * handler returns, so {@link #pause()} or {@link #stop()} first. The loops must keep running until the future
     * completes. Called again while a drain runs, it returns that drain's future; once that has completed, a call
     * drains again (a server {@linkplain #resume() resumed} after a drain). Safe from any thread.
     *
     * <p>Tornado's {@code TCPServer} has no drain (its HTTP server's {@code close_all_connections} waits for each
     * connection to finish its request); this is Netty's "close the channel group gracefully" and Spring Boot's
     * graceful web server shutdown, for any protocol.
     *
     * @param timeout how long the streams have to close on their own; zero closes them at once
     * @return completes with whether every stream closed on its own within {@code timeout}
     * @throws NullPointerException if {@code timeout} is {@code null}
     * @throws IllegalArgumentException if {@code timeout} is negative
     */
    public CompletableFuture<Boolean> drain(Duration timeout) {
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative()) {
            throw new IllegalArgumentException("timeout must not be negative: " + timeout);
        }
        Drain d;
        synchronized (this) {
            if (drain != null && !drain.done.isDone()) {
                return drain.done;
            }
            d = new Drain();
            drain = d;
        }
        CompletableFuture<Boolean> done = d.done;
        for (IOStream stream : streams) {
            stream.loop().addCallback(stream::drain); // dropped if that loop is closed
        }
        if (streams.isEmpty()) {
            done.complete(true);
            return done;
        }
        CompletableFuture.delayedExecutor(timeout.toNanos(), TimeUnit.NANOSECONDS)
                .execute(() -> {
                    if (!done.isDone()) {
                        d.timedOut = true;
                        for (IOStream stream : streams) {
                            stream.loop().addCallback(stream::close);
                        }
                        done.complete(false);
                    }
                });
        return done;
    }

    /** Returns how many streams of this server are open now. Safe from any thread. */
    public int openStreams() {
        return streams.size();
    }

    /** Returns whether the server is {@linkplain #pause() paused}. */
    public boolean isPaused() {
        return paused;
    }

    /** Same as {@link #stop()}. */
    @Override
    public void close() {
        stop();
    }

    @Override
    public String toString() {
        String secure =
                tls == null ? "" : clientAuth == ClientAuth.NONE ? "[TLS]" : "[TLS, client auth " + clientAuth + "]";
        return "TCPServer" + secure + boundAddresses() + (stopped ? " (stopped)" : "");
    }

    private void checkListening(String method) {
        LoopThreads.check(loop, method);
        if (stopped) {
            throw new IllegalStateException(method + ": the server is stopped");
        }
        if (loop.isClosed()) {
            throw new IllegalStateException(method + ": IOLoop '" + loop.name() + "' is closed");
        }
    }

    /** Starts accepting on sockets just bound; closes them (and removes {@code createdFile}) if that fails. */
    private void add(List<ServerSocketChannel> sockets, Path createdFile) throws IOException {
        int added = 0;
        try {
            for (ServerSocketChannel socket : sockets) {
                SocketAddress address = socket.getLocalAddress();
                listeners.add(new Listener(socket, address, acceptOn(socket), createdFile));
                added++;
            }
        } catch (IOException | RuntimeException e) {
            for (int i = sockets.size() - 1; i >= added; i--) {
                NetUtil.closeQuietly(sockets.get(i), e);
            }
            if (added == 0 && createdFile != null) {
                Files.deleteIfExists(createdFile);
            }
            throw e;
        }
    }

    /** Registers the accept handler of {@code socket}, unless paused; returns what removes it. */
    private Runnable acceptOn(ServerSocketChannel socket) {
        return paused ? () -> {} : NetUtil.addAcceptHandler(loop, socket, this::accepted);
    }

    private static SocketAddress localAddress(ServerSocketChannel socket) {
        try {
            return socket.getLocalAddress();
        } catch (IOException e) {
            throw new IllegalArgumentException("socket is closed: " + socket, e);
        }
    }

    private void close(Listener listener) {
        listener.removeAccept().run();
        try {
            listener.socket().close();
        } catch (IOException e) {
            log.warn("Failed to close {} of {}", listener.socket(), this, e);
        }
        if (listener.createdFile() != null) {
            try {
                Files.deleteIfExists(listener.createdFile());
            } catch (IOException e) {
                log.warn("Failed to remove the socket file {} of {}", listener.createdFile(), this, e);
            }
        }
    }

    /** The accept callback, on the accepting loop's thread. */
    private void accepted(SocketChannel channel, SocketAddress remote) {
        IOLoop streamLoop = loopFor(channel);
        if (streamLoop == loop) {
            serve(streamLoop, channel, remote);
            return;
        }
        try {
            streamLoop.addCallback(() -> serve(streamLoop, channel, remote));
        } catch (RuntimeException e) { // that loop is closed
            NetUtil.closeQuietly(channel, e);
            log.debug("Closed {}: loop '{}' cannot take it", channel, streamLoop.name(), e);
        }
    }

    /** Whether a call of a group server must move to the accepting loop's thread. */
    private boolean forwardToAcceptor() {
        Thread t = loop.thread();
        return group != null && t != null && t != Thread.currentThread();
    }

    /** Runs {@code body} on the accepting loop's thread and waits for it, rethrowing what it threw. */
    private void onAcceptor(IOAction body) throws IOException {
        CompletableFuture<Void> done = new CompletableFuture<>();
        loop.addCallback(() -> {
            try {
                body.run();
                done.complete(null);
            } catch (Throwable t) {
                done.completeExceptionally(t);
            }
        });
        try {
            done.get(FORWARD_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof IOException io) {
                throw io;
            }
            if (cause instanceof RuntimeException r) {
                throw r;
            }
            if (cause instanceof Error err) {
                throw err;
            }
            throw new IllegalStateException(cause);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted waiting for loop '" + loop.name() + "'", e);
        } catch (TimeoutException e) {
            throw new IllegalStateException(
                    "loop '" + loop.name() + "' did not run the call within " + FORWARD_TIMEOUT_SECONDS + " s", e);
        }
    }

    private void onAcceptorUnchecked(Runnable body) {
        try {
            onAcceptor(() -> {
                body.run();
                return null;
            });
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e); // body throws no IOException
        }
    }

    /** A call forwarded to the accepting loop. */
    @FunctionalInterface
    private interface IOAction {
        Object run() throws IOException;
    }

    /**
     * Chooses the loop that serves a new connection for its whole life: the one place a server over several loops
     * picks one (and then runs {@link #serve} on that loop's thread).
     */
    private IOLoop loopFor(SocketChannel channel) {
        return group == null ? loop : group.next();
    }

    /** Wraps the connection (in TLS, if the server has keys) and hands it to the handler; on its loop's thread. */
    private void serve(IOLoop streamLoop, SocketChannel channel, SocketAddress remote) {
        IOStream stream = tls == null
                ? IOStream.of(streamLoop, channel, options, counters)
                : SSLIOStream.of(streamLoop, channel, serverEngine(), options, counters);
        streams.add(stream);
        stream.closeFuture().whenComplete((v, e) -> forget(stream));
        try {
            handler.handleStream(stream, remote);
        } catch (Exception e) {
            stream.close(e);
            streamLoop.handleCallbackException(handler, e);
            return;
        }
        Drain d = drain;
        if (d != null && !d.done.isDone()) {
            stream.drain(); // accepted while draining
        }
    }

    /** A server-mode engine of {@link #tls}, asking for client certificates as {@link #clientAuth} says. */
    private SSLEngine serverEngine() {
        SSLEngine engine = tls.createSSLEngine();
        engine.setUseClientMode(false);
        clientAuth.applyTo(engine);
        return engine;
    }

    /** A stream closed: forgets it, and ends a drain that waited for the last one. On the stream's loop. */
    private void forget(IOStream stream) {
        streams.remove(stream);
        Drain d = drain;
        if (d != null && !d.timedOut && streams.isEmpty()) {
            d.done.complete(true);
        }
    }
}
