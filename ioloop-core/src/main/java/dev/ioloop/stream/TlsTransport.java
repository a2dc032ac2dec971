package dev.ioloop.stream;

import dev.ioloop.IOLoop;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.SocketChannel;
import java.nio.channels.WritableByteChannel;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import javax.net.ssl.SSLEngineResult.Status;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;

/**
 * The TLS record layer under an {@link SSLIOStream}: an {@link SSLEngine} between the stream and its socket. The
 * stream reads plaintext through {@link #read} and writes plaintext through {@link #write}, exactly as it reads and
 * writes a plain socket, once per step; this class turns each call into one socket read or write and as many
 * {@code unwrap} or {@code wrap} calls as the bytes allow (records are batched as Netty's {@code SslHandler} does:
 * every whole record read is unwrapped in one step, and one step's plaintext is wrapped into as many records as it
 * fills, written with one call).
 *
 * <h2>Buffers</h2>
 * Records are read into, and wrapped into, the thread's shared TLS buffers ({@link StreamScratch#tlsInput},
 * {@link StreamScratch#tlsOutput}); only what a step leaves over is kept by the stream, in heap buffers dropped once
 * empty, so an idle TLS stream holds no buffer:
 * <ul>
 *   <li>{@code netRest}: records read but not unwrapped yet (the start of a record; or whole records the reader had
 *       no room for);</li>
 *   <li>{@code appRest}: plaintext unwrapped but not handed over yet (a record bigger than the reader's room, or
 *       application data that arrived with the handshake's last flight);</li>
 *   <li>{@code outRest}: records wrapped but not written yet (the socket was full).</li>
 * </ul>
 *
 * <h2>How queued output is counted</h2>
 * {@link IOStream} counts a byte as queued until {@code write} reports it written. Plaintext whose records are
 * only partly written is reported written only once the rest of its records are ({@code sealed}): the stream keeps
 * those bytes at the head of its queue meanwhile and hands them over again, and this class skips them then instead
 * of wrapping them twice. So the water marks and {@link StreamOptions#maxWriteBufferSize()} count plaintext not yet
 * encrypted plus records not yet written (as the plaintext they carry), and a write's future completes once its
 * records are in the kernel, as on a plain socket.
 *
 * <h2>Ends</h2>
 * A {@code close_notify} from the peer ends the input cleanly ({@link #read} returns -1 once the plaintext before
 * it is handed over). The socket's end of stream without one is a truncation: {@link #read} throws an
 * {@link SSLException}, during the handshake an {@link SSLHandshakeException}. Renegotiation (TLS 1.2 and older)
 * is refused with an {@link SSLException}; TLS 1.3's post-handshake messages (session tickets, key updates) are
 * handled.
 *
 * <h2>Engines</h2>
 * Written for the JDK's engine and tested with it and with Conscrypt's (BoringSSL), which differs in three ways
 * handled here: it takes whole records into itself and may keep their plaintext when {@code dst} is full (so after
 * such an unwrap the engine is asked again with no input, and {@link #inputPending()} says so meanwhile); it frees
 * its native state only once both directions are closed ({@link #close()} closes both); and it lets a trust
 * manager's {@link java.security.cert.CertificateException} through undeclared (wrapped in an
 * {@link SSLHandshakeException} here, as the JDK's engine does).
 *
 * <p>Loop thread only, like the stream. Delegated tasks of the engine (certificate checks) run inline.
 */
final class TlsTransport implements ReadableByteChannel, WritableByteChannel {

    /** The most plaintext one TLS record carries (RFC 8446 5.1). */
    private static final int MAX_PLAINTEXT = 16_384;

    private final SocketChannel channel;
    private final SSLEngine engine;
    private final ByteBuffer none = ByteBuffer.allocate(0);
    private final int packetSize;
    /** Whether the engine may keep plaintext inside it after an unwrap, as OpenSSL-based engines do. */
    private final boolean keepsPlaintext;

    private IOStream stream;

    private boolean established;
    private ByteBuffer netRest;
    private boolean netRestWhole;
    private ByteBuffer appRest;
    private ByteBuffer outRest;
    private int sealed;
    private boolean eof;
    private boolean inboundDone;
    private boolean unwrapProgress;
    private boolean engineHolds;

    TlsTransport(SocketChannel channel, SSLEngine engine) {
        this.channel = channel;
        this.engine = engine;
        this.packetSize = engine.getSession().getPacketBufferSize();
        this.keepsPlaintext = !engine.getClass().getName().startsWith("sun.security.ssl.");
    }

    /** Binds the transport to its stream, for the thread's shared buffers. */
    void attach(IOStream owner) {
        this.stream = owner;
    }

    SSLEngine engine() {
        return engine;
    }

    /** Returns whether the first handshake is done and its last flight written. */
    boolean established() {
        return established;
    }

    /** Returns whether records wait to be written (handshake flights, alerts, application records). */
    boolean outputPending() {
        return outRest != null;
    }

    /**
     * Returns whether {@link #read} has something to report without the socket being ready: plaintext left over,
     * whole records left over, or the end of the input.
     */
    boolean inputPending() {
        return appRest != null || netRestWhole || engineHolds || eof || inboundDone;
    }

    /** Returns the events the handshake waits for: {@code WRITE} while records are unwritten or to be made. */
    int handshakeEvents() {
        if (outRest != null) {
            return IOLoop.WRITE;
        }
        HandshakeStatus hs = engine.getHandshakeStatus();
        return hs == HandshakeStatus.NEED_WRAP || hs == HandshakeStatus.NEED_TASK ? IOLoop.WRITE : IOLoop.READ;
    }

    // ---------------------------------------------------------------- handshake

    /**
     * Drives the first handshake as far as the socket allows: wraps and writes what the engine has to say, reads
     * and unwraps what it waits for, runs its tasks.
     *
     * @return whether the handshake is done and its last flight written
     * @throws IOException the engine's {@link SSLException} (a bad certificate, a peer that does not speak TLS), an
     *     {@link SSLHandshakeException} if the peer closed the connection, or the socket's error
     */
    boolean handshake() throws IOException {
        boolean flushed = false;
        while (true) {
            if (!flush()) {
                return false;
            }
            switch (engine.getHandshakeStatus()) {
                case NEED_TASK -> runTasks();
                case NEED_WRAP -> wrapControl();
                case NEED_UNWRAP, NEED_UNWRAP_AGAIN -> {
                    // Plaintext that arrives with the last flight (the client's first request) goes to appRest.
                    unwrap(none);
                    if (!unwrapProgress) {
                        if (eof || inboundDone) {
                            throw new SSLHandshakeException("the peer closed the connection during the handshake");
                        }
                        return false;
                    }
                }
                default -> {
                    if (inboundDone || engine.isOutboundDone()) {
                        throw new SSLHandshakeException("the handshake ended before it completed");
                    }
                    if (keepsPlaintext && !flushed) {
                        // Such an engine may say the handshake is over with the last flight still inside it.
                        flushed = true;
                        wrapControl();
                        continue;
                    }
                    established = true;
                    return true;
                }
            }
        }
    }

    // ---------------------------------------------------------------- reading

    /**
     * Reads plaintext into {@code dst}: what is left over first, else unwraps the records buffered and those the
     * socket has (one socket read).
     *
     * @return the plaintext bytes put into {@code dst}, 0 if none yet, -1 after the peer's {@code close_notify}
     * @throws SSLException if the records are bad, or the input ended without {@code close_notify} (truncation)
     */
    @Override
    public int read(ByteBuffer dst) throws IOException {
        if (appRest != null) {
            return takeAppRest(dst);
        }
        int n = unwrap(dst);
        if (n > 0) {
            return n;
        }
        if (inboundDone) {
            return -1;
        }
        if (eof && !netRestWhole) {
            throw new SSLException("truncated: the peer closed the connection without close_notify");
        }
        return 0;
    }

    private int takeAppRest(ByteBuffer dst) {
        int n = Math.min(dst.remaining(), appRest.remaining());
        int limit = appRest.limit();
        appRest.limit(appRest.position() + n);
        dst.put(appRest);
        appRest.limit(limit);
        if (!appRest.hasRemaining()) {
            appRest = null;
        }
        return n;
    }

    /**
     * Unwraps the records left over and, unless whole ones are among them, those one socket read brings, into
     * {@code dst} while it has room, the rest of a record too big for it into {@code appRest}. Sets
     * {@code unwrapProgress} if the engine consumed anything.
     *
     * @return the plaintext bytes put into {@code dst}
     */
    private int unwrap(ByteBuffer dst) throws IOException {
        ByteBuffer in = fillInput(Math.max(dst.remaining(), packetSize));
        int produced = 0;
        int idle = 0;
        unwrapProgress = false;
        HandshakeStatus last = null;
        try {
            // Asking an engine that keeps plaintext again (no input) is for plaintext only: never while it has a
            // flight to send, which Conscrypt would then report as NOT_HANDSHAKING and keep to itself.
            while ((in.hasRemaining() || (engineHolds && last != HandshakeStatus.NEED_WRAP)) && !inboundDone) {
                boolean drain = !in.hasRemaining();
                SSLEngineResult r = unwrap(in, dst);
                produced += r.bytesProduced();
                unwrapProgress |= r.bytesConsumed() > 0;
                if (keepsPlaintext) {
                    // Such an engine takes whole records into itself and may keep their plaintext when dst is
                    // full: ask it again, with no input, until it gives nothing although dst has room.
                    if (r.bytesConsumed() > 0 || (r.bytesProduced() > 0 && !dst.hasRemaining())) {
                        engineHolds = true;
                    } else if (drain && r.bytesProduced() == 0 && dst.hasRemaining()) {
                        engineHolds = false;
                    }
                }
                Status status = r.getStatus();
                if (status == Status.BUFFER_UNDERFLOW) {
                    break;
                }
                if (status == Status.BUFFER_OVERFLOW) {
                    // No room for the next record (the JDK says so before it looks whether the record is all
                    // there): unwrap it aside, unless dst got plaintext this step already.
                    if (produced == 0 && holdsWholeRecord(in)) {
                        produced += unwrapAside(in, dst);
                    }
                    break;
                }
                if (status == Status.CLOSED) {
                    inboundDone = true;
                    break;
                }
                HandshakeStatus hs = r.getHandshakeStatus();
                last = hs;
                afterUnwrap(hs);
                // Nothing done: go on only if the engine had something to do first (a wrap, a task), once.
                boolean engineBusy = hs == HandshakeStatus.NEED_WRAP || hs == HandshakeStatus.NEED_TASK;
                if (r.bytesConsumed() == 0 && r.bytesProduced() == 0 && (!engineBusy || ++idle > 1)) {
                    break;
                }
            }
        } finally {
            keepInput(in);
        }
        return produced;
    }

    /** Unwraps one record into a buffer of its own, moves what fits into {@code dst}, keeps the rest in appRest. */
    private int unwrapAside(ByteBuffer in, ByteBuffer dst) throws IOException {
        ByteBuffer aside = ByteBuffer.allocate(engine.getSession().getApplicationBufferSize());
        SSLEngineResult r = unwrap(in, aside);
        unwrapProgress |= r.bytesConsumed() > 0;
        if (r.getStatus() == Status.BUFFER_OVERFLOW) {
            throw new SSLException(
                    "a TLS record larger than the session's application buffer of " + aside.capacity() + " bytes");
        }
        if (r.getStatus() == Status.CLOSED) {
            inboundDone = true;
        } else {
            afterUnwrap(r.getHandshakeStatus());
        }
        aside.flip();
        int n = Math.min(dst.remaining(), aside.remaining());
        int limit = aside.limit();
        aside.limit(n);
        dst.put(aside);
        aside.limit(limit);
        if (aside.hasRemaining()) {
            appRest = appRest == null ? aside : append(appRest, aside);
        }
        return n;
    }

    /**
     * Returns the shared input buffer, flipped, holding the records left over and then, unless those hold whole
     * records not unwrapped yet, what one socket read brings (at most {@code room} bytes more).
     */
    private ByteBuffer fillInput(int room) throws IOException {
        int rest = netRest == null ? 0 : netRest.remaining();
        ByteBuffer in = stream.scratch().tlsInput(rest + room);
        if (rest > 0) {
            in.put(netRest);
        }
        // Whole records left over are unwrapped first: reading more meanwhile would let them pile up unbounded.
        if (!netRestWhole && !eof && !inboundDone) {
            if (channel.read(in) < 0) {
                eof = true;
            }
        }
        return in.flip();
    }

    /**
     * Keeps the records {@code in} has left in netRest (dropping it when none are left). Whole records among them
     * make {@link #inputPending()} true only if this step got anywhere, so an engine that takes nothing more is
     * not asked again and again.
     */
    private void keepInput(ByteBuffer in) {
        int n = in.remaining();
        netRestWhole = !inboundDone && unwrapProgress && holdsWholeRecord(in);
        if (n == 0) {
            netRest = null;
            return;
        }
        if (netRest == null || netRest.capacity() < n) {
            netRest = ByteBuffer.allocate(Math.max(n, packetSize));
        }
        netRest.clear();
        netRest.put(in).flip();
    }

    // ---------------------------------------------------------------- writing

    /**
     * Writes plaintext: finishes the records left over first, then wraps {@code src} into records and writes them
     * with one socket write. Before the handshake is done, takes nothing.
     *
     * @return the plaintext bytes whose records are all written (advancing {@code src} by as many)
     */
    @Override
    public int write(ByteBuffer src) throws IOException {
        if (!established || !flush()) {
            return 0;
        }
        int done = 0;
        if (sealed > 0) {
            // Their records are written now: the stream hands these bytes over again as the head of its queue.
            if (src.remaining() < sealed) {
                throw new IllegalStateException(
                        "TLS output out of step: " + sealed + " bytes sealed, " + src.remaining() + " offered");
            }
            done = sealed;
            sealed = 0;
            src.position(src.position() + done);
        }
        if (!src.hasRemaining()) {
            return done;
        }
        int start = src.position();
        int records = (src.remaining() + MAX_PLAINTEXT - 1) / MAX_PLAINTEXT + 1;
        ByteBuffer out = stream.scratch().tlsOutput(records * packetSize);
        // Records the engine has to send by itself (a TLS 1.3 ticket) come out of the same wraps, in order.
        while (src.hasRemaining() || engine.getHandshakeStatus() == HandshakeStatus.NEED_WRAP) {
            SSLEngineResult r = wrap(src, out);
            if (r.getStatus() == Status.CLOSED) {
                throw new SSLException("TLS output is closed");
            }
            if (r.getStatus() == Status.BUFFER_OVERFLOW) {
                break; // the step is full: the rest waits for the next one
            }
            HandshakeStatus hs = r.getHandshakeStatus();
            if (hs == HandshakeStatus.NEED_TASK) {
                runTasks();
            } else if (hs == HandshakeStatus.NEED_UNWRAP) {
                checkNotRenegotiating();
            }
            if (r.bytesConsumed() == 0 && r.bytesProduced() == 0) {
                break;
            }
        }
        int wrapped = src.position() - start;
        out.flip();
        channel.write(out);
        if (out.hasRemaining()) {
            outRest = append(outRest, out);
            sealed = wrapped;
            src.position(start);
            return done;
        }
        return done + wrapped;
    }

    /**
     * Writes the records left over.
     *
     * @return whether none are left
     */
    boolean flush() throws IOException {
        if (outRest == null) {
            return true;
        }
        channel.write(outRest);
        if (outRest.hasRemaining()) {
            return false;
        }
        outRest = null;
        return true;
    }

    /**
     * Wraps what the engine has to say by itself (a handshake flight, an alert, a TLS 1.3 key update's answer)
     * after the records left over, keeping their order.
     */
    private void wrapControl() throws IOException {
        ByteBuffer out = stream.scratch().tlsOutput(packetSize);
        while (true) {
            out.clear();
            SSLEngineResult r = wrap(none, out);
            out.flip();
            if (out.hasRemaining()) {
                outRest = append(outRest, out);
            }
            if (r.getHandshakeStatus() == HandshakeStatus.NEED_TASK) {
                runTasks();
            }
            if (r.getStatus() != Status.OK
                    || r.bytesProduced() == 0
                    || engine.getHandshakeStatus() != HandshakeStatus.NEED_WRAP) {
                return;
            }
        }
    }

    /** Handles what the engine needs after an unwrap of application data; during the handshake, only tasks. */
    private void afterUnwrap(HandshakeStatus hs) throws IOException {
        if (hs == HandshakeStatus.NEED_TASK) {
            runTasks();
        } else if (established && (hs == HandshakeStatus.NEED_WRAP || hs == HandshakeStatus.NEED_UNWRAP)) {
            checkNotRenegotiating();
            if (hs == HandshakeStatus.NEED_WRAP) {
                wrapControl();
                flush();
            }
        }
    }

    /** Refuses a handshake started after the first one in TLS 1.2 and older: a renegotiation. */
    private void checkNotRenegotiating() throws SSLException {
        if (!engine.isOutboundDone()
                && !inboundDone
                && !"TLSv1.3".equals(engine.getSession().getProtocol())) {
            throw new SSLException("TLS renegotiation is not supported");
        }
    }

    private void runTasks() {
        for (Runnable task; (task = engine.getDelegatedTask()) != null; ) {
            task.run();
        }
    }

    // ---------------------------------------------------------------- closing

    /**
     * Sends {@code close_notify} if it can without blocking: after the records left over, which are finished first
     * if the socket takes them (else a {@code close_notify} after half a record would be noise, and none is sent).
     * Best effort: a failure means the connection is gone already.
     */
    void closeOutbound() {
        try {
            if (!flush()) {
                return;
            }
            engine.closeOutbound();
            wrapControl();
            flush();
        } catch (IOException | RuntimeException e) {
            // the connection is going away: nothing more to tell the peer
        }
    }

    /**
     * Says goodbye ({@link #closeOutbound}) and drops every buffer; the stream closes the socket itself, next
     * (this does not).
     */
    @Override
    public void close() {
        closeOutbound();
        if (keepsPlaintext) {
            // An OpenSSL-based engine frees its native state (memory, and in Conscrypt two descriptors) once both
            // directions are closed; otherwise only when it is garbage collected.
            try {
                engine.closeOutbound();
                engine.closeInbound();
            } catch (SSLException | RuntimeException e) {
                // closed without the peer's close_notify: nothing more to do, the socket closes next
            }
        }
        netRest = null;
        netRestWhole = false;
        appRest = null;
        outRest = null;
        sealed = 0;
    }

    @Override
    public boolean isOpen() {
        return channel.isOpen();
    }

    // ---------------------------------------------------------------- helpers

    /** The engine's {@code unwrap}; see {@link #checked}. */
    private SSLEngineResult unwrap(ByteBuffer src, ByteBuffer dst) throws SSLException {
        try {
            return engine.unwrap(src, dst);
        } catch (Exception e) {
            throw checked(e);
        }
    }

    /** The engine's {@code wrap}; see {@link #checked}. */
    private SSLEngineResult wrap(ByteBuffer src, ByteBuffer dst) throws SSLException {
        try {
            return engine.wrap(src, dst);
        } catch (Exception e) {
            throw checked(e);
        }
    }

    /**
     * Returns what an engine's {@code wrap} or {@code unwrap} threw as an {@link SSLException}: the engine's own
     * {@link SSLException} as it is (a {@link RuntimeException} is rethrown as it is), and a checked exception it
     * threw without declaring it (Conscrypt lets a trust manager's {@link java.security.cert.CertificateException}
     * through) wrapped: in an {@link SSLHandshakeException} during the handshake, as the JDK's engine throws for a
     * rejected certificate.
     */
    private SSLException checked(Exception e) {
        if (e instanceof SSLException ssl) {
            return ssl;
        }
        if (e instanceof RuntimeException unchecked) {
            throw unchecked;
        }
        SSLException wrapped = established ? new SSLException(e.toString()) : new SSLHandshakeException(e.toString());
        wrapped.initCause(e);
        return wrapped;
    }

    /**
     * Returns whether {@code in} starts with a whole TLS record: a 5-byte header (type, version, length) and the
     * length it gives (RFC 8446 5.1).
     */
    private static boolean holdsWholeRecord(ByteBuffer in) {
        int at = in.position();
        return in.remaining() >= 5 && in.remaining() >= 5 + ((in.get(at + 3) & 0xff) << 8 | (in.get(at + 4) & 0xff));
    }

    /** Returns {@code head} (read mode, or {@code null}) followed by {@code tail}'s remaining bytes, in read mode. */
    private static ByteBuffer append(ByteBuffer head, ByteBuffer tail) {
        if (head != null && head.capacity() - head.limit() >= tail.remaining()) {
            int start = head.position();
            head.position(head.limit()).limit(head.capacity());
            head.put(tail);
            head.limit(head.position()).position(start);
            return head;
        }
        ByteBuffer joined = ByteBuffer.allocate((head == null ? 0 : head.remaining()) + tail.remaining());
        if (head != null) {
            joined.put(head);
        }
        return joined.put(tail).flip();
    }
}
