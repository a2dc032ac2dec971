package dev.ioloop.sample;

import dev.ioloop.sample.resp.RespLimits;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * Settings of the RESP sample server ({@code sample.*}).
 *
 * @param bind Address the RESP server listens on.
 * @param port Port the RESP server listens on (0 picks a free one, published as
 *     {@code local.ioloop.resp.port}).
 * @param maxBulkLength Largest bulk string a request may announce; a larger header is a protocol error and
 *     nothing is allocated for it.
 * @param maxMultibulkLength Largest number of elements a request may announce.
 * @param maxInlineLength Longest inline (telnet-style) request line.
 * @param readBufferSize Size of the read buffer shared by all connections (the most read from one socket per
 *     event).
 * @param clientOutputBufferLimit Pending output after which a client that does not read its replies is
 *     disconnected (Redis's client-output-buffer-limit).
 * @param shutdownTimeout How long a graceful shutdown waits for pending replies to be written before closing
 *     the remaining connections (the starter's drain: passed on as ioloop.shutdown-timeout).
 * @param databases Number of databases, which SELECT numbers from 0 (Redis's databases).
 * @param loops Number of event loops serving connections (passed on as ioloop.loops; 0 means one per processor).
 *     The keyspace stays on the first loop, where every command runs; the others read and write.
 */
@ConfigurationProperties("sample")
public record SampleProperties(
        @DefaultValue("127.0.0.1") String bind,
        @DefaultValue("6380") int port,
        @DefaultValue("512MB") DataSize maxBulkLength,
        @DefaultValue("1048576") int maxMultibulkLength,
        @DefaultValue("64KB") DataSize maxInlineLength,
        @DefaultValue("64KB") DataSize readBufferSize,
        @DefaultValue("32MB") DataSize clientOutputBufferLimit,
        @DefaultValue("10s") Duration shutdownTimeout,
        @DefaultValue("16") int databases,
        @DefaultValue("1") int loops) {

    /** Checks the limits, so a bad value fails at startup with the value in the message. */
    public SampleProperties {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("sample.port must be 0..65535: " + port);
        }
        requirePositiveInt("sample.max-bulk-length", maxBulkLength);
        requirePositiveInt("sample.max-inline-length", maxInlineLength);
        requirePositiveInt("sample.read-buffer-size", readBufferSize);
        requirePositiveInt("sample.client-output-buffer-limit", clientOutputBufferLimit);
        if (maxMultibulkLength <= 0) {
            throw new IllegalArgumentException("sample.max-multibulk-length must be > 0: " + maxMultibulkLength);
        }
        if (databases <= 0) {
            throw new IllegalArgumentException("sample.databases must be > 0: " + databases);
        }
        if (shutdownTimeout.isNegative() || shutdownTimeout.isZero()) {
            throw new IllegalArgumentException("sample.shutdown-timeout must be > 0: " + shutdownTimeout);
        }
        if (loops < 0) {
            throw new IllegalArgumentException("sample.loops must be >= 0: " + loops);
        }
    }

    /** Returns the protocol limits and the number of databases, which the engine gets together. */
    public RespLimits limits() {
        return new RespLimits(
                (int) maxBulkLength.toBytes(), maxMultibulkLength, (int) maxInlineLength.toBytes(), databases);
    }

    private static void requirePositiveInt(String name, DataSize size) {
        if (size.toBytes() <= 0 || size.toBytes() > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException(name + " must be between 1B and 2GB: " + size);
        }
    }
}
