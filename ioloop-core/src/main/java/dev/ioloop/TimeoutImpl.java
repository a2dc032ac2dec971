package dev.ioloop;

import dev.ioloop.internal.TimerHeap;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/** The loop's {@link Timeout}: a heap entry whose run and cancellation race through one CAS. */
final class TimeoutImpl extends TimerHeap.Entry implements Timeout {

    private static final int PENDING = 0;
    private static final int CANCELLED = 1;
    private static final int RAN = 2;
    private static final VarHandle STATE;

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(TimeoutImpl.class, "state", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final IOLoop loop;
    final Runnable callback;

    @SuppressWarnings("unused") // accessed through STATE
    private volatile int state;

    TimeoutImpl(IOLoop loop, long deadlineNanos, long sequence, Runnable callback) {
        super(deadlineNanos, sequence);
        this.loop = loop;
        this.callback = callback;
    }

    @Override
    public boolean cancel() {
        if (!STATE.compareAndSet(this, PENDING, CANCELLED)) {
            return false;
        }
        loop.timeoutCancelled(this);
        return true;
    }

    /** Claims the run; {@code false} if it was cancelled first. */
    boolean markRun() {
        return STATE.compareAndSet(this, PENDING, RAN);
    }

    @Override
    public boolean isCancelled() {
        return state == CANCELLED;
    }

    @Override
    public long deadline() {
        return deadlineNanos;
    }

    @Override
    public String toString() {
        return "Timeout[deadline=" + deadlineNanos + ", callback=" + callback
                + (state == CANCELLED ? ", cancelled" : state == RAN ? ", ran" : "") + "]";
    }
}
