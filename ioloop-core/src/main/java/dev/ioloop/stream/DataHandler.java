package dev.ioloop.stream;

import java.nio.ByteBuffer;

/**
 * The fast path for reading: the stream hands the handler its unread bytes as they arrive, in place, and the handler
 * consumes what it can parse (see {@link IOStream#setDataHandler}). No future, no callback and no copy per message:
 * for protocols that parse many small messages per read, such as a pipelined server.
 *
 * <p>Use the futures ({@link IOStream#readUntil}, {@link IOStream#readBytes}, ...) for everything else: they are
 * simpler to compose, and one future per message costs little next to a system call per message.
 */
@FunctionalInterface
public interface DataHandler {

    /**
     * Bytes arrived. On the loop thread, never inside the call that set the handler.
     *
     * <p>{@code in} holds every unread byte, from its position to its limit: what the handler left last time, then
     * what arrived since. Consume by advancing the position (relative {@code get}s, or {@code position(int)});
     * whatever is left stays buffered for the next call, counted against {@link StreamOptions#maxBufferSize()}.
     * The buffer is lent for this call only: it may be direct or heap, and is reused afterwards, so copy what you
     * keep, and do not change its limit or contents. Output appended to {@link IOStream#output()} during the call
     * is flushed when it returns.
     *
     * @param stream the stream the bytes came from
     * @param in the unread bytes
     * @throws Exception goes to the loop's error handler, and the stream closes with it as its error
     */
    void onData(IOStream stream, ByteBuffer in) throws Exception;

    /**
     * The peer closed its output (a clean end of stream) after the bytes of the last {@link #onData} call. The
     * default closes the stream at once, as Tornado does, so output still queued is lost; a protocol whose peers
     * half-close (send their requests, then shut their output down and wait for the replies) overrides it with
     * {@code stream.closeGracefully(Duration.ZERO)}, which writes what is queued first. Unless this method closes
     * it, the stream stays open for writing and reads no more.
     *
     * @param stream the stream whose input ended
     * @throws Exception goes to the loop's error handler, and the stream closes with it as its error
     */
    default void onEndOfInput(IOStream stream) throws Exception {
        stream.close();
    }
}
