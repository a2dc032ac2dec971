package dev.ioloop.stream;

import java.util.concurrent.atomic.LongAdder;

/**
 * Totals of a set of streams, for metrics: how many opened and closed, and the bytes they read and wrote. A
 * {@code TCPServer} keeps one for the streams it accepts; pass one to {@link IOStream#of(dev.ioloop.IOLoop,
 * java.nio.channels.SocketChannel, StreamOptions, StreamCounters)} to count streams of your own.
 *
 * <p>On TLS streams the bytes counted are plaintext: what the handler read and wrote, not the records on the
 * wire.
 *
 * <p>Thread-safe: streams of several loops may add to one instance, and any thread may read it (the values are
 * each exact, but not a snapshot of one instant). Counting costs an uncontended add per read or write call.
 */
public final class StreamCounters {

    private final LongAdder opened = new LongAdder();
    private final LongAdder closed = new LongAdder();
    private final LongAdder bytesRead = new LongAdder();
    private final LongAdder bytesWritten = new LongAdder();

    /** Creates counters at zero. */
    public StreamCounters() {}

    /** Returns the streams counted here that are open now. */
    public long open() {
        return Math.max(0, opened.sum() - closed.sum());
    }

    /** Returns the streams counted here since this object was created. */
    public long opened() {
        return opened.sum();
    }

    /** Returns the bytes read from the channels of these streams. */
    public long bytesRead() {
        return bytesRead.sum();
    }

    /** Returns the bytes the channels of these streams took (handed to the kernel). */
    public long bytesWritten() {
        return bytesWritten.sum();
    }

    void streamOpened() {
        opened.increment();
    }

    void streamClosed() {
        closed.increment();
    }

    void read(int n) {
        bytesRead.add(n);
    }

    void written(long n) {
        bytesWritten.add(n);
    }

    @Override
    public String toString() {
        return "StreamCounters[open=" + open() + ", opened=" + opened() + ", bytesRead=" + bytesRead()
                + ", bytesWritten=" + bytesWritten() + "]";
    }
}
