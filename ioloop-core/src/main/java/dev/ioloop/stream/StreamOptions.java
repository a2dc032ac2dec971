package dev.ioloop.stream;

import java.time.Duration;
import java.util.Objects;

/**
 * The buffer limits of an {@link IOStream} (Tornado's {@code IOStream} constructor keywords, and Netty's
 * {@code WriteBufferWaterMark}). Immutable and thread-safe; {@link #defaults()} or {@link #builder()}.
 *
 * <table>
 *   <caption>Options</caption>
 *   <tr><th>option</th><th>default</th><th>what it bounds</th></tr>
 *   <tr><td>{@link #maxBufferSize()}</td><td>104,857,600 bytes (100 MiB)</td><td>unread input buffered by the
 *       stream; past it the stream closes with a {@link StreamBufferFullException}</td></tr>
 *   <tr><td>{@link #readChunkSize()}</td><td>65,536 bytes, and at most {@code max(1, maxBufferSize / 2)}</td>
 *       <td>bytes read from the socket, and written to it, in one step</td></tr>
 *   <tr><td>{@link #maxWriteBufferSize()}</td><td>unlimited ({@link Long#MAX_VALUE})</td><td>queued output: a
 *       write past it fails with a {@link StreamBufferFullException}</td></tr>
 *   <tr><td>{@link #writeWaterMarkLow()}, {@link #writeWaterMarkHigh()}</td><td>32 KiB, 64 KiB</td><td>when
 *       {@link IOStream#isWritable()} turns false (queued output above high) and true again (at or below low)
 *       </td></tr>
 *   <tr><td>{@link #handshakeTimeout()}</td><td>10 s</td><td>a TLS handshake ({@link SSLIOStream}): a TLS
 *       server's connections, {@link IOStream#startTls}, TLS clients</td></tr>
 * </table>
 */
public final class StreamOptions {

    /** Default of {@link #maxBufferSize()}: 100 MiB, as Tornado. */
    public static final int DEFAULT_MAX_BUFFER_SIZE = 104_857_600;
    /** Default of {@link #readChunkSize()}: 64 KiB, as Tornado. */
    public static final int DEFAULT_READ_CHUNK_SIZE = 65_536;
    /** Default of {@link #writeWaterMarkLow()}: 32 KiB, as Netty. */
    public static final int DEFAULT_WRITE_WATER_MARK_LOW = 32 * 1024;
    /** Default of {@link #writeWaterMarkHigh()}: 64 KiB, as Netty. */
    public static final int DEFAULT_WRITE_WATER_MARK_HIGH = 64 * 1024;
    /** Default of {@link #handshakeTimeout()}. */
    public static final Duration DEFAULT_HANDSHAKE_TIMEOUT = Duration.ofSeconds(10);

    private static final StreamOptions DEFAULTS = builder().build();

    private final int maxBufferSize;
    private final int readChunkSize;
    private final long maxWriteBufferSize;
    private final int writeWaterMarkLow;
    private final int writeWaterMarkHigh;
    private final Duration handshakeTimeout;

    private StreamOptions(Builder b) {
        this.maxBufferSize = b.maxBufferSize;
        this.readChunkSize = Math.min(b.readChunkSize, Math.max(1, b.maxBufferSize / 2));
        this.maxWriteBufferSize = b.maxWriteBufferSize;
        this.writeWaterMarkLow = b.writeWaterMarkLow;
        this.writeWaterMarkHigh = b.writeWaterMarkHigh;
        this.handshakeTimeout = b.handshakeTimeout;
    }

    /** Returns the options with every default. */
    public static StreamOptions defaults() {
        return DEFAULTS;
    }

    /** Returns a builder with every default. */
    public static Builder builder() {
        return new Builder();
    }

    /** Returns a builder holding these options, to change some of them. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.maxBufferSize = maxBufferSize;
        b.readChunkSize = readChunkSize;
        b.maxWriteBufferSize = maxWriteBufferSize;
        b.writeWaterMarkLow = writeWaterMarkLow;
        b.writeWaterMarkHigh = writeWaterMarkHigh;
        b.handshakeTimeout = handshakeTimeout;
        return b;
    }

    /** Returns the most unread input a stream buffers, in bytes. */
    public int maxBufferSize() {
        return maxBufferSize;
    }

    /** Returns the most bytes read from (or written to) the channel in one step, in bytes, after clamping. */
    public int readChunkSize() {
        return readChunkSize;
    }

    /** Returns the most output a stream queues, in bytes ({@link Long#MAX_VALUE}: unlimited). */
    public long maxWriteBufferSize() {
        return maxWriteBufferSize;
    }

    /** Returns the queued output, in bytes, at or below which a stream becomes writable again. */
    public int writeWaterMarkLow() {
        return writeWaterMarkLow;
    }

    /** Returns the queued output, in bytes, above which a stream stops being writable. */
    public int writeWaterMarkHigh() {
        return writeWaterMarkHigh;
    }

    /**
     * Returns how long an {@link SSLIOStream} waits for its handshake to finish before it closes with an
     * {@link javax.net.ssl.SSLHandshakeException}: on a TLS server, a client that connects and says nothing cannot
     * hold the connection longer. It applies to every TLS stream (Tornado has no such limit; Netty's
     * {@code SslHandler} does, 10 s by default).
     */
    public Duration handshakeTimeout() {
        return handshakeTimeout;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof StreamOptions other
                && maxBufferSize == other.maxBufferSize
                && readChunkSize == other.readChunkSize
                && maxWriteBufferSize == other.maxWriteBufferSize
                && writeWaterMarkLow == other.writeWaterMarkLow
                && writeWaterMarkHigh == other.writeWaterMarkHigh
                && handshakeTimeout.equals(other.handshakeTimeout);
    }

    @Override
    public int hashCode() {
        return Objects.hash(
                maxBufferSize,
                readChunkSize,
                maxWriteBufferSize,
                writeWaterMarkLow,
                writeWaterMarkHigh,
                handshakeTimeout);
    }

    @Override
    public String toString() {
        return "StreamOptions[maxBufferSize=" + maxBufferSize + ", readChunkSize=" + readChunkSize
                + ", maxWriteBufferSize=" + maxWriteBufferSize + ", writeWaterMarks=" + writeWaterMarkLow + "/"
                + writeWaterMarkHigh + ", handshakeTimeout=" + handshakeTimeout + "]";
    }

    /** Builds {@link StreamOptions}; each setter checks its value at the call. Not thread-safe. */
    public static final class Builder {

        private int maxBufferSize = DEFAULT_MAX_BUFFER_SIZE;
        private int readChunkSize = DEFAULT_READ_CHUNK_SIZE;
        private long maxWriteBufferSize = Long.MAX_VALUE;
        private int writeWaterMarkLow = DEFAULT_WRITE_WATER_MARK_LOW;
        private int writeWaterMarkHigh = DEFAULT_WRITE_WATER_MARK_HIGH;
        private Duration handshakeTimeout = DEFAULT_HANDSHAKE_TIMEOUT;

        private Builder() {}

        /**
         * Sets the most unread input a stream buffers.
         *
         * @param bytes at least 1
         * @return this builder
         * @throws IllegalArgumentException if {@code bytes < 1}
         */
        public Builder maxBufferSize(int bytes) {
            this.maxBufferSize = positive("maxBufferSize", bytes);
            return this;
        }

        /**
         * Sets the most bytes read from the channel in one step (and written to it). {@link #build()} clamps it to
         * {@code max(1, maxBufferSize / 2)}, as Tornado does, so that one read cannot overflow the buffer.
         *
         * @param bytes at least 1
         * @return this builder
         * @throws IllegalArgumentException if {@code bytes < 1}
         */
        public Builder readChunkSize(int bytes) {
            this.readChunkSize = positive("readChunkSize", bytes);
            return this;
        }

        /**
         * Sets the most output a stream queues (bytes accepted by a write and not yet handed to the kernel).
         *
         * @param bytes at least 1, or {@link Long#MAX_VALUE} for no limit
         * @return this builder
         * @throws IllegalArgumentException if {@code bytes < 1}
         */
        public Builder maxWriteBufferSize(long bytes) {
            if (bytes < 1) {
                throw new IllegalArgumentException("maxWriteBufferSize must be at least 1 byte: " + bytes);
            }
            this.maxWriteBufferSize = bytes;
            return this;
        }

        /**
         * Sets the water marks of {@link IOStream#isWritable()}.
         *
         * @param low queued bytes at or below which the stream is writable again; at least 0
         * @param high queued bytes above which it is not; at least 1 and at least {@code low}
         * @return this builder
         * @throws IllegalArgumentException if {@code low < 0}, {@code high < 1} or {@code low > high}
         */
        public Builder writeWaterMarks(int low, int high) {
            if (low < 0 || high < 1 || low > high) {
                throw new IllegalArgumentException(
                        "write water marks need 0 <= low <= high and high >= 1: low=" + low + ", high=" + high);
            }
            this.writeWaterMarkLow = low;
            this.writeWaterMarkHigh = high;
            return this;
        }

        /**
         * Sets how long a TLS stream waits for its handshake before it closes the connection (a TLS server's
         * protection against clients that connect and say nothing).
         *
         * @param timeout positive
         * @return this builder
         * @throws NullPointerException if {@code timeout} is {@code null}
         * @throws IllegalArgumentException if it is zero or negative
         */
        public Builder handshakeTimeout(Duration timeout) {
            Objects.requireNonNull(timeout, "handshakeTimeout");
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("handshakeTimeout must be positive: " + timeout);
            }
            this.handshakeTimeout = timeout;
            return this;
        }

        /** Returns the options. */
        public StreamOptions build() {
            return new StreamOptions(this);
        }

        private static int positive(String name, int bytes) {
            if (bytes < 1) {
                throw new IllegalArgumentException(name + " must be at least 1 byte: " + bytes);
            }
            return bytes;
        }
    }
}
