package dev.ioloop.sample;

import dev.ioloop.sample.resp.ReplyBuffer;
import dev.ioloop.sample.resp.RespSession;
import dev.ioloop.stream.DataHandler;
import dev.ioloop.stream.IOStream;
import dev.ioloop.stream.StreamBufferFullException;
import dev.ioloop.stream.StreamOutput;
import java.nio.ByteBuffer;
import java.time.Duration;

/**
 * One client, on an {@link IOStream}'s fast path: the stream hands over the bytes that arrived, the engine executes
 * every complete request in them and encodes the replies, and the replies join the stream's output, which the stream
 * writes when this returns. The stream does the buffering, the partial writes, the output limit
 * ({@code sample.client-output-buffer-limit} is its {@code maxWriteBufferSize}) and the lingering close. Loop thread
 * only.
 */
final class RespConnection implements DataHandler {

    /**
     * How long a connection closed for a protocol error (or QUIT) keeps discarding input after its last reply.
     * Closing a socket with unread input makes the kernel send a reset, which can destroy the error reply on its way
     * to the client; {@link IOStream#closeGracefully} half-closes and drains first (a "lingering close", as HTTP
     * servers do), so that the client reads why it was disconnected.
     */
    static final Duration LINGER = Duration.ofSeconds(1);

    private final RespServer server;
    private final IOStream stream;
    private final RespSession session;
    /** {@link dev.ioloop.IOLoop#time()} of the last read. */
    private long lastActive;

    RespConnection(RespServer server, IOStream stream, long id) {
        this.server = server;
        this.stream = stream;
        this.session = new RespSession(id);
        this.lastActive = server.loop().time();
        stream.setCloseCallback(this::closed);
        stream.setDataHandler(this);
    }

    @Override
    public void onData(IOStream s, ByteBuffer in) {
        lastActive = server.loop().time();
        StreamOutput output = s.output();
        ReplyBuffer replies = server.replies();
        server.engine().process(session, in, replies, server.outputLimit() - output.queued());
        replies.moveTo(output);
        if (session.outputLimitReached()) {
            // Over the limit with requests still unexecuted: those are dropped, so the client goes now.
            server.outputLimitExceeded(this, output.queued());
            s.close();
        } else if (session.closeRequested()) {
            s.closeGracefully(LINGER); // the error or QUIT's +OK first, then close
        }
    }

    /**
     * The client half-closed (or closed) its side: nothing more will be read, but the replies already produced are
     * still written, then the connection closes. (A client that sends its commands and shuts its output down must get
     * every reply; redis-server drops what it has not written yet.) Writing to a client that is gone fails, and that
     * closes the connection too.
     */
    @Override
    public void onEndOfInput(IOStream s) {
        s.closeGracefully(Duration.ZERO);
    }

    /**
     * Stops reading; once the replies already produced are written, closes (graceful shutdown). A client that was
     * active within {@link #LINGER} gets a lingering close, as after QUIT: its last replies may still be in the socket
     * buffers while its next requests arrive, and closing a socket with unread input makes the kernel send a reset
     * and throw those replies away, cutting one in half. An idle client is closed as soon as its replies are out, so
     * idle pooled connections do not slow the shutdown down.
     */
    void drain() {
        boolean idle = server.loop().time() - lastActive >= LINGER.toNanos();
        stream.closeGracefully(idle ? Duration.ZERO : LINGER);
    }

    void close() {
        stream.close();
    }

    boolean isOpen() {
        return !stream.isClosed();
    }

    private void closed() {
        if (stream.error() instanceof StreamBufferFullException e) {
            server.outputLimitExceeded(this, e.getMessage());
        }
        server.closed(this);
    }

    @Override
    public String toString() {
        return "RespConnection[id=" + session.clientId() + ", " + stream.remoteAddress() + "]";
    }
}
