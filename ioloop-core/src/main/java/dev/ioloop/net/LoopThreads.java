package dev.ioloop.net;

import dev.ioloop.IOLoop;

/** The loop's threading rule for the methods of this package, with the loop's own wording. */
final class LoopThreads {

    private LoopThreads() {}

    /**
     * Checks that the caller may use {@code loop} as {@link IOLoop#addHandler} allows: on the loop's thread, or
     * while the loop is not running.
     *
     * @throws IllegalStateException naming {@code method}, if another thread runs the loop
     */
    static void check(IOLoop loop, String method) {
        Thread t = loop.thread();
        if (t != null && t != Thread.currentThread()) {
            throw new IllegalStateException(
                    method + " called from thread " + Thread.currentThread().getName()
                            + " while IOLoop '" + loop.name() + "' runs on " + t.getName()
                            + ": use addCallback to run it on the loop thread");
        }
    }
}
