package dev.ioloop.sample;

import dev.ioloop.sample.resp.ReplyBuffer;
import dev.ioloop.sample.resp.RespSession;
import dev.ioloop.stream.DataHandler;
import dev.ioloop.stream.IOStream;
import dev.ioloop.stream.StreamBufferFullException;
import java.nio.ByteBuffer;
import java.time.Duration;

/**
 * One client, on an {@link IOStream}'s fast path: the stream hands over the bytes that arrived, the engine executes
 * every complete request in them and encodes the replies, and the replies join the stream's output. The stream does
 * the buffering, the partial writes, the output limit ({@code sample.client-output-buffer-limit} is its
 * {@code maxWriteBufferSize}) and the lingering close.
 *
 * <p>On the owner loop (the keyspace's, see {@link RespServer}) the engine runs inside {@code onData} and the stream
 * writes the replies when it returns: no copy, no hop. On another loop the batch is copied and executed on the owner
 * ({@code addCallback}), and its replies come back the same way and are written on this connection's loop. Both hops
 * are FIFO queues, so replies keep the order of the requests however many batches are on their way. Threading: the
 * stream and the fields below are this connection's loop's; the session is the owner's.
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
    /** The owner loop's: only the engine, on the owner, touches it. */
    private final RespSession session;
    /** Whether this connection's loop is the owner. */
    private final boolean local;
    /** {@link dev.ioloop.IOLoop#time()} of the last read. */
    private long lastActive;
    /** Batches handed to the owner whose replies have not come back. */
    private int inFlight;

    private boolean draining;

    RespConnection(RespServer server, IOStream stream, long id) {
        this.server = server;
        this.stream = stream;
        this.session = new RespSession(id);
        this.local = stream.loop() == server.owner();
        this.lastActive = stream.loop().time();
        stream.setCloseCallback(this::closed);
        stream.setDrainHandler(this::drain);
        stream.setDataHandler(this);
    }

    @Override
    public void onData(IOStream s, ByteBuffer in) {
        lastActive = s.loop().time();
        if (draining) {
            in.position(in.limit()); // shutting down, replies still on their way: nothing new is executed
            return;
        }
        long room = server.outputLimit() - s.output().queued();
        if (local) {
            ReplyBuffer replies = server.replies();
            server.engine().process(session, in, replies, room);
            replies.moveTo(s.output());
            afterReplies(session.outputLimitReached(), session.closeRequested());
            return;
        }
        byte[] batch = new byte[in.remaining()];
        in.get(batch);
        inFlight++;
        server.owner().addCallback(() -> execute(batch, room));
    }

    /** On the owner loop: executes a batch read on another loop, and sends its replies back there. */
    private void execute(byte[] batch, long room) {
        ReplyBuffer replies = server.replies();
        server.engine().process(session, ByteBuffer.wrap(batch), replies, room);
        byte[] out = replies.toByteArray();
        replies.clear();
        boolean overLimit = session.outputLimitReached();
        boolean closeRequested = session.closeRequested();
        stream.loop().addCallback(() -> answered(out, overLimit, closeRequested));
    }

    /** Back on this connection's loop: writes the replies of a batch executed on the owner. */
    private void answered(byte[] replies, boolean overLimit, boolean closeRequested) {
        inFlight--;
        if (stream.isClosed()) {
            return;
        }
        if (replies.length > 0) {
            stream.output().put(replies, 0, replies.length);
            stream.flush(); // over sample.client-output-buffer-limit, this closes the stream: closed() says so
            if (stream.isClosed()) {
                return;
            }
        }
        afterReplies(overLimit, closeRequested);
        if (draining && inFlight == 0 && !stream.isClosed()) {
            closeForDrain();
        }
    }

    private void afterReplies(boolean overLimit, boolean closeRequested) {
        if (overLimit) {
            // Over the limit with requests still unexecuted: those are dropped, so the client goes now.
            server.outputLimitExceeded(this, stream.output().queued());
            stream.close();
        } else if (closeRequested) {
            stream.closeGracefully(LINGER); // the error or QUIT's +OK first, then close
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
        if (inFlight == 0) {
            s.closeGracefully(Duration.ZERO);
        } else {
            draining = true; // closes once the replies on their way are written
        }
    }

    /**
     * The starter's drain (graceful shutdown): once the replies of every request read so far are written, closes.
     * A client that was active within {@link #LINGER} gets a lingering close, as after QUIT: its last replies may
     * still be in the socket buffers while its next requests arrive, and closing a socket with unread input makes the
     * kernel send a reset and throw those replies away, cutting one in half. An idle client is closed as soon as its
     * replies are out, so idle pooled connections do not slow the shutdown down.
     */
    void drain() {
        draining = true;
        if (inFlight == 0) {
            closeForDrain();
        }
    }

    private void closeForDrain() {
        boolean idle = stream.loop().time() - lastActive >= LINGER.toNanos();
        stream.closeGracefully(idle ? Duration.ZERO : LINGER);
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
