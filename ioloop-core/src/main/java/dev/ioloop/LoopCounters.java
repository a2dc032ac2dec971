package dev.ioloop;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The counters of one loop that {@link IOLoopStats} reports: iterations, events, callbacks and timeouts run,
 * errors, latency samples, registered and force-closed handlers.
 *
 * <p>The loop thread is the only writer. Writes are opaque stores (no fence on the hot path) into one array of their own, so readers on other
 * threads never block the loop, never allocate, and see values at most one iteration old.
 */
final class LoopCounters {

    private static final VarHandle LONG_ARRAY = MethodHandles.arrayElementVarHandle(long[].class);

    // The counters sit between 64 bytes of unused slots on either side: the loop writes some of them every
    // iteration, and the objects allocated next to the array hold what other threads read on every addCallback.
    private static final int PAD = 8;
    private static final int ITERATIONS = PAD;
    private static final int EVENTS = PAD + 1;
    private static final int ERRORS = PAD + 2;
    private static final int CALLBACKS_RUN = PAD + 3;
    private static final int TIMEOUTS_RUN = PAD + 4;
    private static final int LATENCY_SAMPLES = PAD + 5;
    private static final int HANDLERS = PAD + 6;
    private static final int HANDLERS_CLOSED = PAD + 7;

    private final long[] counters = new long[PAD + 8 + PAD];

    long iterations() {
        return get(ITERATIONS);
    }

    long events() {
        return get(EVENTS);
    }

    long errors() {
        return get(ERRORS);
    }

    long callbacksRun() {
        return get(CALLBACKS_RUN);
    }

    long timeoutsRun() {
        return get(TIMEOUTS_RUN);
    }

    long latencySamples() {
        return get(LATENCY_SAMPLES);
    }

    int handlers() {
        return (int) get(HANDLERS);
    }

    long handlersClosed() {
        return get(HANDLERS_CLOSED);
    }

    void handlers(int n) {
        LONG_ARRAY.setOpaque(counters, HANDLERS, (long) n);
    }

    void iteration(int events) {
        add(ITERATIONS, 1);
        if (events != 0) {
            add(EVENTS, events);
        }
    }

    void ran(int callbacks, int timeouts) {
        if (callbacks != 0) {
            add(CALLBACKS_RUN, callbacks);
        }
        if (timeouts != 0) {
            add(TIMEOUTS_RUN, timeouts);
        }
    }

    void error() {
        add(ERRORS, 1);
    }

    void handlerClosed() {
        add(HANDLERS_CLOSED, 1);
    }

    void latencySample() {
        add(LATENCY_SAMPLES, 1);
    }

    private long get(int i) {
        return (long) LONG_ARRAY.getOpaque(counters, i);
    }

    private void add(int i, long delta) {
        LONG_ARRAY.setOpaque(counters, i, (long) LONG_ARRAY.getOpaque(counters, i) + delta);
    }
}
