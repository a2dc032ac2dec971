package dev.ioloop.sample.resp;

/**
 * Size limits the protocol parser enforces on every connection, checked against the announced sizes
 * before anything is allocated, so a hostile header cannot make the server reserve memory; and the number of
 * databases, the limit of SELECT's index.
 *
 * <p>Immutable; safe to share between threads.
 *
 * @param maxBulkLength      largest bulk argument accepted, in bytes (Redis's {@code proto-max-bulk-len})
 * @param maxMultibulkLength largest number of elements a multibulk request may announce
 * @param maxInlineLength    longest inline request line, and longest {@code *}/{@code $} header line,
 *                           accepted without a line end (Redis's {@code PROTO_INLINE_MAX_SIZE})
 * @param databases          number of databases, 0 to {@code databases - 1} (Redis's {@code databases})
 */
public record RespLimits(int maxBulkLength, int maxMultibulkLength, int maxInlineLength, int databases) {

    /** Redis's defaults: 512 MiB bulk strings, 1024*1024 elements, 64 KiB inline requests. */
    public static final int DEFAULT_MAX_BULK_LENGTH = 512 * 1024 * 1024;

    public static final int DEFAULT_MAX_MULTIBULK_LENGTH = 1024 * 1024;
    public static final int DEFAULT_MAX_INLINE_LENGTH = 64 * 1024;
    /** Redis's default number of databases. */
    public static final int DEFAULT_DATABASES = 16;

    public RespLimits {
        if (maxBulkLength < 1 || maxMultibulkLength < 1 || maxInlineLength < 1) {
            throw new IllegalArgumentException(
                    "limits must be positive: " + maxBulkLength + ", " + maxMultibulkLength + ", " + maxInlineLength);
        }
        if (databases < 1) {
            throw new IllegalArgumentException("databases must be positive: " + databases);
        }
    }

    /** Limits with the default number of databases. */
    public RespLimits(int maxBulkLength, int maxMultibulkLength, int maxInlineLength) {
        this(maxBulkLength, maxMultibulkLength, maxInlineLength, DEFAULT_DATABASES);
    }

    /** The limits redis-server starts with. */
    public static RespLimits defaults() {
        return new RespLimits(DEFAULT_MAX_BULK_LENGTH, DEFAULT_MAX_MULTIBULK_LENGTH, DEFAULT_MAX_INLINE_LENGTH);
    }
}
