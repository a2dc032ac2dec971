package dev.ioloop.sample.resp;

/**
 * Size limits the protocol parser enforces on every connection, checked against the announced sizes
 * before anything is allocated, so a hostile header cannot make the server reserve memory.
 *
 * <p>Immutable; safe to share between threads.
 *
 * @param maxBulkLength      largest bulk argument accepted, in bytes (Redis's {@code proto-max-bulk-len})
 * @param maxMultibulkLength largest number of elements a multibulk request may announce
 * @param maxInlineLength    longest inline request line, and longest {@code *}/{@code $} header line,
 *                           accepted without a line end (Redis's {@code PROTO_INLINE_MAX_SIZE})
 */
public record RespLimits(int maxBulkLength, int maxMultibulkLength, int maxInlineLength) {

    /** Redis's defaults: 512 MiB bulk strings, 1024*1024 elements, 64 KiB inline requests. */
    public static final int DEFAULT_MAX_BULK_LENGTH = 512 * 1024 * 1024;

    public static final int DEFAULT_MAX_MULTIBULK_LENGTH = 1024 * 1024;
    public static final int DEFAULT_MAX_INLINE_LENGTH = 64 * 1024;

    public RespLimits {
        if (maxBulkLength < 1 || maxMultibulkLength < 1 || maxInlineLength < 1) {
            throw new IllegalArgumentException(
                    "limits must be positive: " + maxBulkLength + ", " + maxMultibulkLength + ", " + maxInlineLength);
        }
    }

    /** The limits redis-server starts with. */
    public static RespLimits defaults() {
        return new RespLimits(DEFAULT_MAX_BULK_LENGTH, DEFAULT_MAX_MULTIBULK_LENGTH, DEFAULT_MAX_INLINE_LENGTH);
    }
}
