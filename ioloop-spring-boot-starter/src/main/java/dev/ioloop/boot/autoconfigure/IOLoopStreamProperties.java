package dev.ioloop.boot.autoconfigure;

import dev.ioloop.stream.StreamOptions;
import java.time.Duration;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * The buffer limits of the streams the starter serves for {@code @IoHandler} beans that implement
 * {@link dev.ioloop.net.StreamHandler}, under {@code ioloop.stream.*}; they become the {@link StreamOptions} bean.
 * Checked when bound: a size that is zero, negative or above 2 GiB where the stream counts in {@code int}, or a low
 * water mark above the high one, fails startup with the property's name.
 *
 * @param maxBufferSize Most unread input a stream buffers; past it the stream closes with a
 *     StreamBufferFullException.
 * @param maxWriteBufferSize Most output a stream queues (bytes written and not yet taken by the kernel); a write past
 *     it fails with a StreamBufferFullException. Unlimited when not set.
 * @param readChunkSize Most bytes read from (or written to) a connection in one step; at most half of
 *     max-buffer-size.
 * @param writeWaterMarks Queued output above which a stream reports itself not writable (high), and at or below which
 *     it is writable again (low).
 * @param handshakeTimeout Most time a TLS connection (an @IoHandler with an sslBundle) may take to finish its
 *     handshake before it is closed.
 * @param tlsProvider The JCA provider of the TLS of @IoHandler beans with an sslBundle: unset for the JDK's own
 *     (SunJSSE); Conscrypt for BoringSSL in native code (org.conscrypt:conscrypt-openjdk-uber on the class path),
 *     whose handshakes cost a tenth of the JDK's CPU; or the name of any provider registered with
 *     java.security.Security. The SSL bundle's keys and trust material, protocols and cipher suites are used as
 *     they are.
 */
@ConfigurationProperties("ioloop.stream")
public record IOLoopStreamProperties(
        @DefaultValue("100MB") DataSize maxBufferSize,
        @Nullable DataSize maxWriteBufferSize,
        @DefaultValue("64KB") DataSize readChunkSize,
        @DefaultValue WriteWaterMarks writeWaterMarks,
        @DefaultValue("10s") Duration handshakeTimeout,
        @Nullable String tlsProvider) {

    /** Checks every value, so that a mistake fails at binding with the property's name. */
    public IOLoopStreamProperties {
        intSize("ioloop.stream.max-buffer-size", maxBufferSize);
        intSize("ioloop.stream.read-chunk-size", readChunkSize);
        if (maxWriteBufferSize != null && maxWriteBufferSize.toBytes() < 1) {
            throw new IllegalArgumentException(
                    "ioloop.stream.max-write-buffer-size must be at least 1 byte: " + maxWriteBufferSize);
        }
        if (handshakeTimeout == null || handshakeTimeout.isNegative() || handshakeTimeout.isZero()) {
            throw new IllegalArgumentException("ioloop.stream.handshake-timeout must be positive: " + handshakeTimeout);
        }
        TlsProviders.find(tlsProvider); // fails at binding, with the fix
    }

    /** Returns the stream options these properties describe. */
    public StreamOptions toStreamOptions() {
        return StreamOptions.builder()
                .maxBufferSize((int) maxBufferSize.toBytes())
                .readChunkSize((int) readChunkSize.toBytes())
                .maxWriteBufferSize(maxWriteBufferSize == null ? Long.MAX_VALUE : maxWriteBufferSize.toBytes())
                .writeWaterMarks((int) writeWaterMarks.low().toBytes(), (int)
                        writeWaterMarks.high().toBytes())
                .handshakeTimeout(handshakeTimeout)
                .build();
    }

    /**
     * The write water marks of {@link dev.ioloop.stream.IOStream#isWritable()}.
     *
     * @param low Queued output at or below which a stream is writable again.
     * @param high Queued output above which a stream is not writable.
     */
    public record WriteWaterMarks(
            @DefaultValue("32KB") DataSize low,
            @DefaultValue("64KB") DataSize high) {

        /** Checks the marks. */
        public WriteWaterMarks {
            if (low == null || low.isNegative() || low.toBytes() > Integer.MAX_VALUE) {
                throw new IllegalArgumentException(
                        "ioloop.stream.write-water-marks.low must be between 0 and 2GB: " + low);
            }
            intSize("ioloop.stream.write-water-marks.high", high);
            if (low.toBytes() > high.toBytes()) {
                throw new IllegalArgumentException("ioloop.stream.write-water-marks.low (" + low
                        + ") must not be above ioloop.stream.write-water-marks.high (" + high + ")");
            }
        }
    }

    private static void intSize(String property, DataSize size) {
        if (size == null || size.toBytes() < 1 || size.toBytes() > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(property + " must be between 1 byte and 2GB: " + size);
        }
    }
}
