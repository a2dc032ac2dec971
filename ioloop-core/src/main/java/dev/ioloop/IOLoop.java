package dev.ioloop;

import dev.ioloop.poller.Poller;
import dev.ioloop.poller.Pollers;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.SelectableChannel;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A single-threaded, level-triggered, non-blocking I/O event loop: Tornado's {@code IOLoop} in Java.
 *
 * <p>A typical TCP server, ported from Tornado's documentation: accept in a loop until {@code accept()}
 * returns {@code null}, hand each connection to the same loop.
 * <pre>{@code
 * ServerSocketChannel server = ServerSocketChannel.open();
 * server.setOption(StandardSocketOptions.SO_REUSEADDR, true);
 * server.configureBlocking(false);
 * server.bind(new InetSocketAddress(port), 128);
 *
 * IOLoop loop = IOLoop.current();
 * loop.addHandler(server, (ch, events) -> {
 *     SocketChannel connection;
 *     while ((connection = ch.accept()) != null) {
 *         connection.configureBlocking(false);
 *         handleConnection(connection);
 *     }
 * }, IOLoop.READ);
 * loop.start();
 * }</pre>
 *
 * <h2>Threading</h2>
 * While {@link #start()} runs, the thread inside it is the <em>loop thread</em>, and everything runs there.
 * {@link #addCallback}, {@link #spawnCallback}, {@link #execute}, {@link #stop()}, {@link #isRunning()},
 * {@link #time()}, {@link #stats()}, {@link #handlers()}, {@link Timeout#cancel()} and the listener methods
 * are safe from any thread; {@code addCallback} is <b>the</b> way in from other threads. Any other method
 * called from another thread while the loop runs throws {@link IllegalStateException} (nothing is forwarded
 * behind your back). While the loop is not running, one thread at a time may use all of it: set it up before
 * {@code start()}, inspect or {@link #close()} it after {@code start()} has returned.
 *
 * <h2>One iteration, in order</h2>
 * <ol>
 *   <li>Read the clock once ({@code now}), then note the callbacks queued at this point: only those run in this
 *       iteration, so a callback that re-adds itself cannot starve I/O.</li>
 *   <li>Collect the timeouts with {@code deadline <= now}; one added from here on waits for the next iteration.</li>
 *   <li>Run the noted callbacks in FIFO order, then the collected timeouts in {@code (deadline, insertion)}
 *       order, skipping one cancelled by earlier work of this step.</li>
 *   <li>If {@link #stop()} was called, leave the loop here.</li>
 *   <li>Poll: without waiting if callbacks are queued, else until the earliest deadline (never rounded down to a
 *       busy spin), else indefinitely. After running callbacks from other threads, the loop first watches its
 *       queue for up to 20 microseconds, so that a producer sending more pays no wakeup syscall.</li>
 *   <li>Dispatch each ready channel once, with one combined mask, to its handler; not a channel removed earlier
 *       in this dispatch, and never an event outside its interest (except {@code ERROR}).</li>
 * </ol>
 *
 * <h2>Events</h2>
 * {@link #READ} on a {@code ServerSocketChannel} means a connection can be accepted; {@link #WRITE} on a
 * connecting {@code SocketChannel} means {@code finishConnect()} can be called, on a connected one that it can
 * be written. {@link #ERROR} means an error or hang-up on pollers that report one; the default
 * {@code "selector"} poller never does (the JDK has no such readiness): a hang-up shows up as readiness for
 * what the channel is watched for ({@code READ}, and {@code WRITE} if watched), and a read returns -1. Handlers must never depend on seeing {@code ERROR}.
 *
 * <h2>Errors</h2>
 * An exception from a callback, timeout, handler or listener goes to the {@link ErrorHandler} (by default a WARN
 * log with the task's identity, rate-limited) and is counted in {@link IOLoopStats#errors()}; the loop goes on.
 * A channel whose handler throws {@linkplain Builder#handlerFailureLimit 10 times in a row} (by default) is
 * taken off the loop and closed, because a level-triggered loop would otherwise call that handler on every
 * iteration for as long as the channel stays ready; Tornado keeps calling it (limit 0).
 * An {@link Error} propagates out of {@code start()}, after the loop has marked itself not running and
 * restored the previous current loop, so it can be started again.
 *
 * <h2>Observability</h2>
 * {@link #stats()} gives lock-free counters; {@link #addLatencyListener} receives one loop-latency sample per
 * iteration that ran work (how late ready work started); {@link Builder#blockedThreshold} arms the blocked-loop
 * watchdog, and {@link #addBlockedListener} hears of each blocked stretch. Any number of listeners may be
 * added; with none, latency sampling costs nothing.
 */
public class IOLoop implements Executor, AutoCloseable {

    /** No event: a registration that is kept but not watched. */
    public static final int NONE = 0;
    /** Readable (or, on a server channel, acceptable); the poller SPI's {@link Poller#READ}. */
    public static final int READ = Poller.READ;
    /** Writable (or, on a connecting socket, connectable); the poller SPI's {@link Poller#WRITE}. */
    public static final int WRITE = Poller.WRITE;
    /** Error or hang-up, on pollers that report them (see the class documentation); {@link Poller#ERROR}. */
    public static final int ERROR = Poller.ERROR;
    /** The default of {@link Builder#handlerFailureLimit}: consecutive failures before a channel is closed. */
    public static final int DEFAULT_HANDLER_FAILURE_LIMIT = 10;

    private static final Logger log = LoggerFactory.getLogger(IOLoop.class);
    private static final AtomicInteger LOOP_NUMBER = new AtomicInteger();

    // Each subsystem is a class of its own; those whose fields the loop writes every iteration pad themselves,
    // so that other threads, which read this object on every addCallback, do not miss their cache for it.
    private final String name;
    private final LongSupplier clock;
    private final Poller poller;
    private final ListenerList<LatencyListener> latencyListeners = new ListenerList<>(this::latencyListenersChanged);
    private final ListenerList<BlockedLoopListener> blockedListeners = new ListenerList<>();
    private final long blockedThresholdNanos;
    private final DefaultExecutor defaultExecutor;
    private final CallbackQueue callbacks;
    private final LoopCounters counters = new LoopCounters();
    private final TimerQueue timers = new TimerQueue();
    private final LoopActivity activity = new LoopActivity();
    private final HandlerTable handlers;
    private final LatencySampler latency;
    private final IOLoopStats stats;
    private ErrorHandler errorHandler;

    private volatile Thread thread;
    private final AtomicBoolean running = new AtomicBoolean();
    private volatile boolean stopRequested;
    private volatile boolean closed;

    /**
     * Creates a loop with the default options: the {@code "selector"} poller, {@link System#nanoTime()}, a
     * logging error handler, a 1 s blocked threshold. Like Tornado's {@code IOLoop(make_current=False)}, it is
     * not made current.
     */
    public IOLoop() {
        this(new Builder());
    }

    private IOLoop(Builder b) {
        this.name = b.name != null ? b.name : "ioloop-" + LOOP_NUMBER.incrementAndGet();
        this.clock = b.clock != null ? b.clock : System::nanoTime;
        this.poller = Pollers.create(b.poller);
        this.errorHandler = b.errorHandler != null ? b.errorHandler : ErrorHandler.logging();
        this.callbacks = new CallbackQueue(poller); // before the listeners: their changes set its stamp clock
        this.latencyListeners.set(b.latencyListener);
        this.blockedListeners.set(b.blockedListener);
        this.blockedThresholdNanos = b.blockedThreshold.toNanos();
        this.defaultExecutor = new DefaultExecutor(name, b.defaultExecutor);
        this.handlers = new HandlerTable(this, poller, b.handlerFailureLimit, counters);
        this.latency = new LatencySampler(clock, callbacks.remote, latencyListeners);
        this.stats = new IOLoopStats(counters, activity, callbacks, timers);
    }

    /** Returns a builder for a loop with options. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Returns the calling thread's current loop (the one running on it, or set by {@link #makeCurrent()}), or
     * else the global {@link #instance()}.
     */
    public static IOLoop current() {
        return LoopInstance.current(true);
    }

    /**
     * Returns the calling thread's current loop.
     *
     * @param instance whether to fall back to the global {@link #instance()} when the thread has none
     * @return the current loop, or {@code null} if there is none and {@code instance} is {@code false}
     */
    public static IOLoop current(boolean instance) {
        return LoopInstance.current(instance);
    }

    /** Returns the process-wide loop, creating it on first use (exactly once, even under races). */
    public static IOLoop instance() {
        return LoopInstance.instance();
    }

    /** Returns whether a global instance exists (Tornado's {@code initialized()}). */
    public static boolean initialized() {
        return LoopInstance.initialized();
    }

    /**
     * Makes this loop the global {@link #instance()}.
     *
     * @throws IllegalStateException if another loop is installed
     */
    public void install() {
        LoopInstance.install(this);
    }

    /** Forgets the global instance without closing it. */
    public static void clearInstance() {
        LoopInstance.clearInstance();
    }

    /**
     * Forgets the global instance only if it is {@code expected}, atomically; for a framework that installed
     * {@code expected} and must not clear another one installed since.
     *
     * @return whether {@code expected} was the instance
     */
    public static boolean clearInstance(IOLoop expected) {
        return LoopInstance.clearInstance(expected);
    }

    /** Makes this loop the calling thread's current loop. */
    public void makeCurrent() {
        LoopInstance.makeCurrent(this);
    }

    /** Clears the calling thread's current loop. */
    public static void clearCurrent() {
        LoopInstance.clearCurrent();
    }

    /**
     * Registers a handler for events on a channel (Tornado's {@code add_handler}).
     *
     * @param channel a non-blocking channel not registered with this loop yet
     * @param handler receives this very channel and the ready events, on the loop thread
     * @param events the interest: a combination of {@link #READ}, {@link #WRITE} and {@link #ERROR}, or
     *     {@link #NONE}
     * @param <C> the channel type
     * @throws IllegalArgumentException if the channel is already registered (the old handler stays), is in
     *     blocking mode, is closed, or {@code events} has a bit the channel cannot support
     * @throws IllegalStateException if called from another thread while the loop runs, or after close
     */
    public <C extends SelectableChannel> void addHandler(C channel, FdHandler<? super C> handler, int events) {
        checkThread("addHandler");
        checkOpen();
        handlers.add(channel, handler, events);
    }

    /**
     * Changes the events a registered channel is watched for (Tornado's {@code update_handler}).
     *
     * @param channel a registered channel
     * @param events the new interest, as for {@link #addHandler}
     * @throws IllegalArgumentException if the channel has no handler here or cannot support {@code events}
     * @throws IllegalStateException if called from another thread while the loop runs
     */
    public void updateHandler(SelectableChannel channel, int events) {
        checkThread("updateHandler");
        handlers.update(channel, events);
    }

    /**
     * Stops watching a channel (Tornado's {@code remove_handler}); the channel stays open. A channel removed
     * during a dispatch is not dispatched later in that dispatch, even if added again.
     *
     * @param channel a channel, possibly unknown or closed
     * @return {@code true} if the channel had a handler in this loop (even if closed since), else {@code false}
     * @throws IllegalStateException if called from another thread while the loop runs (never for an unknown or
     *     closed channel)
     */
    public boolean removeHandler(SelectableChannel channel) {
        checkThread("removeHandler");
        return channel != null && handlers.remove(channel);
    }

    /**
     * Lists the registered handlers. Safe from any thread: the list is a fresh copy, weakly consistent with a
     * loop that is changing it.
     */
    public List<HandlerInfo> handlers() {
        return handlers.infos();
    }

    /**
     * Runs the loop on the calling thread until {@link #stop()}. The loop is the thread's current loop while it
     * runs; the previous current loop is restored when this returns.
     *
     * <p>If {@code stop()} was called while the loop was not running, returns at once and runs nothing.
     *
     * @throws IllegalStateException if the loop is running already (also from inside a callback) or closed
     * @throws UncheckedIOException if the poller fails
     */
    public void start() {
        checkOpen();
        claim();
        if (stopRequested) {
            stopRequested = false;
            running.set(false);
            return;
        }
        IOLoop previous = enter();
        try {
            while (iterate(-1, true) >= 0) {
                // each iteration is documented on iterate
            }
        } finally {
            exit(previous);
            stopRequested = false;
        }
    }

    /**
     * Runs one iteration on the calling thread, as {@link #start()} would, and returns: for tests that step
     * the loop, and for embedding it in another loop (libuv's {@code RUN_ONCE}). It does not look at
     * {@link #stop()}: a stop requested meanwhile applies to the next {@code start()}.
     *
     * @param maxWait the longest time to wait in poll; {@link Duration#ZERO} does not wait
     * @return the number of callbacks, timeouts and I/O events run
     * @throws IllegalArgumentException if {@code maxWait} is negative
     * @throws IllegalStateException if the loop is running or closed
     */
    public int runOnce(Duration maxWait) {
        checkOpen();
        long cap = maxWait.toNanos();
        if (cap < 0) {
            throw new IllegalArgumentException("maxWait must be >= 0: " + maxWait);
        }
        claim();
        IOLoop previous = enter();
        try {
            return iterate(cap, false);
        } finally {
            exit(previous);
        }
    }

    private void claim() {
        if (!running.compareAndSet(false, true)) {
            throw new IllegalStateException("IOLoop is already running: " + name);
        }
    }

    private IOLoop enter() {
        thread = Thread.currentThread();
        activity.entered(this, blockedListeners);
        return LoopInstance.makeCurrent(this);
    }

    private void exit(IOLoop previous) {
        activity.exited();
        thread = null;
        LoopInstance.makeCurrent(previous);
        running.set(false);
    }

    /**
     * Runs one iteration, in this order (the class documentation states it for users):
     * <ol>
     *   <li>{@link CallbackQueue#take}: note the callbacks queued now, after the iteration's one clock read,
     *       which also bounds when a callback left behind was enqueued (see {@link LatencyListener}).</li>
     *   <li>{@link TimerQueue#collectDue}: collect the timeouts due at that clock read.</li>
     *   <li>{@link CallbackQueue#run} the noted callbacks, then {@link TimerQueue#runDue} the due timeouts.</li>
     *   <li>If {@code honourStop} and {@link #stop()} was requested, leave.</li>
     *   <li>{@link #poll}, at most {@code pollCapNanos} (negative: no cap).</li>
     *   <li>{@link HandlerTable#dispatch}: each ready channel once, to its handler.</li>
     * </ol>
     * The latency sampler is told of each measured start along the way and emits one sample at the end.
     *
     * @return the callbacks, timeouts and events run, or -1 when the loop must leave at step 4
     */
    private int iterate(long pollCapNanos, boolean honourStop) {
        long now = clock.getAsLong();
        int callbackCount = callbacks.take(latency.begin(now));
        int dueCount = timers.collectDue(now);
        int work = callbacks.run(callbackCount, latency, this) + timers.runDue(dueCount, latency, this);
        counters.ran(callbackCount, work - callbackCount);
        if (honourStop && stopRequested) {
            latency.emit(work, this, counters);
            return -1;
        }
        poll(pollCapNanos, honourStop);
        int dispatched = handlers.dispatch(latency);
        counters.iteration(dispatched);
        latency.emit(work + dispatched, this, counters);
        return work + dispatched;
    }

    /** Step 5: ends the stretch of work, announces a sleep to producers, polls, and starts the next stretch. */
    private void poll(long capNanos, boolean honourStop) {
        long untilDeadline = callbacks.hasWaiting() ? 0 : timers.nanosUntilFirst(clock);
        long wait = untilDeadline < 0 ? capNanos : capNanos < 0 ? untilDeadline : Math.min(capNanos, untilDeadline);
        long pollStart = activity.workEnded();
        boolean asleep = wait != 0 && !callbacks.spinForMore(pollStart);
        if (asleep) {
            activity.sleeping(pollStart);
        }
        boolean wake = asleep && (callbacks.announceSleep() || (honourStop && stopRequested));
        try {
            handlers.poll(asleep && !wake ? wait : 0);
        } catch (IOException e) {
            throw new UncheckedIOException("poller " + poller.name() + " failed", e);
        } finally {
            if (asleep) {
                callbacks.sleepEnded();
            }
            activity.pollReturned(pollStart);
        }
    }

    void runTask(Runnable task) {
        try {
            task.run();
        } catch (Exception e) {
            reportError(task, e);
        }
    }

    /**
     * Stops the loop after the current iteration's callbacks and due timeouts (step 4). Safe from any thread;
     * wakes a sleeping loop promptly. Called while the loop is not running, the next {@link #start()} returns
     * at once.
     */
    public void stop() {
        stopRequested = true;
        callbacks.wake();
    }

    /** Returns whether {@link #start()} (or {@link #runOnce}) is running on some thread. Safe from any thread. */
    public boolean isRunning() {
        return running.get();
    }

    /**
     * Runs {@code fn} on the loop until the stage it returns completes, and returns its value (Tornado's
     * {@code run_sync}). Inside {@code fn}, {@link #current()} is this loop. Equivalent to
     * {@code runSync(fn, null)}.
     *
     * @see #runSync(Supplier, Duration)
     */
    public <T> T runSync(Supplier<? extends CompletionStage<T>> fn) {
        return runSync(fn, null);
    }

    /**
     * Starts the loop, runs {@code fn} on it, stops the loop when the returned stage completes, and returns
     * the stage's value. A run that has returned (or thrown) leaves nothing behind: neither its {@code fn}, if
     * the loop was stopped before it ran, nor its timeout, nor its stage's late completion touch a later run.
     *
     * @param fn called once on the loop thread; must return a non-null stage
     * @param timeout the longest time to wait, or {@code null} for no limit
     * @return the stage's value
     * @throws IllegalStateException if the loop is running (nested {@code runSync}), or if it was stopped by
     *     someone else before the stage completed
     * @throws NullPointerException if {@code fn} returned {@code null}
     * @throws CompletionException wrapping a checked exception the stage failed with, or wrapping a
     *     {@link TimeoutException} if {@code timeout} passed first (the stage is then cancelled if it is a
     *     {@link Future}); an unchecked exception of the stage or of {@code fn} is rethrown as it is
     */
    public <T> T runSync(Supplier<? extends CompletionStage<T>> fn, Duration timeout) {
        return new RunSync<T>(this, Objects.requireNonNull(fn, "fn"), timeout).run();
    }

    /** Releases the poller; registered channels stay open. Same as {@code close(false)}. */
    @Override
    public void close() {
        close(false);
    }

    /**
     * Releases the poller and the default executor the loop created itself; with {@code allChannels} also
     * closes every registered channel (Tornado's {@code close(all_fds)}). Queued callbacks and pending timeouts
     * are dropped without running. A second call does nothing. After close, {@code addCallback} drops callbacks
     * silently (so does the hand-off of {@code addFuture}), {@code execute} throws
     * {@link RejectedExecutionException}, {@code removeHandler} returns {@code false}, {@code updateHandler}
     * throws {@code IllegalArgumentException} (nothing is registered), and {@code addHandler}, {@code callAt},
     * {@code callLater}, {@code addTimeout}, {@code start}, {@code runOnce} and {@code runSync} throw
     * {@code IllegalStateException("IOLoop is closed")}.
     *
     * @throws IllegalStateException if the loop is running
     */
    public void close(boolean allChannels) {
        if (closed) {
            return;
        }
        if (isRunning()) {
            throw new IllegalStateException("cannot close a running IOLoop (stop it first): " + name);
        }
        closed = true;
        activity.closed(this);
        handlers.clear(allChannels);
        try {
            poller.close();
        } catch (IOException e) {
            log.warn("Failed to close poller {} of IOLoop '{}'", poller.name(), name, e);
        }
        timers.clear();
        callbacks.clear();
        defaultExecutor.shutdownOwn();
    }

    /** Returns whether {@link #close()} was called. */
    public boolean isClosed() {
        return closed;
    }

    /**
     * Returns the loop's monotonic clock in nanoseconds: {@link System#nanoTime()} (same origin and units)
     * unless a test clock was given to the builder. Safe from any thread.
     */
    public long time() {
        return clock.getAsLong();
    }

    /**
     * Schedules {@code callback} at an absolute deadline on {@link #time()}'s scale (Tornado's
     * {@code add_timeout} with a number). Same as {@link #callAt}.
     */
    public Timeout addTimeout(long deadlineNanos, Runnable callback) {
        return callAt(deadlineNanos, callback);
    }

    /** Schedules {@code callback} after {@code delay} (Tornado's {@code add_timeout} with a timedelta). */
    public Timeout addTimeout(Duration delay, Runnable callback) {
        return callLater(delay, callback);
    }

    /**
     * Schedules {@code callback} to run on the loop at {@code deadlineNanos} ({@link #time()}'s scale).
     * Timeouts with equal deadlines run in the order they were added. A deadline in the past runs in the next
     * iteration.
     *
     * @return a handle whose {@link Timeout#cancel()} works from any thread
     * @throws IllegalStateException if called from another thread while the loop runs (use
     *     {@code addCallback(() -> loop.callAt(...))}), or after close
     */
    public Timeout callAt(long deadlineNanos, Runnable callback) {
        checkThread("callAt");
        checkOpen();
        Objects.requireNonNull(callback, "callback");
        return timers.add(this, deadlineNanos, callback);
    }

    /**
     * Schedules {@code callback} to run on the loop after {@code delay} (zero or negative: next iteration).
     *
     * @see #callAt(long, Runnable)
     */
    public Timeout callLater(Duration delay, Runnable callback) {
        Objects.requireNonNull(delay, "delay");
        return callAt(time() + delay.toNanos(), callback);
    }

    /**
     * Cancels a timeout (Tornado's {@code remove_timeout}); no-op if it already ran or was cancelled. Same as
     * {@link Timeout#cancel()}, which is safe from any thread.
     */
    public void removeTimeout(Timeout timeout) {
        if (timeout != null) {
            timeout.cancel();
        }
    }

    /** A timeout of this loop was cancelled, on any thread. */
    void timeoutCancelled(TimeoutImpl timeout) {
        Thread t = thread;
        if (t == Thread.currentThread() || (t == null && !closed)) {
            timers.cancelledHere(timeout);
        } else {
            timers.cancelledElsewhere(timeout);
        }
    }

    /**
     * Queues {@code callback} to run on the loop thread in the next iteration. This is <b>the</b> thread-safe
     * way in: safe from any thread, it wakes a sleeping loop promptly, and many calls during one sleep cost one
     * wakeup. From the loop thread it never wakes anything. After {@link #close()} the callback is dropped
     * silently (Tornado's behaviour).
     */
    public void addCallback(Runnable callback) {
        Objects.requireNonNull(callback, "callback");
        if (closed) {
            return;
        }
        if (Thread.currentThread() == thread) {
            callbacks.addLocal(callback);
        } else {
            callbacks.addRemote(callback);
        }
    }

    /** Same as {@link #addCallback} (Tornado's {@code spawn_callback}). */
    public void spawnCallback(Runnable callback) {
        addCallback(callback);
    }

    /**
     * Same as {@link #addCallback}, so that {@code thenApplyAsync(f, loop)} runs {@code f} on the loop; but
     * after {@link #close()} it throws, as {@link Executor} users expect, instead of dropping the task.
     *
     * @throws RejectedExecutionException if the loop is closed
     */
    @Override
    public void execute(Runnable command) {
        Objects.requireNonNull(command, "command");
        if (closed) {
            throw new RejectedExecutionException("IOLoop is closed: " + name);
        }
        addCallback(command);
    }

    /**
     * Calls {@code callback} on the loop thread, with {@code future} itself, once it completes (Tornado's
     * {@code add_future}); never inline, even if it is complete already.
     */
    public <T> void addFuture(CompletionStage<T> future, Consumer<? super CompletionStage<T>> callback) {
        Objects.requireNonNull(future, "future");
        Objects.requireNonNull(callback, "callback");
        future.whenComplete((value, failure) -> addCallback(() -> callback.accept(future)));
    }

    /**
     * Runs {@code fn} on {@code executor} (off the loop) and returns a future that completes <b>on the loop
     * thread</b> with its result (Tornado's {@code run_in_executor}). If the loop is already closed when
     * {@code fn} finishes, the future completes on the executor's thread instead. If the loop is closed after
     * {@code fn} finished but before it ran the hand-off, the hand-off is dropped with the other queued callbacks
     * and the future stays incomplete: close a loop only once the work it waits for is done.
     *
     * @param executor where to run {@code fn}, or {@code null} for the default executor
     * @throws RejectedExecutionException if the executor refuses the task
     */
    public <T> CompletableFuture<T> runInExecutor(Executor executor, Callable<T> fn) {
        Objects.requireNonNull(fn, "fn");
        return defaultExecutor.call(executor, fn, this);
    }

    /**
     * Sets the executor {@link #runInExecutor} uses when given {@code null}. A default executor the loop had
     * created itself is shut down.
     */
    public void setDefaultExecutor(Executor executor) {
        checkThread("setDefaultExecutor");
        Objects.requireNonNull(executor, "executor");
        defaultExecutor.set(executor);
    }

    /**
     * Reports an exception thrown by user code that a layer above the loop called itself, as the loop reports its
     * own callbacks' (Tornado's {@code handle_callback_exception}): counted in {@link IOLoopStats#errors()}, then
     * passed to the {@link ErrorHandler}. The stream layer reports a failing {@code DataHandler}, close callback or
     * stream handler through it.
     *
     * @param source what failed (named in the error handler's report)
     * @param error the exception it threw
     * @throws NullPointerException if {@code error} is {@code null}
     * @throws IllegalStateException if called from another thread while the loop runs
     */
    public void handleCallbackException(Object source, Exception error) {
        Objects.requireNonNull(error, "error");
        checkThread("handleCallbackException");
        reportError(source, error);
    }

    /** Reports a failure of user code to the error handler, counting it; loop thread only. */
    void reportError(Object source, Exception error) {
        counters.error();
        try {
            errorHandler.handleError(source, error);
        } catch (Exception e) {
            log.error("ErrorHandler {} failed on {} from {}", errorHandler, error, source, e);
        }
    }

    /**
     * Replaces the error handler.
     *
     * @throws IllegalStateException if called from another thread while the loop runs
     */
    public void setErrorHandler(ErrorHandler handler) {
        checkThread("setErrorHandler");
        this.errorHandler = Objects.requireNonNull(handler, "handler");
    }

    /**
     * Adds a listener of loop-latency samples; every listener receives every sample, on the loop thread, in the
     * order they were added. Safe from any thread; takes effect from the next iteration. While no listener is
     * registered, the loop reads no clock to sample.
     *
     * @param listener the listener; the same object added twice is called twice
     * @return the handle that removes it
     * @see LatencyListener
     */
    public ListenerRegistration addLatencyListener(LatencyListener listener) {
        return latencyListeners.add(listener);
    }

    private void latencyListenersChanged() {
        callbacks.stampWith(latencyListeners.isEmpty() ? null : clock);
    }

    /**
     * Sets (or with {@code null} removes) the latency listener of the builder's {@link Builder#latencyListener}
     * option; listeners added with {@link #addLatencyListener} are not affected. Safe from any thread.
     */
    public void setLatencyListener(LatencyListener listener) {
        latencyListeners.set(listener);
    }

    /**
     * Adds a listener told of each blocked stretch of work, on the watchdog thread, in the order listeners were
     * added. Safe from any thread. Only loops with a {@linkplain Builder#blockedThreshold blocked threshold} are
     * watched.
     *
     * @param listener the listener; the same object added twice is called twice
     * @return the handle that removes it
     * @see BlockedLoopListener
     */
    public ListenerRegistration addBlockedListener(BlockedLoopListener listener) {
        return blockedListeners.add(listener);
    }

    /**
     * Sets (or with {@code null} removes) the blocked-loop listener of the builder's {@link Builder#blockedListener}
     * option; listeners added with {@link #addBlockedListener} are not affected. Safe from any thread.
     */
    public void setBlockedListener(BlockedLoopListener listener) {
        blockedListeners.set(listener);
    }

    /** Returns the handler failure limit ({@link Builder#handlerFailureLimit}); 0 when the policy is off. */
    public int handlerFailureLimit() {
        return handlers.failureLimit;
    }

    /** Returns the blocked-loop threshold in nanoseconds; 0 when the watchdog is off. */
    public long blockedThresholdNanos() {
        return blockedThresholdNanos;
    }

    /** Returns the loop's statistics; safe from any thread. */
    public IOLoopStats stats() {
        return stats;
    }

    /** Returns the loop's name (thread names and metric tags use it). */
    public String name() {
        return name;
    }

    /** Returns the name of the poller backend, for example {@code "selector"}. */
    public String pollerName() {
        return poller.name();
    }

    /** Returns the thread running the loop, or {@code null} when it is not running. */
    public Thread thread() {
        return thread;
    }

    /** Entries in the timer heap, tombstones of cross-thread cancels included; for tests. */
    int timerHeapSize() {
        return timers.heapSize();
    }

    @Override
    public String toString() {
        return "IOLoop[" + name + ", poller=" + poller.name() + (running.get() ? ", running" : "")
                + (closed ? ", closed" : "") + "]";
    }

    /** Returns event bits as text, for example {@code "READ|WRITE"}, {@code "NONE"}. */
    public static String eventNames(int events) {
        return HandlerTable.eventNames(events);
    }

    private void checkThread(String method) {
        Thread t = thread;
        if (t != null && t != Thread.currentThread()) {
            throw new IllegalStateException(
                    method + " called from thread " + Thread.currentThread().getName()
                            + " while IOLoop '" + name + "' runs on " + t.getName()
                            + ": use addCallback to run it on the loop thread");
        }
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("IOLoop is closed");
        }
    }

    /**
     * Options for a new {@link IOLoop} (Tornado's {@code configure}); the options and their defaults are
     * documented on {@link AbstractIOLoopBuilder}. Every option has a default, so {@code IOLoop.builder().build()}
     * equals {@code new IOLoop()}.
     */
    public static final class Builder extends AbstractIOLoopBuilder<Builder> {

        private Builder() {}

        /**
         * Builds the loop and opens its poller.
         *
         * @throws IllegalArgumentException if the poller name is unknown (the message lists available ones)
         * @throws UncheckedIOException if the poller cannot be opened
         */
        public IOLoop build() {
            return new IOLoop(this);
        }

        @Override
        Builder self() {
            return this;
        }
    }
}
