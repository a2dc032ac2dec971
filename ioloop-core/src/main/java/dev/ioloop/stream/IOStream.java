package dev.ioloop.stream;

import dev.ioloop.FdHandler;
import dev.ioloop.IOLoop;
import dev.ioloop.Timeout;
import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Pipe;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SocketChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;

/**
 * A buffered, non-blocking byte stream over one channel, owned by one loop (Tornado's {@code IOStream}): reads and
 * writes are futures, and the stream does the buffering, the partial writes, the switching of {@code WRITE} interest,
 * the limits and the closing that a protocol written on {@link IOLoop#addHandler} does by hand.
 *
 * <pre>{@code
 * IOStream stream = IOStream.of(loop, channel);
 * stream.readUntil("\r\n".getBytes(US_ASCII)).thenAccept(line -> stream.write(line)); // echo one line
 * }</pre>
 *
 * <h2>Two ways to read and write</h2>
 * <ul>
 *   <li><b>Futures</b> ({@link #readUntil}, {@link #readBytes}, {@link #readUntilRegex}, {@link #readInto},
 *       {@link #readUntilClose}, {@link #write}): one read at a time, each completed with a copy of its bytes. Simple
 *       to compose; a future and an array per message cost little next to a system call per message.</li>
 *   <li><b>The fast path</b> ({@link #setDataHandler}, {@link #output()}, {@link #flush()}): the handler sees the
 *       unread bytes in place each time some arrive, consumes what it can parse, and appends its replies to the
 *       output without a future. For protocols that parse many small messages per read, such as a pipelined server:
 *       no allocation per message.</li>
 * </ul>
 *
 * <h2>Threading</h2>
 * A stream belongs to its loop. Every method is called on that loop's thread, or before the loop runs (as
 * {@link IOLoop#addHandler}); from any other thread it throws {@link IllegalStateException}: use
 * {@link IOLoop#addCallback}. {@link #isClosed()}, {@link #loop()} and {@link #remoteAddress()} are safe from any
 * thread. Every future completes on the loop thread, and <em>never inside the call that returned it</em>: a read
 * whose bytes are already buffered completes in a later callback, so a handler that chains reads over a long
 * pipelined burst never grows the stack (Tornado ran every stream callback through {@code add_callback}). A
 * dependent action attached with a non-async method ({@code thenAccept}, {@code whenComplete}) runs on the loop
 * thread when it is attached on the loop thread before the future completes; attached from another thread, it may
 * run on that thread (after completion, or when that thread waits in {@code get()} or {@code join()}, which runs
 * pending dependents): from other threads, attach with an {@code ...Async(action, loop)} method.
 *
 * <h2>Failures</h2>
 * Failures of I/O travel in the futures; a call throws only for misuse, with the bad value in the message:
 * {@link IllegalStateException} (wrong thread, a second read while one is pending), {@link IllegalArgumentException}
 * (a negative size), {@link NullPointerException} (a {@code null} argument, named). A read or write on a closed stream
 * returns a future failed with {@link StreamClosedException}; a write past {@link StreamOptions#maxWriteBufferSize()}
 * returns one failed with {@link StreamBufferFullException} and queues nothing.
 *
 * <h2>Reading and memory</h2>
 * The stream reads from its channel only while a read is pending, a data handler is set, or a close callback is set
 * (to notice the peer's close), so a peer that sends faster than the handler reads meets TCP backpressure (its
 * {@code READ} interest stays registered between two reads of a chain, and is dropped at the first readable event
 * that no read wants). Each
 * read takes at most {@link StreamOptions#readChunkSize()} bytes. Unread bytes past
 * {@link StreamOptions#maxBufferSize()} close the stream with a {@link StreamBufferFullException}. Reads go through
 * one direct buffer shared by the streams of the thread, and unread bytes are copied into a buffer of the stream's
 * own only when some are left over; written bytes are queued in pooled chunks; so an idle stream holds no buffer.
 *
 * <h2>Writing</h2>
 * A write hands the kernel what it takes at once and queues the rest (a copy); the rest is written as the channel
 * drains, one step of at most {@link StreamOptions#readChunkSize()} bytes (and 256 KiB) per loop iteration, so one
 * write of a gigabyte does not stall the loop's other handlers. {@link #isWritable()} turns {@code false} when the
 * queued bytes exceed the high water mark and {@code true} again at the low one: a writer that waits for it bounds
 * its memory to the high mark.
 *
 * <h2>TLS</h2>
 * {@link SSLIOStream} is this stream over TLS, with the same methods and rules: a TLS {@code TCPServer} or
 * {@code TCPClient} makes one, and {@link #startTls} switches a plain connection to TLS. Underneath, the stream reads
 * and writes through a transport: the channel itself, or the TLS record layer.
 *
 * <h2>Closing</h2>
 * On a clean end of stream or {@link #close()}, a pending {@link #readUntilClose} completes with the buffered rest;
 * a pending read the buffer satisfies completes normally; every other pending read and write fails with
 * {@link StreamClosedException} (its cause the error that closed the stream, {@code null} for a clean end); then
 * the close callback runs once. The channel is deregistered and closed exactly once. Closing discards queued
 * output: to finish writing first, use {@link #closeGracefully}.
 */
public class IOStream implements Closeable {

    private static final int NO_READ = 0;
    private static final int UNTIL = 1;
    private static final int REGEX = 2;
    private static final int BYTES = 3;
    private static final int INTO = 4;
    private static final int UNTIL_CLOSE = 5;
    /** A read buffer up to this size is kept while empty; a bigger one is dropped, so idle streams stay small. */
    private static final int RETAINED_READ_BUFFER = 4096;

    private static final byte[] EMPTY = new byte[0];

    /**
     * How long {@link #drain()}'s default lingering close waits for the peer to close after the last byte is written:
     * 1 second. A peer that closes sooner ends it sooner.
     */
    public static final Duration DRAIN_LINGER = Duration.ofSeconds(1);

    private final IOLoop loop;
    private final SelectableChannel channel;
    private final ReadableByteChannel source;
    private final WritableByteChannel sink;
    private final StreamOptions options;
    private final StreamCounters counters;
    private final StreamOutput output;
    private final FdHandler<SelectableChannel> events = (ch, ready) -> handleEvents(ready);
    private volatile SocketAddress remoteAddress;
    private StreamScratch scratch;

    private boolean registered;
    /** A readable event found no read wanted: the next interest update takes {@code READ} off. */
    private boolean dropIdleRead;

    private int interest;
    private boolean connecting;
    private CompletableFuture<IOStream> connectFuture;

    private byte[] rbuf;
    private int rhead;
    private int rtail;
    private ByteBuffer rview;
    private boolean inputEnded;

    private int readKind = NO_READ;
    private CompletableFuture<?> readFuture;
    private byte[] delimiter;
    private Pattern regex;
    private int maxBytes;
    private int wanted;
    private boolean partial;
    private ByteBuffer into;
    private int scanned;
    private DataHandler dataHandler;

    private ArrayDeque<PendingWrite> pendingWrites;
    private boolean writable = true;
    private Consumer<Boolean> writabilityListener;

    private volatile boolean closed;
    private Throwable error;
    private Runnable closeCallback;
    private CompletableFuture<Void> graceful;
    private boolean outputShut;
    private Timeout lingerTimer;
    private long lingerNanos;
    /** Completed once the stream closes; made on the first {@link #closeFuture()} call. */
    private CompletableFuture<Void> closeFuture;

    private boolean draining;
    private Runnable drainHandler;
    /** The TLS stream {@link #startTls} handed the connection to: {@link #drain()} goes on to it. */
    private IOStream successor;

    /**
     * A stream over a channel; {@code source} and {@code sink} are the same channel seen as readable and writable
     * ({@code null} where it is not).
     */
    IOStream(
            IOLoop loop,
            SelectableChannel channel,
            ReadableByteChannel source,
            WritableByteChannel sink,
            StreamOptions options,
            StreamCounters counters) {
        this(loop, channel, source, sink, options, counters, true);
    }

    /**
     * A stream over a channel, read through {@code source} and written through {@code sink}: the channel itself, or
     * a transport over it (TLS). The stream calls {@code source.read} once per read step, into the thread's shared
     * read buffer, and {@code sink.write} once per write step, from the thread's shared write buffer; a return of
     * 0 means "nothing now", -1 from a read a clean end of input, and an {@link IOException} closes the stream with
     * it as its error. {@code countOpen} is false for a stream that carries on a connection already counted
     * ({@link #startTls}).
     */
    IOStream(
            IOLoop loop,
            SelectableChannel channel,
            ReadableByteChannel source,
            WritableByteChannel sink,
            StreamOptions options,
            StreamCounters counters,
            boolean countOpen) {
        this.loop = Objects.requireNonNull(loop, "loop");
        this.channel = channel;
        this.source = source;
        this.sink = sink;
        this.options = Objects.requireNonNull(options, "options");
        this.counters = counters;
        this.output = new StreamOutput(this);
        checkThread("IOStream.of");
        try {
            channel.configureBlocking(false);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot make " + channel + " non-blocking", e);
        }
        if (channel instanceof SocketChannel socket) {
            if (!socket.isConnected() && !socket.isConnectionPending()) {
                throw new IllegalArgumentException("channel is neither connected nor connecting: " + channel);
            }
            connecting = socket.isConnectionPending();
            remoteAddress = remoteOf(socket);
        }
        if (counters != null && countOpen) {
            counters.streamOpened();
        }
    }

    // ---------------------------------------------------------------- factories

    /**
     * Wraps a connected (or connecting) socket channel, TCP or Unix-domain, with the default options.
     *
     * @see #of(IOLoop, SocketChannel, StreamOptions, StreamCounters)
     */
    public static IOStream of(IOLoop loop, SocketChannel channel) {
        return of(loop, channel, StreamOptions.defaults(), null);
    }

    /**
     * Wraps a connected (or connecting) socket channel, TCP or Unix-domain.
     *
     * @see #of(IOLoop, SocketChannel, StreamOptions, StreamCounters)
     */
    public static IOStream of(IOLoop loop, SocketChannel channel, StreamOptions options) {
        return of(loop, channel, options, null);
    }

    /**
     * Wraps a connected (or connecting) socket channel, TCP or Unix-domain (Tornado's {@code IOStream(socket)}). The
     * channel is made non-blocking; nothing is registered with the loop until a read, a write or a close callback
     * needs it. A connecting channel is finished by the stream: writes wait for the connection.
     *
     * @param loop the loop the stream belongs to
     * @param channel an open channel, connected or with a connection pending; the stream owns and closes it
     * @param options the buffer limits
     * @param counters where the stream counts itself and its bytes (shared by a server's streams), or {@code null}
     * @return the stream
     * @throws NullPointerException if {@code loop}, {@code channel} or {@code options} is {@code null}
     * @throws IllegalArgumentException if the channel is neither connected nor connecting
     * @throws IllegalStateException if called from another thread while the loop runs
     * @throws UncheckedIOException if the channel cannot be made non-blocking
     */
    public static IOStream of(IOLoop loop, SocketChannel channel, StreamOptions options, StreamCounters counters) {
        Objects.requireNonNull(channel, "channel");
        return new IOStream(loop, channel, channel, channel, options, counters);
    }

    /** Wraps the reading end of a pipe (Tornado's {@code PipeIOStream}), with the default options. */
    public static IOStream of(IOLoop loop, Pipe.SourceChannel channel) {
        return of(loop, channel, StreamOptions.defaults());
    }

    /**
     * Wraps the reading end of a pipe (Tornado's {@code PipeIOStream}); writes fail with {@link
     * StreamClosedException} whose cause says the stream is read-only.
     */
    public static IOStream of(IOLoop loop, Pipe.SourceChannel channel, StreamOptions options) {
        Objects.requireNonNull(channel, "channel");
        return new IOStream(loop, channel, channel, null, options, null);
    }

    /** Wraps the writing end of a pipe, with the default options. */
    public static IOStream of(IOLoop loop, Pipe.SinkChannel channel) {
        return of(loop, channel, StreamOptions.defaults());
    }

    /**
     * Wraps the writing end of a pipe; reads fail with {@link StreamClosedException} whose cause says the stream is
     * write-only. The stream notices the reader's close only when a write fails.
     */
    public static IOStream of(IOLoop loop, Pipe.SinkChannel channel, StreamOptions options) {
        Objects.requireNonNull(channel, "channel");
        return new IOStream(loop, channel, null, channel, options, null);
    }

    /** Connects to {@code remote} with the default options; see {@link #connect(IOLoop, SocketAddress, StreamOptions)}. */
    public static CompletableFuture<IOStream> connect(IOLoop loop, SocketAddress remote) {
        return connect(loop, remote, StreamOptions.defaults());
    }

    /**
     * Opens a socket channel and connects it to {@code remote} without blocking (Tornado's {@code IOStream.connect}):
     * TCP for an {@link java.net.InetSocketAddress}, Unix-domain for a {@link UnixDomainSocketAddress}. The future
     * completes on the loop thread with the connected stream, or fails with {@link StreamClosedException} whose cause
     * is the connect error (for example {@link java.net.ConnectException}); the channel is closed then. Writes issued
     * before the connection completes are sent once it does. Cancelling the future closes the attempt (on the loop
     * thread). Call on the loop thread, or before the loop runs.
     *
     * @param loop the loop the stream belongs to
     * @param remote where to connect
     * @param options the stream's buffer limits
     * @return the stream, once connected
     * @throws NullPointerException if an argument is {@code null}
     * @throws IllegalStateException if called from another thread while the loop runs
     */
    public static CompletableFuture<IOStream> connect(IOLoop loop, SocketAddress remote, StreamOptions options) {
        Objects.requireNonNull(loop, "loop");
        Objects.requireNonNull(remote, "remote");
        Objects.requireNonNull(options, "options");
        checkThread(loop, "IOStream.connect");
        CompletableFuture<IOStream> result = new CompletableFuture<>();
        SocketChannel ch = null;
        boolean connected;
        try {
            ch = remote instanceof UnixDomainSocketAddress
                    ? SocketChannel.open(StandardProtocolFamily.UNIX)
                    : SocketChannel.open();
            ch.configureBlocking(false);
            connected = ch.connect(remote);
        } catch (IOException | RuntimeException e) {
            closeQuietly(ch);
            loop.addCallback(() -> result.completeExceptionally(new StreamClosedException(e)));
            return result;
        }
        IOStream stream = new IOStream(loop, ch, ch, ch, options, null);
        if (connected) {
            stream.remoteAddress = remoteOf(ch);
            loop.addCallback(() -> result.complete(stream));
        } else {
            stream.connectFuture = result;
            stream.updateInterest();
            // Cancelling the future abandons the attempt: the channel closes at once, not when the kernel gives up.
            result.whenComplete((s, e) -> {
                if (result.isCancelled()) {
                    loop.addCallback(() -> stream.close(e));
                }
            });
        }
        return result;
    }

    // ---------------------------------------------------------------- reads

    /**
     * Reads up to and including {@code delimiter} (Tornado's {@code read_until}), bounded only by
     * {@link StreamOptions#maxBufferSize()}.
     *
     * @see #readUntil(byte[], int)
     */
    public CompletableFuture<byte[]> readUntil(byte[] delimiter) {
        return readUntil(delimiter, Integer.MAX_VALUE);
    }

    /**
     * Reads up to and including {@code delimiter} (Tornado's {@code read_until}). If more than {@code maxBytes} are
     * buffered without the delimiter, or the delimiter ends past {@code maxBytes}, the stream closes with an
     * {@link UnsatisfiableReadException} (the future fails with a {@link StreamClosedException} whose cause is it).
     *
     * @param delimiter at least one byte; copied
     * @param maxBytes the longest acceptable result, delimiter included; at least 1
     * @return the bytes read, the delimiter last
     * @throws NullPointerException if {@code delimiter} is {@code null}
     * @throws IllegalArgumentException if {@code delimiter} is empty or {@code maxBytes < 1}
     * @throws IllegalStateException if a read is pending or a data handler is set, or on the wrong thread
     */
    public CompletableFuture<byte[]> readUntil(byte[] delimiter, int maxBytes) {
        Objects.requireNonNull(delimiter, "delimiter");
        if (delimiter.length == 0) {
            throw new IllegalArgumentException("delimiter must not be empty");
        }
        checkMaxBytes(maxBytes);
        startRead("readUntil", UNTIL);
        this.delimiter = delimiter.clone();
        this.maxBytes = maxBytes;
        this.scanned = 0;
        return begin(new CompletableFuture<byte[]>());
    }

    /**
     * Reads up to and including the first match of {@code regex} (Tornado's {@code read_until_regex}). The pattern
     * sees the buffered bytes as ISO-8859-1 characters, one character per byte, and is searched again from the start
     * of the buffer each time bytes arrive. Limits as {@link #readUntil(byte[], int)}.
     *
     * @param regex the pattern to find
     * @param maxBytes the longest acceptable result; at least 1
     * @return the bytes read, the match last
     * @throws NullPointerException if {@code regex} is {@code null}
     * @throws IllegalArgumentException if {@code maxBytes < 1}
     * @throws IllegalStateException if a read is pending or a data handler is set, or on the wrong thread
     */
    public CompletableFuture<byte[]> readUntilRegex(Pattern regex, int maxBytes) {
        Objects.requireNonNull(regex, "regex");
        checkMaxBytes(maxBytes);
        startRead("readUntilRegex", REGEX);
        this.regex = regex;
        this.maxBytes = maxBytes;
        return begin(new CompletableFuture<byte[]>());
    }

    /** Reads exactly {@code n} bytes (Tornado's {@code read_bytes}); see {@link #readBytes(int, boolean)}. */
    public CompletableFuture<byte[]> readBytes(int n) {
        return readBytes(n, false);
    }

    /**
     * Reads {@code n} bytes (Tornado's {@code read_bytes}); with {@code partial}, completes as soon as any bytes are
     * buffered, with at most {@code n}. {@code n == 0} completes with an empty array.
     *
     * @param n bytes wanted; at least 0
     * @param partial whether fewer than {@code n} (but at least one) will do
     * @return the bytes read
     * @throws IllegalArgumentException if {@code n < 0}
     * @throws IllegalStateException if a read is pending or a data handler is set, or on the wrong thread
     */
    public CompletableFuture<byte[]> readBytes(int n, boolean partial) {
        if (n < 0) {
            throw new IllegalArgumentException("readBytes needs n >= 0: " + n);
        }
        startRead("readBytes", BYTES);
        this.wanted = n;
        this.partial = partial;
        return begin(new CompletableFuture<byte[]>());
    }

    /**
     * Reads into {@code dst} (Tornado's {@code read_into}): fills its remaining bytes, or with {@code partial} at least
     * one of them, advancing its position. The stream writes into {@code dst} on the loop thread until the future
     * completes; do not touch it meanwhile.
     *
     * @param dst where the bytes go
     * @param partial whether fewer than {@code dst.remaining()} (but at least one) will do
     * @return the count of bytes read into {@code dst}
     * @throws NullPointerException if {@code dst} is {@code null}
     * @throws IllegalArgumentException if {@code dst} is read-only
     * @throws IllegalStateException if a read is pending or a data handler is set, or on the wrong thread
     */
    public CompletableFuture<Integer> readInto(ByteBuffer dst, boolean partial) {
        Objects.requireNonNull(dst, "dst");
        if (dst.isReadOnly()) {
            throw new IllegalArgumentException("readInto needs a writable buffer: " + dst);
        }
        startRead("readInto", INTO);
        this.into = dst;
        this.partial = partial;
        return begin(new CompletableFuture<Integer>());
    }

    /**
     * Reads everything until the peer closes (Tornado's {@code read_until_close}), bounded by
     * {@link StreamOptions#maxBufferSize()}. Completes with the bytes after a clean end of stream or {@link #close()};
     * fails with {@link StreamClosedException} if the stream closes with an error (a reset, a limit).
     *
     * @return every byte until the end of the stream
     * @throws IllegalStateException if a read is pending or a data handler is set, or on the wrong thread
     */
    public CompletableFuture<byte[]> readUntilClose() {
        startRead("readUntilClose", UNTIL_CLOSE);
        return begin(new CompletableFuture<byte[]>());
    }

    // ---------------------------------------------------------------- fast path

    /**
     * Sets the handler that receives the unread bytes in place each time some arrive (see {@link DataHandler}), or
     * with {@code null} stops reading, leaving unread bytes buffered (backpressure: the peer's sends then fill the
     * socket buffers). Bytes already buffered when a handler is set are delivered in a later callback. While a handler
     * is set, the read futures throw {@link IllegalStateException}. Output appended to {@link #output()} during
     * {@link DataHandler#onData} is flushed when it returns. An exception from the handler goes to the loop's error
     * handler and closes the stream with it as its error.
     *
     * @param handler the handler, or {@code null}
     * @throws IllegalStateException if a read future is pending, or on the wrong thread
     */
    public void setDataHandler(DataHandler handler) {
        checkThread("setDataHandler");
        if (handler != null && readKind != NO_READ) {
            throw new IllegalStateException("already reading: a read future is pending on " + this);
        }
        dataHandler = handler;
        if (handler != null && rtail > rhead) {
            loop.addCallback(this::deliverBuffered);
        }
        if (!closed) {
            updateInterest();
        }
    }

    /**
     * Returns the stream's output queue, to append bytes without a future (the fast path). Appended bytes reach the
     * kernel at the next {@link #flush()}, which the stream does itself after each {@link DataHandler#onData} call.
     * The same object every time.
     *
     * @throws IllegalStateException on the wrong thread
     */
    public StreamOutput output() {
        checkThread("output");
        return output;
    }

    /**
     * Hands the kernel what it takes of the queued output now and has the stream write the rest as the channel
     * drains. Updates {@link #isWritable()}; if the queued bytes exceed {@link StreamOptions#maxWriteBufferSize()} the
     * stream closes with a {@link StreamBufferFullException} (appends through {@link #output()} have no future to
     * fail). Nothing happens on a closed stream.
     *
     * @throws IllegalStateException on the wrong thread
     */
    public void flush() {
        checkThread("flush");
        flushOutput();
    }

    private void flushOutput() {
        if (closed) {
            output.discard(scratch());
            return;
        }
        if (output.queued() > options.maxWriteBufferSize()) {
            close(new StreamBufferFullException("queued output of " + output.queued()
                    + " bytes exceeds maxWriteBufferSize " + options.maxWriteBufferSize()));
            return;
        }
        if (!connecting && outputUsable()) {
            writeStep();
        }
        if (!closed) {
            afterWriteProgress();
            updateInterest();
        }
    }

    // ---------------------------------------------------------------- writes

    /**
     * Queues {@code data} (Tornado's {@code write}): hands the kernel what it takes now and copies the rest. The
     * future completes when these bytes and every earlier write's are in the kernel; futures complete in the order
     * of their writes. An empty write completes when the earlier writes have. Advances {@code data}'s position to
     * its limit.
     *
     * @param data the bytes, from position to limit
     * @return completes when the bytes are written; fails with {@link StreamClosedException} if the stream is or
     *     becomes closed first, or with {@link StreamBufferFullException} (queuing nothing, the stream staying
     *     open) if they would take the queued bytes past {@link StreamOptions#maxWriteBufferSize()}
     * @throws NullPointerException if {@code data} is {@code null}
     * @throws IllegalStateException on the wrong thread
     */
    public CompletableFuture<Void> write(ByteBuffer data) {
        Objects.requireNonNull(data, "data");
        checkThread("write");
        CompletableFuture<Void> future = new CompletableFuture<>();
        if (closed) {
            failLater(future, closedException());
            return future;
        }
        if (sink == null || graceful != null) {
            String why = sink == null ? "stream is read-only: " : "no writes after closeGracefully: ";
            failLater(future, new StreamClosedException(new IOException(why + channel)));
            return future;
        }
        long queued = output.queued();
        int size = data.remaining();
        if (size > options.maxWriteBufferSize() - queued) {
            failLater(
                    future,
                    new StreamBufferFullException("write of " + size + " bytes with " + queued
                            + " queued would exceed maxWriteBufferSize " + options.maxWriteBufferSize()));
            return future;
        }
        if (queued == 0 && !connecting && size > 0) {
            writeDirect(data);
            if (closed) {
                failLater(future, closedException());
                return future;
            }
        }
        output.put(data);
        if (pendingWrites == null) {
            pendingWrites = new ArrayDeque<>(4);
        }
        pendingWrites.addLast(new PendingWrite(output.appendedTotal(), future));
        afterWriteProgress();
        updateInterest();
        return future;
    }

    /**
     * Queues {@code data}; see {@link #write(ByteBuffer)}. The array is copied (what the kernel does not take at once),
     * so the caller may reuse it when the call returns.
     */
    public CompletableFuture<Void> write(byte[] data) {
        Objects.requireNonNull(data, "data");
        return write(ByteBuffer.wrap(data));
    }

    /**
     * Returns whether the queued output is at or below the high water mark (Netty's {@code isWritable}): {@code false}
     * once it exceeds {@link StreamOptions#writeWaterMarkHigh()}, {@code true} again when it falls to
     * {@link StreamOptions#writeWaterMarkLow()}. Checked at each write and flush. {@code false} on a closed stream.
     */
    public boolean isWritable() {
        checkThread("isWritable");
        return writable && !closed;
    }

    /**
     * Sets the listener told of each change of {@link #isWritable()} (Netty's {@code channelWritabilityChanged}), on
     * the loop thread, inside the write or flush that changed it or the loop iteration that drained the queue; or
     * {@code null} to clear it. An exception from it goes to the loop's error handler.
     *
     * @throws IllegalStateException on the wrong thread
     */
    public void setWritabilityListener(Consumer<Boolean> listener) {
        checkThread("setWritabilityListener");
        writabilityListener = listener;
    }

    // ---------------------------------------------------------------- closing

    /**
     * Sets the callback run once on the loop thread after the stream closes, after every pending future has settled
     * (Tornado's {@code set_close_callback}); {@code null} clears it. Set on a stream that is already closed, it runs
     * once in a later callback. With a close callback set, the stream reads (and buffers) even without a pending read,
     * to notice the peer's close. An exception from it goes to the loop's error handler.
     *
     * @throws IllegalStateException on the wrong thread
     */
    public void setCloseCallback(Runnable callback) {
        checkThread("setCloseCallback");
        closeCallback = callback;
        if (closed) {
            if (callback != null) {
                loop.addCallback(this::runCloseCallback);
            }
        } else {
            updateInterest();
        }
    }

    /** Closes the stream; see {@link #close(Throwable)}. Idempotent. */
    @Override
    public void close() {
        close(null);
    }

    /**
     * Closes the stream (Tornado's {@code close(exc_info)}): deregisters and closes the channel, discards queued
     * output, settles pending futures as the class comment says, then runs the close callback once. Idempotent: only
     * the first call's error is kept.
     *
     * @param error why, returned by {@link #error()} afterwards; {@code null} for a plain close
     * @throws IllegalStateException on the wrong thread
     */
    public void close(Throwable error) {
        checkThread("close");
        if (closed) {
            return;
        }
        closed = true;
        this.error = error;
        if (lingerTimer != null) {
            lingerTimer.cancel();
            lingerTimer = null;
        }
        if (registered) {
            registered = false;
            if (!loop.isClosed()) {
                loop.removeHandler(channel);
            }
        }
        closeChannel();
        if (counters != null) {
            counters.streamClosed();
        }
        output.discard(scratch());
        StreamClosedException closedError = null;
        if (connectFuture != null) {
            closedError = closedException();
            failLater(connectFuture, closedError);
            connectFuture = null;
        }
        settleReadOnClose();
        if (pendingWrites != null) {
            for (PendingWrite w; (w = pendingWrites.pollFirst()) != null; ) {
                failLater(w.future, closedError != null ? closedError : (closedError = closedException()));
            }
        }
        dataHandler = null;
        if (graceful != null) {
            CompletableFuture<Void> g = graceful;
            loop.addCallback(() -> g.complete(null));
        }
        if (closeFuture != null) {
            CompletableFuture<Void> f = closeFuture;
            loop.addCallback(() -> f.complete(null));
        }
        if (closeCallback != null) {
            loop.addCallback(this::runCloseCallback);
        }
    }

    /**
     * Returns a future completed (with {@code null}, in a later callback on the loop thread) once the stream is
     * closed, whatever closed it (Netty's {@code closeFuture()}); unlike the {@linkplain #setCloseCallback close
     * callback}, a stream can have any number of observers. After {@link #startTls} it completes when the TLS
     * stream closes. The same future on every call.
     *
     * @throws IllegalStateException on the wrong thread
     */
    public CompletableFuture<Void> closeFuture() {
        checkThread("closeFuture");
        if (successor != null) {
            return successor.closeFuture();
        }
        if (closeFuture == null) {
            closeFuture = new CompletableFuture<>();
            if (closed) {
                CompletableFuture<Void> f = closeFuture;
                loop.addCallback(() -> f.complete(null));
            }
        }
        return closeFuture;
    }

    // ---------------------------------------------------------------- draining

    /**
     * Sets what {@link #drain()} does with this stream, or {@code null} for the default (a lingering close). A
     * protocol whose replies may still be on their way when a drain starts (a request waiting for a database, say)
     * sets one that lets the request in hand finish and then closes the stream; one that answers every request
     * before its {@code onData} returns can keep the default.
     *
     * @throws IllegalStateException on the wrong thread
     */
    public void setDrainHandler(Runnable handler) {
        checkThread("setDrainHandler");
        drainHandler = handler;
    }

    /**
     * Asks the stream to finish its conversation and close, for a graceful shutdown ({@link dev.ioloop.net.TCPServer}
     * calls it on each of its streams when it {@linkplain dev.ioloop.net.TCPServer#drain drains}): marks it
     * {@linkplain #isDraining() draining}, then runs the {@linkplain #setDrainHandler drain handler} if one is set
     * (an exception from it goes to the loop's error handler and closes the stream), or else closes the stream
     * gracefully with {@link #closeGracefully(Duration) closeGracefully}{@code (}{@link #DRAIN_LINGER}{@code )}:
     * reading stops (bytes not yet read are not served), everything written so far is sent, then the stream
     * closes. Idempotent; a no-op on a closed stream.
     *
     * @throws IllegalStateException on the wrong thread
     */
    public void drain() {
        checkThread("drain");
        if (successor != null) {
            successor.drain();
            return;
        }
        if (closed || draining) {
            return;
        }
        draining = true;
        Runnable handler = drainHandler;
        if (handler == null) {
            closeGracefully(DRAIN_LINGER);
            return;
        }
        try {
            handler.run();
        } catch (Exception e) {
            close(e);
            loop.handleCallbackException(handler, e);
        }
    }

    /** Returns whether {@link #drain()} was called: the stream should finish the request in hand and close. */
    public boolean isDraining() {
        return draining;
    }

    /**
     * Finishes the conversation without losing output, as a "lingering close": stops reading (a pending read fails
     * as on close, a data handler is cleared), writes everything queued, half-closes the output so the peer reads
     * its end of stream, then discards input until the peer closes or {@code linger} passes, and closes. Closing a
     * socket that still has unread input makes the kernel send a reset, which can destroy the last replies on their
     * way to the peer (an error message saying why it is disconnected, say); lingering lets the peer read them. With
     * {@code linger} zero, after the input ended, or on a pipe, the stream closes as soon as the output is written.
     * Writes after this call fail. Calling it again returns the same future.
     *
     * @param linger how long to wait for the peer's close after the output is written; zero or more
     * @return completes (with {@code null}) once the stream is closed, whatever closed it
     * @throws NullPointerException if {@code linger} is {@code null}
     * @throws IllegalArgumentException if {@code linger} is negative
     * @throws IllegalStateException on the wrong thread
     */
    public CompletableFuture<Void> closeGracefully(Duration linger) {
        Objects.requireNonNull(linger, "linger");
        if (linger.isNegative()) {
            throw new IllegalArgumentException("linger must not be negative: " + linger);
        }
        checkThread("closeGracefully");
        if (graceful != null) {
            return graceful;
        }
        graceful = new CompletableFuture<>();
        if (closed) {
            CompletableFuture<Void> g = graceful;
            loop.addCallback(() -> g.complete(null));
            return g;
        }
        lingerNanos = linger.toNanos();
        dataHandler = null;
        if (readKind != NO_READ) {
            CompletableFuture<?> f = readFuture;
            clearRead();
            failLater(f, new StreamClosedException(null));
        }
        flushOutput(); // shuts the output down once everything is written
        return graceful;
    }

    // ---------------------------------------------------------------- TLS

    /**
     * Switches the connection to TLS (Tornado's {@code start_tls}): this stream hands its channel to a new
     * {@link SSLIOStream}, which runs the handshake; the future completes with it once the handshake is done. For
     * protocols that negotiate TLS in plaintext first (SMTP and IMAP {@code STARTTLS}, PostgreSQL's
     * {@code SSLRequest}).
     *
     * <p>Call it with the stream idle: no read pending and no data handler set, no output queued, and no unread
     * input buffered (bytes of the peer's handshake read as plaintext would be lost). A close callback makes a
     * stream read ahead to notice the peer's close, so clear it before the peer may start its handshake; set, it
     * moves to the TLS stream. Afterwards this stream is closed to its user ({@link #isClosed()} is {@code true},
     * its reads and writes fail) without its channel being closed: use the TLS stream.
     *
     * <p>A client ({@code serverSide} false) given a {@code serverHostname} sends it as SNI and checks the server's
     * certificate against it by the HTTPS rules ({@code endpointIdentificationAlgorithm} {@code "HTTPS"});
     * without one the certificate chain is still checked by {@code context}'s trust managers, but not the name.
     * The handshake must finish within {@link StreamOptions#handshakeTimeout()}. If it fails, the future fails
     * with a {@link StreamClosedException} whose cause is the {@link javax.net.ssl.SSLException} (or the I/O
     * error), and the TLS stream is closed.
     *
     * @param context the TLS configuration: keys to present, certificates to trust
     * @param serverSide whether this end is the TLS server
     * @param serverHostname for a client, the name the server's certificate must match, or {@code null}; ignored
     *     on the server side
     * @return the TLS stream once its handshake is done; failed with {@link StreamClosedException} if this stream
     *     is closed already
     * @throws NullPointerException if {@code context} is {@code null}
     * @throws IllegalStateException if a read is pending, a data handler is set, output is queued, unread input
     *     is buffered, the channel is not a connected socket, after {@link #closeGracefully}, or on the wrong
     *     thread
     */
    public CompletableFuture<SSLIOStream> startTls(SSLContext context, boolean serverSide, String serverHostname) {
        Objects.requireNonNull(context, "context");
        checkThread("startTls");
        if (closed) {
            CompletableFuture<SSLIOStream> failed = new CompletableFuture<>();
            failLater(failed, closedException());
            return failed;
        }
        if (!(channel instanceof SocketChannel socket) || connecting) {
            throw new IllegalStateException("startTls needs a connected socket: " + channel);
        }
        if (readKind != NO_READ || dataHandler != null) {
            throw new IllegalStateException(
                    "startTls while reading: a read is pending or a data handler is set on " + this);
        }
        if (output.queued() > 0) {
            throw new IllegalStateException(
                    "startTls while writing: " + output.queued() + " bytes are queued on " + this);
        }
        if (rtail > rhead) {
            throw new IllegalStateException("startTls with " + (rtail - rhead) + " unread bytes buffered on " + this);
        }
        if (graceful != null) {
            throw new IllegalStateException("startTls after closeGracefully on " + this);
        }
        SSLEngine engine = SSLIOStream.newEngine(context, serverSide, serverHostname, remoteAddress);
        // Hand the channel over without closing it: deregister it here, the TLS stream registers it again.
        closed = true;
        if (registered) {
            registered = false;
            loop.removeHandler(channel);
        }
        Runnable callback = closeCallback;
        closeCallback = null;
        IOStream tls = new SSLIOStream(loop, socket, engine, options, counters, false);
        if (callback != null) {
            tls.setCloseCallback(callback);
        }
        tls.closeFuture = closeFuture;
        tls.drainHandler = drainHandler;
        successor = tls;
        return ((SSLIOStream) tls).waitForHandshake();
    }

    /** Returns whether the stream is closed. Any thread. */
    public boolean isClosed() {
        return closed;
    }

    /** Returns whether a read future is pending or a data handler is set (Tornado's {@code reading()}). */
    public boolean isReading() {
        checkThread("isReading");
        return readKind != NO_READ || dataHandler != null;
    }

    /** Returns whether output is queued, not yet handed to the kernel (Tornado's {@code writing()}). */
    public boolean isWriting() {
        checkThread("isWriting");
        return output.queued() > 0;
    }

    /**
     * Returns why the stream closed: the error given to {@link #close(Throwable)} or the one that closed it (an I/O
     * error, a limit, an {@link UnsatisfiableReadException}); {@code null} while open, after a clean end of stream,
     * and after a plain {@link #close()}.
     */
    public Throwable error() {
        checkThread("error");
        return error;
    }

    /**
     * Sets {@code TCP_NODELAY} (Tornado's {@code set_nodelay}): {@code true} sends small writes at once instead of
     * waiting to coalesce them (Nagle). No-op for channels without the option (Unix sockets, pipes) and on a closed
     * stream.
     *
     * @throws IllegalStateException on the wrong thread
     */
    public void setNoDelay(boolean on) {
        checkThread("setNoDelay");
        if (!closed
                && channel instanceof SocketChannel socket
                && socket.supportedOptions().contains(StandardSocketOptions.TCP_NODELAY)) {
            try {
                socket.setOption(StandardSocketOptions.TCP_NODELAY, on);
            } catch (IOException e) {
                // the connection is going away: the next read or write reports it
            }
        }
    }

    /** Returns the loop the stream belongs to. Any thread. */
    public IOLoop loop() {
        return loop;
    }

    /** Returns the channel; the stream owns it: do not read, write or register it yourself. */
    public SelectableChannel channel() {
        checkThread("channel");
        return channel;
    }

    /** Returns the peer's address, or {@code null} for a pipe or before a connect completes. Any thread. */
    public SocketAddress remoteAddress() {
        return remoteAddress;
    }

    /** Returns the stream's buffer limits. */
    public StreamOptions options() {
        checkThread("options");
        return options;
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "[" + (closed ? "closed, " : "") + channel + "]";
    }

    // ---------------------------------------------------------------- internals: events

    StreamScratch scratch() {
        StreamScratch s = scratch;
        if (s == null || s.owner != Thread.currentThread()) {
            s = scratch = StreamScratch.current();
        }
        return s;
    }

    /**
     * Handles the loop's readiness events: finishes a connect, runs one read step and one write step. A transport
     * with states of its own (the TLS handshake) overrides it and calls this one when its state allows.
     */
    void handleEvents(int ready) {
        if (closed) {
            return;
        }
        if (connecting) {
            finishConnect();
            if (connecting || closed) {
                return;
            }
        }
        boolean acted = false;
        if ((ready & (IOLoop.READ | IOLoop.ERROR)) != 0) {
            if (wantsRead()) {
                acted = true;
                readStep();
            } else {
                dropIdleRead = true; // nobody reads: READ comes off (backpressure)
            }
        }
        if (!closed && (ready & (IOLoop.WRITE | IOLoop.ERROR)) != 0 && output.queued() > 0) {
            acted = true;
            writeStep();
            if (!closed) {
                afterWriteProgress();
            }
        }
        if (!acted && (ready & IOLoop.ERROR) != 0) {
            close(new IOException("error event on " + channel));
        }
        if (!closed) {
            updateInterest();
        }
    }

    private void finishConnect() {
        SocketChannel socket = (SocketChannel) channel;
        try {
            if (!socket.finishConnect()) {
                return;
            }
        } catch (IOException e) {
            close(e);
            return;
        }
        connecting = false;
        remoteAddress = remoteOf(socket);
        if (connectFuture != null) {
            CompletableFuture<IOStream> f = connectFuture;
            connectFuture = null;
            loop.addCallback(() -> f.complete(this));
        }
        if (output.queued() > 0) {
            writeStep();
            if (!closed) {
                afterWriteProgress();
            }
        }
        if (!closed) {
            updateInterest();
        }
    }

    /** Returns whether the stream wants input now: a read pending, a data handler, a close callback, lingering. */
    final boolean wantsRead() {
        return source != null
                && !inputEnded
                && !connecting
                && (readKind != NO_READ || dataHandler != null || closeCallback != null || outputShut);
    }

    /**
     * Registers or updates the channel's events to {@link #wantedEvents()}; on an open stream only. {@code READ} stays
     * registered while no read is wanted until a readable event finds none: a handler that chains reads (one future
     * after another) would otherwise take {@code READ} off and put it back, a system call each, for every message; a
     * peer that sends while nobody reads still meets backpressure, one event later.
     */
    void updateInterest() {
        int want = wantedEvents();
        dropIdleRead = false;
        if (!registered) {
            if (want == 0) {
                return;
            }
            loop.addHandler(channel, events, want);
            registered = true;
            interest = want;
        } else if (want != interest) {
            loop.updateHandler(channel, want);
            interest = want;
        }
    }

    /** Returns the events the stream waits for now. A transport with states of its own adds (or replaces) some. */
    int wantedEvents() {
        boolean read = wantsRead()
                || (!dropIdleRead && (interest & IOLoop.READ) != 0 && source != null && !inputEnded && !connecting);
        return (read ? IOLoop.READ : 0) | (connecting || (output.queued() > 0 && outputUsable()) ? IOLoop.WRITE : 0);
    }

    private boolean outputUsable() {
        return sink != null && !outputShut;
    }

    // ---------------------------------------------------------------- internals: reading

    private void readStep() {
        int unread = rtail - rhead;
        int limit = outputShut
                ? options.readChunkSize()
                : (int) Math.min(options.readChunkSize(), (long) options.maxBufferSize() - unread + 1);
        ByteBuffer buf = scratch().readBuffer(limit);
        int n;
        try {
            n = source.read(buf);
        } catch (IOException e) {
            close(e);
            return;
        }
        if (n < 0) {
            endOfInput();
            return;
        }
        if (n == 0) {
            return;
        }
        if (counters != null) {
            counters.read(n);
        }
        if (outputShut) {
            return; // lingering: the input is discarded
        }
        buf.flip();
        if (dataHandler != null) {
            deliver(buf);
            return;
        }
        append(buf);
        if (!checkBufferLimit()) {
            return;
        }
        serveRead();
    }

    private void endOfInput() {
        inputEnded = true;
        if (outputShut) {
            close();
            return;
        }
        DataHandler h = dataHandler;
        if (h != null) {
            try {
                h.onEndOfInput(this);
            } catch (Exception e) {
                fail(h, e);
            }
            return;
        }
        close();
    }

    /** Hands {@code fresh} (just read, in the shared buffer) and what was left before it to the data handler. */
    private void deliver(ByteBuffer fresh) {
        if (rtail == rhead) {
            handOver(fresh, true);
            return;
        }
        append(fresh);
        if (checkBufferLimit()) {
            handOver(heapView(), false);
        }
    }

    /** Bytes buffered before the data handler was set, in a later callback (never inside {@code setDataHandler}). */
    private void deliverBuffered() {
        if (dataHandler != null && !closed && rtail > rhead) {
            handOver(heapView(), false);
        }
    }

    /**
     * Calls the data handler with {@code in}, keeps what it left unread, serves a read future it switched to, and
     * flushes its output. {@code shared}: {@code in} is the thread's read buffer, whose rest is copied to the
     * stream's own; else it is the view of the stream's own buffer, whose position is the new start.
     */
    private void handOver(ByteBuffer in, boolean shared) {
        DataHandler h = dataHandler;
        try {
            h.onData(this, in);
        } catch (Exception e) {
            fail(h, e);
            return;
        }
        if (closed) {
            return;
        }
        if (shared) {
            if (in.hasRemaining()) {
                append(in);
            }
        } else {
            rhead = in.position();
            if (rhead == rtail) {
                emptied();
            }
        }
        if (!checkBufferLimit()) {
            return;
        }
        if (readKind != NO_READ) {
            serveRead(); // the handler switched to a read future during the call
        }
        flushOutput();
    }

    private void fail(Object source, Exception e) {
        loop.handleCallbackException(source, e);
        close(e);
    }

    private ByteBuffer heapView() {
        ByteBuffer v = rview;
        if (v == null || v.array() != rbuf) {
            v = rview = ByteBuffer.wrap(rbuf);
        }
        v.limit(rtail).position(rhead);
        return v;
    }

    /** Copies {@code src}'s remaining bytes after the unread ones, compacting or growing the buffer. */
    private void append(ByteBuffer src) {
        int n = src.remaining();
        int unread = rtail - rhead;
        if (rbuf == null || rbuf.length - rtail < n) {
            int need = unread + n;
            if (rbuf != null && rbuf.length >= need && rhead > 0) {
                System.arraycopy(rbuf, rhead, rbuf, 0, unread);
            } else {
                byte[] grown = new byte[Math.max(need, Math.max(1024, rbuf == null ? 0 : rbuf.length * 2))];
                if (unread > 0) {
                    System.arraycopy(rbuf, rhead, grown, 0, unread);
                }
                rbuf = grown;
            }
            rhead = 0;
            rtail = unread;
        }
        src.get(rbuf, rtail, n);
        rtail += n;
    }

    /** The unread bytes are all consumed: start from the front again, and let a big buffer go. */
    private void emptied() {
        rhead = 0;
        rtail = 0;
        scanned = 0;
        if (rbuf != null && rbuf.length > RETAINED_READ_BUFFER) {
            rbuf = null;
            rview = null;
        }
    }

    private boolean checkBufferLimit() {
        int unread = rtail - rhead;
        if (unread > options.maxBufferSize()) {
            close(new StreamBufferFullException(
                    "unread input of " + unread + " bytes exceeds maxBufferSize " + options.maxBufferSize()));
            return false;
        }
        return true;
    }

    private void startRead(String method, int kind) {
        checkThread(method);
        if (readKind != NO_READ) {
            throw new IllegalStateException("already reading: " + method + " while another read is pending on " + this);
        }
        if (dataHandler != null) {
            throw new IllegalStateException("already reading: " + method + " while a data handler is set on " + this);
        }
        readKind = kind; // on a write-only stream, begin fails the read at once
    }

    private <T> CompletableFuture<T> begin(CompletableFuture<T> future) {
        readFuture = future;
        if (source == null) {
            clearRead();
            failLater(future, new StreamClosedException(new IOException("stream is write-only: " + channel)));
            return future;
        }
        if (closed) {
            settleReadOnClose();
            return future;
        }
        serveRead();
        if (!closed && readKind != NO_READ) {
            updateInterest();
        }
        return future;
    }

    /** Completes the pending read if the buffer satisfies it; closes the stream if it never can. */
    private void serveRead() {
        Object result = satisfy();
        if (result == null) {
            return;
        }
        CompletableFuture<?> f = readFuture;
        clearRead();
        if (result instanceof UnsatisfiableReadException u) {
            failLater(f, new StreamClosedException(u)); // before close schedules the close callback
            close(u);
            return;
        }
        completeLater(f, result);
        if (!closed) {
            updateInterest();
        }
    }

    /** On close: a pending read the buffer satisfies completes; a read until close gets the rest; others fail. */
    private void settleReadOnClose() {
        if (readKind == NO_READ) {
            return;
        }
        CompletableFuture<?> f = readFuture;
        Object result = readKind == UNTIL_CLOSE ? (error == null ? take(rtail - rhead) : null) : satisfy();
        clearRead();
        if (result != null && !(result instanceof UnsatisfiableReadException)) {
            completeLater(f, result);
        } else {
            failLater(f, closedException());
        }
    }

    /**
     * The pending read's value if the buffered bytes satisfy it (consuming them), an
     * {@link UnsatisfiableReadException} if they never will, or {@code null} if more bytes are needed.
     */
    private Object satisfy() {
        int unread = rtail - rhead;
        switch (readKind) {
            case UNTIL -> {
                int at = indexOf(delimiter, Math.max(rhead, rhead + scanned - delimiter.length + 1));
                if (at >= 0) {
                    int length = at - rhead + delimiter.length;
                    if (length > maxBytes) {
                        return new UnsatisfiableReadException(
                                "delimiter ends after " + length + " bytes, past maxBytes " + maxBytes);
                    }
                    return take(length);
                }
                scanned = unread;
                if (unread > maxBytes) {
                    return new UnsatisfiableReadException(
                            unread + " bytes without the delimiter, more than maxBytes " + maxBytes);
                }
                return null;
            }
            case REGEX -> {
                Matcher m = regex.matcher(new Latin1(rbuf == null ? EMPTY : rbuf, rhead, unread));
                if (m.find()) {
                    if (m.end() > maxBytes) {
                        return new UnsatisfiableReadException(
                                "pattern match ends after " + m.end() + " bytes, past maxBytes " + maxBytes);
                    }
                    return take(m.end());
                }
                if (unread > maxBytes) {
                    return new UnsatisfiableReadException(
                            unread + " bytes without a match of " + regex + ", more than maxBytes " + maxBytes);
                }
                return null;
            }
            case BYTES -> {
                if (unread >= wanted || (partial && unread > 0)) {
                    return take(Math.min(wanted, unread));
                }
                return null;
            }
            case INTO -> {
                int room = into.remaining();
                if (unread >= room || (partial && unread > 0)) {
                    int n = Math.min(room, unread);
                    into.put(rbuf == null ? EMPTY : rbuf, rhead, n);
                    consumed(n);
                    return n;
                }
                return null;
            }
            default -> {
                return null; // UNTIL_CLOSE: only the close satisfies it
            }
        }
    }

    private int indexOf(byte[] d, int from) {
        byte[] b = rbuf;
        if (b == null) {
            return -1;
        }
        byte first = d[0];
        for (int i = from, last = rtail - d.length; i <= last; i++) {
            if (b[i] != first) {
                continue;
            }
            int j = 1;
            while (j < d.length && b[i + j] == d[j]) {
                j++;
            }
            if (j == d.length) {
                return i;
            }
        }
        return -1;
    }

    private byte[] take(int n) {
        if (n == 0) {
            return EMPTY;
        }
        byte[] result = Arrays.copyOfRange(rbuf, rhead, rhead + n);
        consumed(n);
        return result;
    }

    private void consumed(int n) {
        rhead += n;
        scanned = 0;
        if (rhead == rtail) {
            emptied();
        }
    }

    private void clearRead() {
        readKind = NO_READ;
        readFuture = null;
        delimiter = null;
        regex = null;
        into = null;
        scanned = 0;
    }

    private static void checkMaxBytes(int maxBytes) {
        if (maxBytes < 1) {
            throw new IllegalArgumentException("maxBytes must be at least 1: " + maxBytes);
        }
    }

    // ---------------------------------------------------------------- internals: writing

    /** Writes from the caller's buffer while nothing is queued, so that what the kernel takes is never copied twice. */
    private void writeDirect(ByteBuffer data) {
        StreamScratch s = scratch();
        int step = options.readChunkSize();
        ByteBuffer direct = s.writeBuffer(Math.min(step, data.remaining()));
        int n = direct.limit();
        int oldLimit = data.limit();
        data.limit(data.position() + n);
        direct.put(data);
        data.limit(oldLimit);
        direct.flip();
        int written;
        try {
            written = sink.write(direct);
        } catch (IOException e) {
            data.position(data.position() - n); // queued nothing; the stream is closed
            close(e);
            return;
        }
        data.position(data.position() - n + written);
        wrote(written);
    }

    private void writeStep() {
        int n;
        try {
            n = output.writeTo(sink, scratch(), options.readChunkSize());
        } catch (IOException e) {
            close(e);
            return;
        }
        wrote(n);
    }

    /** Accounts for {@code n} bytes the kernel took (written directly, not through the queue). */
    private void wrote(long n) {
        if (n > 0 && counters != null) {
            counters.written(n);
        }
    }

    /** Completes the writes that are out, updates writability, and goes on with a graceful close. */
    private void afterWriteProgress() {
        long done = output.writtenTotal();
        ArrayDeque<PendingWrite> pw = pendingWrites;
        if (pw != null) {
            for (PendingWrite w; (w = pw.peekFirst()) != null && w.end <= done; ) {
                pw.pollFirst();
                CompletableFuture<Void> f = w.future;
                loop.addCallback(() -> f.complete(null));
            }
        }
        long queued = output.queued();
        if (writable && queued > options.writeWaterMarkHigh()) {
            writabilityChanged(false);
        } else if (!writable && queued <= options.writeWaterMarkLow()) {
            writabilityChanged(true);
        }
        if (graceful != null && !outputShut && queued == 0 && !connecting && !closed) {
            shutOutput();
        }
    }

    private void writabilityChanged(boolean now) {
        writable = now;
        Consumer<Boolean> l = writabilityListener;
        if (l != null) {
            try {
                l.accept(now);
            } catch (Exception e) {
                loop.handleCallbackException(l, e);
            }
        }
    }

    /** The output is written and a graceful close asked for: half-close and linger, or close now. */
    private void shutOutput() {
        if (lingerNanos == 0 || inputEnded || source == null || !(channel instanceof SocketChannel socket)) {
            close();
            return;
        }
        try {
            shutdownOutput(socket);
        } catch (IOException e) {
            close(e);
            return;
        }
        outputShut = true;
        lingerTimer = loop.callLater(Duration.ofNanos(lingerNanos), this::close);
        updateInterest();
    }

    /** Half-closes the socket once the output is written (a graceful close). TLS sends its close_notify first. */
    void shutdownOutput(SocketChannel socket) throws IOException {
        socket.shutdownOutput();
    }

    /**
     * Closes the channel, once, from {@link #close(Throwable)}: after the stream is marked closed and deregistered,
     * before pending futures settle and the close callback is scheduled. TLS sends its close_notify first and fails
     * the handshake's waiters here.
     */
    void closeChannel() {
        closeQuietly(channel);
    }

    // ---------------------------------------------------------------- internals: helpers

    private void runCloseCallback() {
        Runnable cb = closeCallback;
        closeCallback = null;
        if (cb != null) {
            try {
                cb.run();
            } catch (Exception e) {
                loop.handleCallbackException(cb, e);
            }
        }
    }

    StreamClosedException closedException() {
        return new StreamClosedException(error);
    }

    void completeLater(CompletableFuture<?> future, Object value) {
        @SuppressWarnings("unchecked")
        CompletableFuture<Object> f = (CompletableFuture<Object>) future;
        loop.addCallback(() -> f.complete(value));
    }

    void failLater(CompletableFuture<?> future, Throwable error) {
        loop.addCallback(() -> future.completeExceptionally(error));
    }

    final void checkThread(String method) {
        checkThread(loop, method);
    }

    private static void checkThread(IOLoop loop, String method) {
        Thread t = loop.thread();
        if (t != null && t != Thread.currentThread()) {
            throw new IllegalStateException(
                    method + " called from thread " + Thread.currentThread().getName()
                            + ", but the stream belongs to IOLoop '" + loop.name() + "' running on " + t.getName()
                            + ": use loop.addCallback to call it on the loop thread");
        }
    }

    private static SocketAddress remoteOf(SocketChannel socket) {
        try {
            return socket.getRemoteAddress();
        } catch (IOException e) {
            return null;
        }
    }

    private static void closeQuietly(java.nio.channels.Channel ch) {
        if (ch != null) {
            try {
                ch.close();
            } catch (IOException e) {
                // nothing more to lose
            }
        }
    }

    /** A write's future and the total of bytes appended when it was queued: done once that many are written. */
    private record PendingWrite(long end, CompletableFuture<Void> future) {}

    /** Bytes seen as ISO-8859-1 characters, without a copy, for {@link #readUntilRegex}. */
    private record Latin1(byte[] bytes, int offset, int length) implements CharSequence {

        @Override
        public int length() {
            return length;
        }

        @Override
        public char charAt(int index) {
            return (char) (bytes[offset + index] & 0xff);
        }

        @Override
        public CharSequence subSequence(int start, int end) {
            return new Latin1(bytes, offset + start, end - start);
        }

        @Override
        public String toString() {
            return new String(bytes, offset, length, StandardCharsets.ISO_8859_1);
        }
    }
}
