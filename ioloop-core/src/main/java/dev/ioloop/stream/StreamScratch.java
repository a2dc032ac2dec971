package dev.ioloop.stream;

import java.nio.ByteBuffer;

/**
 * What the streams of one thread share: the direct buffer every read goes through, the direct buffer every write
 * goes through, and a pool of output chunks. The JDK reads into and writes from native memory, so a heap buffer
 * handed to a channel costs a copy through a temporary direct buffer the JDK sizes to the call (and may cache
 * forever, however big); these two are the only direct buffers a thread's streams use, and their size is bounded.
 * A stream holds no buffer while it is idle: unread input stays in the shared read buffer when the reader consumed
 * it, and output chunks go back to the pool once written. TLS streams add two more, made on first use: one for the
 * records read, one for the records wrapped; each holds them for one call only, and what is left over is copied
 * into a buffer of the stream's own.
 *
 * <p>Thread-confined: one instance per thread (a loop thread, or a thread that steps loops), never shared.
 */
final class StreamScratch {

    /** Output chunk size: pooled, so a connection that writes small replies allocates nothing. */
    static final int CHUNK_SIZE = 8192;
    /** Chunks a thread keeps for reuse (2 MiB). */
    static final int MAX_POOLED_CHUNKS = 256;
    /** The most bytes one write call hands the kernel. */
    static final int MAX_WRITE_STEP = 256 * 1024;

    private static final int INITIAL_BUFFER = 64 * 1024;
    private static final ThreadLocal<StreamScratch> CURRENT = ThreadLocal.withInitial(StreamScratch::new);

    final Thread owner = Thread.currentThread();
    private ByteBuffer read = ByteBuffer.allocateDirect(INITIAL_BUFFER);
    private ByteBuffer write = ByteBuffer.allocateDirect(INITIAL_BUFFER);
    private ByteBuffer tlsInput;
    private ByteBuffer tlsOutput;
    private final StreamOutput.Chunk[] pool = new StreamOutput.Chunk[MAX_POOLED_CHUNKS];
    private int pooled;

    private StreamScratch() {}

    static StreamScratch current() {
        return CURRENT.get();
    }

    /** Returns the shared read buffer, cleared, with its limit at {@code size}. */
    ByteBuffer readBuffer(int size) {
        if (read.capacity() < size) {
            read = ByteBuffer.allocateDirect(size);
        }
        read.clear().limit(size);
        return read;
    }

    /** Returns the shared write buffer, cleared, with its limit at {@code size}, at most {@link #MAX_WRITE_STEP}. */
    ByteBuffer writeBuffer(int size) {
        int n = Math.min(size, MAX_WRITE_STEP);
        if (write.capacity() < n) {
            write = ByteBuffer.allocateDirect(n);
        }
        write.clear().limit(n);
        return write;
    }

    /** Returns the shared buffer for TLS records read, cleared, with its limit at {@code size}. */
    ByteBuffer tlsInput(int size) {
        if (tlsInput == null || tlsInput.capacity() < size) {
            tlsInput = ByteBuffer.allocateDirect(Math.max(size, INITIAL_BUFFER));
        }
        tlsInput.clear().limit(size);
        return tlsInput;
    }

    /** Returns the shared buffer for TLS records wrapped, cleared, with its limit at {@code size}. */
    ByteBuffer tlsOutput(int size) {
        if (tlsOutput == null || tlsOutput.capacity() < size) {
            tlsOutput = ByteBuffer.allocateDirect(Math.max(size, INITIAL_BUFFER));
        }
        tlsOutput.clear().limit(size);
        return tlsOutput;
    }

    StreamOutput.Chunk takeChunk() {
        if (pooled == 0) {
            return new StreamOutput.Chunk(new byte[CHUNK_SIZE]);
        }
        StreamOutput.Chunk c = pool[--pooled];
        pool[pooled] = null;
        return c;
    }

    void giveBack(StreamOutput.Chunk c) {
        if (c.data.length == CHUNK_SIZE && pooled < MAX_POOLED_CHUNKS) {
            c.head = 0;
            c.tail = 0;
            pool[pooled++] = c;
        }
    }

    /** Chunks pooled now; for tests. */
    int pooledChunks() {
        return pooled;
    }
}
