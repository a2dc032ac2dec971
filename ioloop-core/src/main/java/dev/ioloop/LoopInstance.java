package dev.ioloop;

import java.util.concurrent.atomic.AtomicReference;

/**
 * The loops that {@link IOLoop#current()} and {@link IOLoop#instance()} return: each thread's current loop, and
 * the process-wide instance, created lazily exactly once under races or installed by a framework.
 */
final class LoopInstance {

    private static final ThreadLocal<IOLoop> CURRENT = new ThreadLocal<>();
    private static final AtomicReference<IOLoop> INSTANCE = new AtomicReference<>();

    private LoopInstance() {}

    static IOLoop current(boolean instance) {
        IOLoop loop = CURRENT.get();
        return loop != null || !instance ? loop : instance();
    }

    /** Makes {@code loop} (possibly {@code null}) the calling thread's current loop; returns the previous one. */
    static IOLoop makeCurrent(IOLoop loop) {
        IOLoop previous = CURRENT.get();
        // set(null) rather than remove(): keeping the thread-local entry spares runOnce an allocation per step.
        CURRENT.set(loop);
        return previous;
    }

    static void clearCurrent() {
        CURRENT.remove();
    }

    static IOLoop instance() {
        IOLoop loop = INSTANCE.get();
        if (loop == null) {
            synchronized (INSTANCE) {
                loop = INSTANCE.get();
                if (loop == null) {
                    loop = new IOLoop();
                    INSTANCE.set(loop);
                }
            }
        }
        return loop;
    }

    static boolean initialized() {
        return INSTANCE.get() != null;
    }

    static void install(IOLoop loop) {
        synchronized (INSTANCE) {
            IOLoop installed = INSTANCE.get();
            if (installed != null && installed != loop) {
                throw new IllegalStateException("another IOLoop is already installed as the instance: " + installed
                        + " (call IOLoop.clearInstance() first)");
            }
            INSTANCE.set(loop);
        }
    }

    static void clearInstance() {
        synchronized (INSTANCE) {
            INSTANCE.set(null);
        }
    }

    static boolean clearInstance(IOLoop expected) {
        return INSTANCE.compareAndSet(expected, null);
    }
}
