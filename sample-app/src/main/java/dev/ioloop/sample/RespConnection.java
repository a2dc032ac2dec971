package dev.ioloop.sample;

import dev.ioloop.FdHandler;
import dev.ioloop.IOLoop;
import dev.ioloop.sample.resp.ReplyBuffer;
import dev.ioloop.sample.resp.RespSession;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;

/**
 * One client: reads into the loop's shared buffer, lets the engine parse and execute everything that arrived,
 * and writes the replies out in one write; what the socket does not take waits in the connection's
 * {@link ReplyBuffer} while the registration also watches {@code WRITE}. Loop thread only.
 */
final class RespConnection implements FdHandler<SocketChannel> {

    /**
     * How long a connection closed for a protocol error (or QUIT) keeps discarding input after its last reply.
     * Closing a socket with unread input makes the kernel send a reset, which can destroy the error reply on
     * its way to the client; half-closing and draining first (a "lingering close", as HTTP servers do) lets the
     * client read why it was disconnected.
     */
    private static final java.time.Duration LINGER = java.time.Duration.ofSeconds(1);

    private final RespServer server;
    private final SocketChannel channel;
    private final RespSession session;
    private final ReplyBuffer out = new ReplyBuffer();
    private int interest = IOLoop.READ;
    private boolean closing;
    private boolean draining;
    private boolean lingering;
    private dev.ioloop.Timeout lingerTimer;
    private boolean closed;

    RespConnection(RespServer server, SocketChannel channel, long id) {
        this.server = server;
        this.channel = channel;
        this.session = new RespSession(id);
    }

    SocketChannel channel() {
        return channel;
    }

    RespSession session() {
        return session;
    }

    int pendingOutput() {
        return out.pending();
    }

    @Override
    public void handle(SocketChannel ch, int events) {
        try {
            if (lingering) {
                discardInput();
                return;
            }
            if ((events & IOLoop.READ) != 0 && !closing) {
                read();
            }
            if (!closed) {
                flush();
            }
        } catch (IOException e) {
            // Reset by peer and the like: only this client is affected.
            close();
        }
    }

    /** Reads what the socket has into the loop's shared buffer; closes on end of stream. */
    private int readShared(ByteBuffer buffer) throws IOException {
        buffer.clear();
        int n = channel.read(buffer);
        if (n < 0) {
            close();
        }
        return n;
    }

    private void read() throws IOException {
        ByteBuffer buffer = server.readBuffer();
        int n = readShared(buffer);
        if (n <= 0) {
            return;
        }
        buffer.flip();
        server.engine().process(session, buffer, out);
        if (session.closeRequested()) {
            closing = true; // write what was accepted (the error or QUIT's +OK), then close
        }
    }

    private void flush() throws IOException {
        if (out.pending() > 0) {
            out.writeTo(channel);
        }
        int pending = out.pending();
        if (pending > server.outputLimit()) {
            server.outputLimitExceeded(this, pending);
            close();
            return;
        }
        if (pending == 0 && closing) {
            if (draining) {
                close();
            } else {
                linger();
            }
            return;
        }
        int wanted = pending == 0 ? IOLoop.READ : closing ? IOLoop.WRITE : IOLoop.READ | IOLoop.WRITE;
        if (wanted != interest) {
            interest = wanted;
            server.loop().updateHandler(channel, wanted);
        }
    }

    private void linger() throws IOException {
        channel.shutdownOutput();
        lingering = true;
        if (interest != IOLoop.READ) {
            interest = IOLoop.READ;
            server.loop().updateHandler(channel, IOLoop.READ);
        }
        lingerTimer = server.loop().callLater(LINGER, this::close);
    }

    private void discardInput() throws IOException {
        readShared(server.readBuffer());
    }

    /** Stops reading; closes once the replies already produced are written (graceful shutdown). */
    void drain() {
        draining = true;
        if (lingering) {
            close();
            return;
        }
        closing = true;
        try {
            flush();
        } catch (IOException e) {
            close();
        }
    }

    void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (lingerTimer != null) {
            lingerTimer.cancel();
        }
        server.loop().removeHandler(channel);
        try {
            channel.close();
        } catch (IOException e) {
            // nothing more to lose
        }
        out.clear();
        server.closed(this);
    }

    @Override
    public String toString() {
        return "RespConnection[id=" + session.clientId() + ", " + channel + "]";
    }
}
