package dev.ioloop.boot;

import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.net.ProtocolFamily;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.DatagramChannel;
import java.nio.channels.NetworkChannel;
import java.nio.channels.SelectableChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Path;

/**
 * A parsed {@link IoHandler#listen()} address: {@code tcp://host:port}, {@code udp://host:port} or
 * {@code unix:/path}. {@link #parse} fails with an {@link IllegalArgumentException} whose message says what is
 * wrong (and, for a malformed address, what is allowed); a host name that does not resolve fails too.
 */
record ListenAddress(String scheme, SocketAddress address) {

    private static final String USAGE = "(use tcp://host:port, udp://host:port or unix:/path)";

    static ListenAddress parse(String text) {
        if (text.startsWith("unix:")) {
            // Not through java.net.URI: socket paths may hold characters a URI would have to escape.
            String path = text.substring("unix:".length());
            path = path.startsWith("//") ? path.substring(2) : path;
            if (path.isBlank()) {
                throw new IllegalArgumentException("listen URI '" + text + "' has no socket path " + USAGE);
            }
            return new ListenAddress("unix", UnixDomainSocketAddress.of(path));
        }
        URI uri;
        try {
            uri = new URI(text);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException(
                    "listen URI '" + text + "' is malformed: " + e.getMessage() + " " + USAGE);
        }
        String scheme = uri.getScheme();
        if (!"tcp".equals(scheme) && !"udp".equals(scheme)) {
            throw new IllegalArgumentException(
                    "listen URI '" + text + "' has an unknown scheme '" + scheme + "' " + USAGE);
        }
        if (uri.getHost() == null
                || uri.getPort() < 0
                || uri.getUserInfo() != null
                || !(uri.getPath() == null || uri.getPath().isEmpty())
                || uri.getQuery() != null) {
            throw new IllegalArgumentException("listen URI '" + text + "' must be " + scheme + "://host:port, with an "
                    + "IPv6 literal in brackets and port 0 for any free port (use 0.0.0.0 for all IPv4 interfaces)");
        }
        String host = uri.getHost().startsWith("[")
                ? uri.getHost().substring(1, uri.getHost().length() - 1)
                : uri.getHost();
        InetSocketAddress address;
        try {
            address = new InetSocketAddress(host, uri.getPort());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("listen URI '" + text + "': " + e.getMessage());
        }
        if (address.isUnresolved()) {
            throw new IllegalArgumentException("listen URI '" + text + "': cannot resolve host '" + host + "'");
        }
        return new ListenAddress(scheme, address);
    }

    /** Opens a non-blocking channel bound to this address; closes it again if binding fails. */
    SelectableChannel open(int backlog) throws IOException {
        SelectableChannel channel = switch (scheme) {
            case "tcp" -> ServerSocketChannel.open(family());
            case "udp" -> DatagramChannel.open(family());
            default -> ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        };
        try {
            channel.configureBlocking(false);
            if (channel instanceof ServerSocketChannel server) {
                if ("tcp".equals(scheme)) {
                    server.setOption(StandardSocketOptions.SO_REUSEADDR, true);
                }
                server.bind(address, backlog);
            } else {
                // No SO_REUSEADDR for UDP: on Linux it would let a second socket share a port that is in use.
                ((NetworkChannel) channel).bind(address);
            }
            return channel;
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    /** Returns the socket file of a {@code unix:} address, or {@code null}. */
    Path socketFile() {
        return address instanceof UnixDomainSocketAddress unix ? unix.getPath() : null;
    }

    private ProtocolFamily family() {
        return ((InetSocketAddress) address).getAddress() instanceof Inet6Address
                ? StandardProtocolFamily.INET6
                : StandardProtocolFamily.INET;
    }
}
