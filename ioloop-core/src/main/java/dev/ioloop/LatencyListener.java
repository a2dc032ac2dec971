package dev.ioloop;

/**
 * Receives one loop-latency sample per iteration that ran work.
 *
 * <p>The sample is how late the loop started the work that was ready: the largest {@code start - ready} over
 * the work of the iteration, where {@code ready} is a timeout's deadline, the enqueue time of a callback added
 * from another thread, or the moment the poll returned for an I/O event. An idle loop produces no samples and
 * is never woken to produce one.
 *
 * <p>Called on the loop thread, so it must be cheap and must not block (recording into a Micrometer
 * {@code Timer} is fine). Exceptions it throws go to the loop's {@link ErrorHandler}.
 */
@FunctionalInterface
public interface LatencyListener {

    /**
     * Receives one sample.
     *
     * @param latencyNanos how late ready work started, in nanoseconds of {@link IOLoop#time()}; never negative
     */
    void onLatency(long latencyNanos);
}
