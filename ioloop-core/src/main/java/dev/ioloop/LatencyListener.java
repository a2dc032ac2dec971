package dev.ioloop;

/**
 * Receives one loop-latency sample per iteration that ran work.
 *
 * <p>The sample is how late the loop started the work that was ready: the largest {@code start - ready} over
 * the work of the iteration, where {@code ready} is a timeout's deadline, the enqueue time of a callback added
 * from another thread, or the moment the poll returned for an I/O event. An idle loop produces no samples and
 * is never woken to produce one.
 *
 * <p>Callbacks from other threads are measured without a clock read in every {@code addCallback} (that read cost
 * 32 ns on a VM's clock and made the cross-thread hand-off 3 times slower): the loop measures the first one an
 * iteration runs, which is the oldest, from its enqueue time, and the last one from the moment the loop took the
 * batch from the queue (it was enqueued before that, so this part can only under-count). Only the producer whose
 * callback will be the first of the next batch reads the clock. If that producer enqueued while the loop was still
 * taking the previous batch, it cannot know it is first, and the loop uses the moment it started taking that
 * previous batch instead, which is before the enqueue: the sample then over-counts by at most the time one batch
 * takes to move (microseconds). A callback in the middle of a batch that waited longer than both ends is not
 * seen.
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
