package dev.ioloop;

import dev.ioloop.internal.MpscChunkedCallbackQueue;
import java.util.function.LongSupplier;

/**
 * Loop-latency sampling: the listeners, and the one sample per iteration that ran work, which is the largest
 * {@code start - ready} over that work (see {@link LatencyListener} for what {@code ready} is per kind of work).
 *
 * <p>The iteration calls it at named points: {@link #begin} with the iteration's clock read, then, only for the
 * work whose delay it measures, {@link #remoteCallbackStarting}, {@link #timeoutStarting}, {@link #pollReturned}
 * and {@link #lastEventStarting}, and finally {@link #emit}. Every call does nothing but one branch when no
 * listener was registered at {@code begin}: a loop without listeners reads no extra clock.
 *
 * <p>Loop thread only, except the listener list, which any thread may change. The fields the loop writes every
 * iteration sit between paddings, off the cache lines that producers read on every {@code addCallback}.
 */
final class LatencySampler extends LatencySamplerFields {

    @SuppressWarnings("unused") // keeps the loop's stores off the cache line of the next object
    private long q0, q1, q2, q3, q4, q5, q6, q7;

    LatencySampler(
            LongSupplier clock, MpscChunkedCallbackQueue remoteCallbacks, ListenerList<LatencyListener> listeners) {
        super(clock, remoteCallbacks, listeners);
    }

    /**
     * Starts an iteration's sample with its one clock read, and takes the listeners of this iteration.
     *
     * @return {@code now} if a listener is registered, else {@link #NO_STAMP}: the stamp the callback queue's
     *     drain leaves on a callback it does not take (see {@link LatencyListener})
     */
    long begin(long now) {
        Object[] current = listeners.array();
        active = current;
        latency = -1;
        drainStartNanos = current.length != 0 ? now : NO_STAMP;
        return drainStartNanos;
    }

    /** Returns whether this iteration is sampled (a listener was registered at {@link #begin}). */
    boolean isOn() {
        return drainStartNanos != NO_STAMP;
    }

    /**
     * The first or the last cross-thread callback of the iteration is about to run: the first is the oldest (its
     * wait counts from its enqueue stamp, or from a bound one drain early); the last waited behind all the others
     * since at least the drain. Measuring only these two, instead of stamping every {@code addCallback}, keeps a
     * measured hand-off as cheap as an unmeasured one.
     */
    void remoteCallbackStarting(boolean first, boolean last) {
        long start = clock.getAsLong();
        if (first) {
            long enqueued = remoteCallbacks.headStamp();
            if (enqueued != NO_STAMP) {
                latency = Math.max(latency, start - enqueued);
            }
        }
        if (last) {
            latency = Math.max(latency, start - drainStartNanos);
        }
    }

    /** A timeout due at {@code deadlineNanos} is about to run. */
    void timeoutStarting(long deadlineNanos) {
        if (isOn()) {
            latency = Math.max(latency, clock.getAsLong() - deadlineNanos);
        }
    }

    /** Poll returned with events to dispatch: every one of them became ready now. */
    void pollReturned() {
        if (isOn()) {
            pollReturnNanos = clock.getAsLong();
        }
    }

    /** The last event of the dispatch is about to be handled: it waited longest since poll returned. */
    void lastEventStarting() {
        if (isOn()) {
            latency = Math.max(latency, clock.getAsLong() - pollReturnNanos);
        }
    }

    /**
     * Hands the iteration's sample to every listener, if the iteration ran work and measured some of it; a
     * listener's exception goes to the loop's error handler and the others are still called.
     */
    void emit(int work, IOLoop loop, LoopCounters counters) {
        long sample = latency;
        if (work == 0 || sample < 0 || !isOn()) {
            return;
        }
        counters.latencySample();
        Object[] targets = active;
        for (Object target : targets) {
            LatencyListener listener = (LatencyListener) target;
            try {
                listener.onLatency(sample);
            } catch (Exception e) {
                loop.reportError(listener, e);
            }
        }
    }
}

/** The padding before {@link LatencySampler}'s per-iteration fields. */
@SuppressWarnings("unused")
abstract class LatencySamplerPad {
    private long p0, p1, p2, p3, p4, p5, p6, p7;
}

/** {@link LatencySampler}'s fields, between two pads. */
abstract class LatencySamplerFields extends LatencySamplerPad {
    /** The stamp of "no stamp", as the callback queue uses it. */
    static final long NO_STAMP = Long.MIN_VALUE;

    final LongSupplier clock;
    final MpscChunkedCallbackQueue remoteCallbacks;
    final ListenerList<LatencyListener> listeners;
    Object[] active;
    long drainStartNanos = NO_STAMP;
    long pollReturnNanos;
    long latency = -1;

    LatencySamplerFields(
            LongSupplier clock, MpscChunkedCallbackQueue remoteCallbacks, ListenerList<LatencyListener> listeners) {
        this.clock = clock;
        this.remoteCallbacks = remoteCallbacks;
        this.listeners = listeners;
    }
}
