package dev.ioloop;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Decides which of a stream of repeated log events to write: the first event of a kind is written, then at most
 * one per {@code quietNanos} per kind; the events held back meanwhile are counted, and the count is handed to the
 * next event of that kind that is written. A kind is a pair of classes (e.g. the failing task's class and the
 * exception's class), so events from per-connection objects of one class share one allowance.
 *
 * <p>At most {@value #MAX_KINDS} kinds are remembered (least recently seen forgotten first), so a stream of
 * ever-new kinds costs bounded memory and is written in full. Thread-safe ({@link #admit} is synchronized), so
 * one {@link ErrorHandler#logging()} instance may serve several loops.
 */
final class LogLimiter {

    static final int MAX_KINDS = 64;

    private final long quietNanos;
    private final Map<Kind, long[]> kinds = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Kind, long[]> eldest) {
            return size() > MAX_KINDS;
        }
    };

    LogLimiter(long quietNanos) {
        if (quietNanos < 0) {
            throw new IllegalArgumentException("quietNanos must be >= 0: " + quietNanos);
        }
        this.quietNanos = quietNanos;
    }

    /**
     * Records one event of a kind at time {@code nowNanos}.
     *
     * @return -1 if the event is held back; otherwise how many events of its kind were held back since the
     *     last one written (0 for the first)
     */
    synchronized long admit(Class<?> a, Class<?> b, long nowNanos) {
        Kind kind = new Kind(a, b);
        long[] state = kinds.get(kind); // {lastWrittenNanos, heldBack}
        if (state == null) {
            kinds.put(kind, new long[] {nowNanos, 0});
            return 0;
        }
        if (nowNanos - state[0] < quietNanos) {
            state[1]++;
            return -1;
        }
        long heldBack = state[1];
        state[0] = nowNanos;
        state[1] = 0;
        return heldBack;
    }

    private record Kind(Class<?> a, Class<?> b) {}
}
