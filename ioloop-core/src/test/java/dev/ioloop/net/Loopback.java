package dev.ioloop.net;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;

/** Loopback addresses and small blocking-client helpers for the tests of this package. */
final class Loopback {

    static final InetAddress V4 = address("127.0.0.1");
    static final InetAddress V6 = address("::1");

    private Loopback() {}

    /** Returns whether this machine can listen on {@code ::1}. */
    static boolean hasIpv6() {
        try (ServerSocketChannel s = ServerSocketChannel.open(StandardProtocolFamily.INET6)) {
            s.bind(new InetSocketAddress(V6, 0));
            return true;
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }

    /** Returns the port of a bound socket address. */
    static int port(SocketAddress address) {
        return ((InetSocketAddress) address).getPort();
    }

    /** Returns the port {@code server} is bound to. */
    static int port(ServerSocketChannel server) throws IOException {
        return port(server.getLocalAddress());
    }

    /** Connects a blocking client channel; the kernel completes the handshake without the server accepting. */
    static SocketChannel connect(InetAddress address, int port) throws IOException {
        return SocketChannel.open(new InetSocketAddress(address, port));
    }

    /** Sends {@code line} and a newline on a blocking channel, and returns what comes back up to a newline. */
    static String exchange(SocketChannel ch, String line) throws IOException {
        ch.write(ByteBuffer.wrap((line + "\n").getBytes(StandardCharsets.US_ASCII)));
        StringBuilder reply = new StringBuilder();
        ByteBuffer one = ByteBuffer.allocate(1);
        while (true) {
            one.clear();
            if (ch.read(one) < 0) {
                throw new EOFException("closed after " + reply);
            }
            if (one.get(0) == '\n') {
                return reply.toString();
            }
            reply.append((char) one.get(0));
        }
    }

    /** Reads {@code n} bytes as ASCII, or fewer if the peer closes first. */
    static String read(InputStream in, int n) throws IOException {
        return new String(in.readNBytes(n), StandardCharsets.US_ASCII);
    }

    private static InetAddress address(String literal) {
        try {
            return InetAddress.getByName(literal);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
