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
    private final ReplyBuffer out;
    private int interest = IOLoop.READ;
    private boolean closing;
    private boolean draining;
    private boolean inputEnded;
    /** {@link IOLoop#time()} of the last read or write that moved bytes. */
    private long lastActive;

    private boolean lingering;
    private dev.ioloop.Timeout lingerTimer;
    private boolean closed;

    RespConnection(RespServer server, SocketChannel channel, long id) {
        this.server = server;
        this.channel = channel;
        this.session = new RespSession(id);
        this.out = new ReplyBuffer(server.replyPool());
        this.lastActive = server.loop().time();
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
    /** Reads what the socket has into the server's shared read buffer; -1 at end of stream. */
    private int readShared(ByteBuffer buffer) throws IOException {
        buffer.clear();
        return channel.read(buffer);
    }

    private void read() throws IOException {
        ByteBuffer buffer = server.readBuffer();
        int n = readShared(buffer);
        if (n < 0) {
            inputEnded();
            return;
        }
        if (n == 0) {
            return;
        }
        lastActive = server.loop().time();
        buffer.flip();
        server.engine().process(session, buffer, out, server.outputLimit());
        if (session.outputLimitReached()) {
            // Over the limit with requests still unexecuted: those are dropped, so the client goes now.
            server.outputLimitExceeded(this, out.pending());
            close();
            return;
        }
        if (session.closeRequested()) {
            closing = true; // write what was accepted (the error or QUIT's +OK), then close
        }
    }

    /**
     * The client half-closed (or closed) its side: nothing more will be read, but the replies already produced
     * are still written, then the connection closes. (A client that sends its commands and shuts its output
     * down must get every reply; redis-server drops what it has not written yet.) Writing to a client that is
     * gone fails, and that closes the connection too.
     */
    private void inputEnded() {
        if (out.pending() == 0) {
            close();
            return;
        }
        closing = true;
        inputEnded = true;
    }

    private void flush() throws IOException {
        if (out.pending() > 0 && out.writeTo(channel, server.writeBuffer()) > 0) {
            lastActive = server.loop().time();
        }
        int pending = out.pending();
        if (pending > server.outputLimit()) {
            server.outputLimitExceeded(this, pending);
            close();
            return;
        }
        if (pending == 0 && closing) {
            if (inputEnded || draining && idleFor(LINGER)) {
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
        if (readShared(server.readBuffer()) < 0) {
            close();
        }
    }

    /**
     * Whether nothing was read from or written to this client for {@code d}: its last replies have long left
     * the socket buffers, so closing it at once loses nothing.
     */
    private boolean idleFor(java.time.Duration d) {
        return server.loop().time() - lastActive >= d.toNanos();
    }

    /**
     * Stops reading; once the replies already produced are written, closes (graceful shutdown). A client that
     * was active within {@link #LINGER} gets a lingering close, as after QUIT: its last replies may still be in
     * the socket buffers while its next requests arrive, and closing a socket with unread input makes the kernel
     * send a reset and throw those replies away, cutting one in half. An idle client is closed at once, so
     * idle pooled connections do not slow the shutdown down.
     */
    void drain() {
        draining = true;
        if (lingering) {
            return; // closes itself, at the client's end of stream or after LINGER
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
