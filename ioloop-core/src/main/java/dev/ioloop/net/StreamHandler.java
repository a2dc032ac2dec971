package dev.ioloop.net;

import dev.ioloop.stream.IOStream;
import java.net.SocketAddress;

/**
 * Serves one accepted connection of a {@link TCPServer} (Tornado's {@code TCPServer.handle_stream}, which a
 * subclass overrides; here a function given to the server).
 *
 * <p>Called on the stream's loop thread, once per connection, right after the accept: start reading (or set a
 * data handler) and return; never block. The stream is the handler's from then on: close it when done. A handler
 * that works asynchronously chains on the stream's futures and returns at once.
 *
 * <p>An exception thrown here closes that stream (with the exception as its {@linkplain IOStream#error() error})
 * and goes to the loop's {@link dev.ioloop.ErrorHandler} through {@link dev.ioloop.IOLoop#handleCallbackException},
 * with the handler as the source; the server and its other connections go on.
 */
@FunctionalInterface
public interface StreamHandler {

    /**
     * Takes over a newly accepted connection.
     *
     * @param stream the connection, open, with the server's {@link dev.ioloop.stream.StreamOptions}
     * @param remote the client's address: an {@link java.net.InetSocketAddress} for TCP; for a Unix domain socket
     *     what the channel reports, usually an unnamed {@link java.net.UnixDomainSocketAddress} (empty path)
     * @throws Exception to close this stream and report the failure
     */
    void handleStream(IOStream stream, SocketAddress remote) throws Exception;
}
