package dev.ioloop.net;

import dev.ioloop.FdHandler;
import dev.ioloop.IOLoop;
import dev.ioloop.Timeout;
import java.io.IOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ProtocolFamily;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channel;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Listening sockets and the accept loop on an {@link IOLoop}: Tornado's {@code netutil} ({@code bind_sockets},
 * {@code bind_unix_socket}, {@code add_accept_handler}). {@link TCPServer} is built on these; use them directly
 * for a server that wants the accepted channels rather than streams.
 * <pre>{@code
 * for (ServerSocketChannel s : NetUtil.bindSockets(8888, null, NetUtil.DEFAULT_BACKLOG, false)) {
 *     NetUtil.addAcceptHandler(loop, s, (channel, remote) -> serve(channel));
 * }
 * loop.start();
 * }</pre>
 *
 * <p>Binding may be done from any thread. {@link #addAcceptHandler} follows {@link IOLoop#addHandler}'s rule: on
 * the loop's thread, or while the loop is not running.
 */
public final class NetUtil {

    /** The most connections {@link #addAcceptHandler} accepts per readiness event: 128, Tornado's {@code _DEFAULT_BACKLOG}. */
    public static final int DEFAULT_BACKLOG = 128;

    private static final int SYSTEM_BACKLOG = readSomaxconn();

    /**
     * Returns the listen backlog {@link TCPServer} binds with: the system's limit ({@code net.core.somaxconn}, 4096 on
     * current Linux), as Netty does, or {@link #DEFAULT_BACKLOG} where it cannot be read. Tornado binds with 128: a
     * burst of more connections than the backlog holds (a client opening hundreds at once, a restart with clients
     * reconnecting) then has its SYNs dropped, and each dropped connection waits for the client's retransmission, a
     * second or more. With 128, 1,000 connections opened one after the other on loopback took 2-4 s here; with the
     * system's limit, 27 ms.
     */
    public static int defaultListenBacklog() {
        return SYSTEM_BACKLOG;
    }

    private static int readSomaxconn() {
        try {
            java.nio.file.Path p = java.nio.file.Path.of("/proc/sys/net/core/somaxconn");
            if (java.nio.file.Files.isReadable(p)) {
                // Not Files.readString: procfs reports a size of 0, and the JDK then reads one byte ("4" of "4096").
                String text;
                try (java.io.InputStream in = java.nio.file.Files.newInputStream(p)) {
                    text = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.US_ASCII);
                }
                int n = Integer.parseInt(text.trim());
                if (n > 0) {
                    return n;
                }
            }
        } catch (java.io.IOException | RuntimeException e) {
            // not Linux, or no /proc: the conservative default
        }
        return DEFAULT_BACKLOG;
    }

    /**
     * How long {@link #addAcceptHandler} stops accepting after {@code accept} failed for lack of file descriptors
     * (or kernel memory): 1 s, Netty's choice.
     */
    public static final Duration ACCEPT_PAUSE = Duration.ofSeconds(1);

    private static final Logger log = LoggerFactory.getLogger(NetUtil.class);

    /** {@code strerror} texts of the errors that fail every accept until resources are freed. */
    private static final List<String> OUT_OF_RESOURCES = List.of(
            "Too many open files", // EMFILE, and ENFILE ("... in system")
            "No buffer space available", // ENOBUFS
            "Cannot allocate memory"); // ENOMEM

    private static final int S_IFMT = 0170000;
    private static final int S_IFSOCK = 0140000;

    private NetUtil() {}

    /**
     * Creates non-blocking listening TCP sockets with {@code SO_REUSEADDR} on {@code port} (Tornado's
     * {@code bind_sockets}).
     *
     * <p>With {@code host} {@code null} (or empty), listens on every address of every family: one socket on the
     * IPv6 wildcard {@code ::}, which also accepts IPv4 connections (their remote addresses read as IPv4
     * addresses), or, where the JVM has no IPv6 (none on the machine, or {@code java.net.preferIPv4Stack}), one
     * socket on {@code 0.0.0.0}. Tornado binds a second socket on {@code 0.0.0.0} beside an IPv6-only {@code ::};
     * the JDK clears {@code IPV6_V6ONLY} on every IPv6 socket and offers no option to set it, so that second
     * socket would fail with "Address already in use": the one dual-stack socket serves both families instead.
     *
     * <p>With a host name, listens on each address it resolves to (resolution blocks the caller), one socket each,
     * all on the same port: with {@code port} 0 the first socket gets a free port and the others reuse it, as
     * Tornado does. A literal address listens on that address only.
     *
     * @param port the TCP port, 0 to pick a free one
     * @param host a host name or literal address, or {@code null} for every address
     * @param backlog the most connections the kernel queues before they are accepted (&gt; 0; the kernel may cap
     *     it, at {@code net.core.somaxconn} on Linux)
     * @param reusePort whether to set {@code SO_REUSEPORT}, so that several processes (or several sockets of one)
     *     may listen on the same port and the kernel spreads connections over them
     * @return the bound sockets, at least one, in the order of the resolved addresses; the caller owns them
     * @throws IllegalArgumentException if {@code port} is outside 0..65535 or {@code backlog} is not positive
     * @throws UnsupportedOperationException if {@code reusePort} is set and the JDK or the platform lacks
     *     {@code SO_REUSEPORT}
     * @throws java.net.UnknownHostException if {@code host} does not resolve
     * @throws BindException if an address is in use or not local (the message names it); sockets bound before the
     *     failure are closed
     * @throws IOException if a socket cannot be created or bound for another reason
     */
    public static List<ServerSocketChannel> bindSockets(int port, String host, int backlog, boolean reusePort)
            throws IOException {
        checkPort(port);
        checkBacklog(backlog);
        if (host == null || host.isEmpty()) {
            return List.of(bindWildcard(port, backlog, reusePort));
        }
        return bindAll(port, List.of(InetAddress.getAllByName(host)), backlog, reusePort);
    }

    /** Binds one socket on each distinct address, all on one port: {@code port}, or the first one's if 0. */
    static List<ServerSocketChannel> bindAll(int port, List<InetAddress> addresses, int backlog, boolean reusePort)
            throws IOException {
        List<ServerSocketChannel> sockets = new ArrayList<>();
        try {
            int next = port;
            for (InetAddress address : new LinkedHashSet<>(addresses)) {
                ServerSocketChannel s = bind(address, next, backlog, reusePort);
                sockets.add(s);
                next = ((InetSocketAddress) s.getLocalAddress()).getPort();
            }
            return sockets;
        } catch (IOException | RuntimeException e) {
            for (ServerSocketChannel s : sockets) {
                closeQuietly(s, e);
            }
            throw e;
        }
    }

    /**
     * Creates a non-blocking listening Unix domain socket at {@code path} (Tornado's {@code bind_unix_socket}). A
     * socket file already there, left by a server that did not remove it, is deleted first; any other file is
     * left alone and fails the call. The socket file gets the permissions the process's umask gives (Tornado
     * sets 0600; restrict it with {@link Files#setPosixFilePermissions} if needed). The caller removes the file
     * once done: closing the channel does not.
     *
     * @param path where the socket file goes; its directory must exist
     * @param backlog the most connections the kernel queues before they are accepted (&gt; 0)
     * @return the bound socket; the caller owns it
     * @throws IllegalArgumentException if {@code backlog} is not positive
     * @throws FileAlreadyExistsException if a file that is not a socket is at {@code path}
     * @throws UnsupportedOperationException if the platform has no Unix domain sockets
     * @throws IOException if the socket cannot be created or bound (the path is too long, the directory is
     *     missing or not writable)
     */
    public static ServerSocketChannel bindUnix(Path path, int backlog) throws IOException {
        Objects.requireNonNull(path, "path");
        checkBacklog(backlog);
        removeStaleSocket(path);
        return bind(
                ServerSocketChannel.open(StandardProtocolFamily.UNIX),
                UnixDomainSocketAddress.of(path),
                backlog,
                false);
    }

    /**
     * Accepts connections on {@code server} on the loop (Tornado's {@code add_accept_handler}). Registers
     * {@link IOLoop#READ} for it; at each readiness event accepts until {@code accept()} returns {@code null}, at
     * most {@link #DEFAULT_BACKLOG} connections, so that one busy listener cannot hold the loop; the rest are
     * accepted in the next iteration. Each connection is made non-blocking and passed to {@code callback} with its
     * remote address (for a Unix socket client, usually the unnamed address: an empty path).
     *
     * <ul>
     *   <li>A connection that failed in the accept queue (reset or aborted by its client) is skipped, and
     *       accepting goes on.</li>
     *   <li>When {@code accept} fails for lack of file descriptors ("Too many open files", or of kernel memory),
     *       the pending connection would make a level-triggered loop call the handler again at once, forever:
     *       accepting pauses for {@link #ACCEPT_PAUSE} instead (the socket stays registered with no interest),
     *       with one WARN log per pause. The connections wait in the backlog meanwhile.</li>
     *   <li>An exception thrown by {@code callback} goes to {@link IOLoop#handleCallbackException} with
     *       {@code callback} as the source, and that connection is closed; accepting goes on.</li>
     * </ul>
     *
     * @param loop the loop to accept on
     * @param server a bound, listening, non-blocking socket not registered with {@code loop} (as
     *     {@link #bindSockets} and {@link #bindUnix} return)
     * @param callback receives each accepted channel, which it then owns, and its remote address; on the loop
     *     thread
     * @return the way to stop accepting: removes the handler and cancels a pending resume, leaving the socket open
     *     (close it yourself); idempotent; on the loop's thread (or while it is not running), like
     *     {@link IOLoop#removeHandler}
     * @throws IllegalStateException if another thread runs the loop, or the loop is closed
     * @throws IllegalArgumentException if {@code server} is already registered, in blocking mode, or closed
     */
    public static Runnable addAcceptHandler(
            IOLoop loop, ServerSocketChannel server, BiConsumer<SocketChannel, SocketAddress> callback) {
        Objects.requireNonNull(loop, "loop");
        Objects.requireNonNull(server, "server");
        Objects.requireNonNull(callback, "callback");
        LoopThreads.check(loop, "addAcceptHandler");
        Acceptor acceptor = new Acceptor(loop, server, callback);
        loop.addHandler(server, acceptor, IOLoop.READ);
        return acceptor;
    }

    static void checkPort(int port) {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port must be in 0..65535: " + port);
        }
    }

    private static void checkBacklog(int backlog) {
        if (backlog <= 0) {
            throw new IllegalArgumentException("backlog must be > 0: " + backlog);
        }
    }

    private static ServerSocketChannel bindWildcard(int port, int backlog, boolean reusePort) throws IOException {
        ServerSocketChannel s;
        byte[] any;
        try {
            s = ServerSocketChannel.open(StandardProtocolFamily.INET6);
            any = new byte[16];
        } catch (UnsupportedOperationException e) {
            s = ServerSocketChannel.open(StandardProtocolFamily.INET); // this JVM has no IPv6
            any = new byte[4];
        }
        return bind(s, new InetSocketAddress(InetAddress.getByAddress(any), port), backlog, reusePort);
    }

    private static ServerSocketChannel bind(InetAddress address, int port, int backlog, boolean reusePort)
            throws IOException {
        ProtocolFamily family =
                address.getAddress().length == 16 ? StandardProtocolFamily.INET6 : StandardProtocolFamily.INET;
        return bind(ServerSocketChannel.open(family), new InetSocketAddress(address, port), backlog, reusePort);
    }

    /** Configures and binds {@code s}, closing it if that fails. */
    private static ServerSocketChannel bind(
            ServerSocketChannel s, SocketAddress address, int backlog, boolean reusePort) throws IOException {
        try {
            s.configureBlocking(false);
            if (!(address instanceof UnixDomainSocketAddress)) {
                s.setOption(StandardSocketOptions.SO_REUSEADDR, true);
            }
            if (reusePort) {
                if (!s.supportedOptions().contains(StandardSocketOptions.SO_REUSEPORT)) {
                    throw new UnsupportedOperationException("SO_REUSEPORT is not supported on "
                            + System.getProperty("os.name") + " by this JDK: bind with reusePort false");
                }
                s.setOption(StandardSocketOptions.SO_REUSEPORT, true);
            }
            try {
                s.bind(address, backlog);
            } catch (BindException e) {
                BindException named = new BindException(e.getMessage() + ": " + address);
                named.initCause(e);
                throw named;
            }
            return s;
        } catch (IOException | RuntimeException e) {
            closeQuietly(s, e);
            throw e;
        }
    }

    private static void removeStaleSocket(Path path) throws IOException {
        BasicFileAttributes attributes;
        try {
            attributes = Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            return;
        }
        if (!isSocket(path, attributes)) {
            throw new FileAlreadyExistsException(path.toString(), null, "exists and is not a socket");
        }
        Files.deleteIfExists(path);
    }

    private static boolean isSocket(Path path, BasicFileAttributes attributes) throws IOException {
        try {
            int mode = (Integer) Files.getAttribute(path, "unix:mode", LinkOption.NOFOLLOW_LINKS);
            return (mode & S_IFMT) == S_IFSOCK;
        } catch (UnsupportedOperationException | IllegalArgumentException e) {
            return attributes.isOther(); // no "unix" view (Windows): neither file, directory nor link
        }
    }

    private static boolean isOutOfResources(IOException e) {
        String message = e.getMessage();
        return message != null && OUT_OF_RESOURCES.stream().anyMatch(message::contains);
    }

    static void closeQuietly(Channel channel, Throwable failure) {
        try {
            channel.close();
        } catch (IOException e) {
            if (failure != null) {
                failure.addSuppressed(e);
            } else {
                log.debug("Failed to close {}", channel, e);
            }
        }
    }

    /** The accept handler of one listening socket, and the {@link Runnable} that removes it. */
    private static final class Acceptor implements FdHandler<ServerSocketChannel>, Runnable {

        private final IOLoop loop;
        private final ServerSocketChannel server;
        private final BiConsumer<SocketChannel, SocketAddress> callback;
        private boolean removed;
        private Timeout resume;

        Acceptor(IOLoop loop, ServerSocketChannel server, BiConsumer<SocketChannel, SocketAddress> callback) {
            this.loop = loop;
            this.server = server;
            this.callback = callback;
        }

        @Override
        public void handle(ServerSocketChannel channel, int events) {
            // The callback may remove this handler (a server stopping): check before each accept, as Tornado does.
            for (int i = 0; i < DEFAULT_BACKLOG && !removed; i++) {
                SocketChannel connection;
                try {
                    connection = server.accept();
                } catch (ClosedChannelException e) {
                    run(); // closed without being removed first: nothing more will come
                    return;
                } catch (IOException e) {
                    if (isOutOfResources(e)) {
                        pause(e);
                        return;
                    }
                    log.debug("accept on {} failed; skipping that connection", server, e);
                    continue;
                }
                if (connection == null) {
                    return;
                }
                accepted(connection);
            }
        }

        private void accepted(SocketChannel connection) {
            SocketAddress remote;
            try {
                connection.configureBlocking(false);
                remote = connection.getRemoteAddress();
            } catch (IOException e) {
                log.debug("Dropping connection {} accepted on {}", connection, server, e);
                closeQuietly(connection, null);
                return;
            }
            try {
                callback.accept(connection, remote);
            } catch (RuntimeException e) {
                closeQuietly(connection, e);
                loop.handleCallbackException(callback, e);
            }
        }

        private void pause(IOException e) {
            log.warn("accept on {} failed; not accepting for {} ms: {}", server, ACCEPT_PAUSE.toMillis(), e.toString());
            loop.updateHandler(server, IOLoop.NONE);
            resume = loop.callLater(ACCEPT_PAUSE, () -> {
                resume = null;
                if (!removed && server.isOpen()) {
                    loop.updateHandler(server, IOLoop.READ);
                }
            });
        }

        /** Removes the handler: the Runnable {@link #addAcceptHandler} returns. */
        @Override
        public void run() {
            if (removed) {
                return;
            }
            loop.removeHandler(server); // throws on a wrong thread, before anything changed
            removed = true;
            if (resume != null) {
                resume.cancel();
                resume = null;
            }
        }

        @Override
        public String toString() {
            return "accept handler of " + server + " calling " + callback;
        }
    }
}
