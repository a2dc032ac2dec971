package dev.ioloop;

import dev.ioloop.internal.CallbackRing;
import dev.ioloop.internal.MpscChunkedCallbackQueue;
import dev.ioloop.internal.TimerHeap;
import dev.ioloop.poller.Poller;
import dev.ioloop.poller.Pollers;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
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
 * {@link #time()}, {@link #stats()}, {@link #handlers()}, {@link Timeout#cancel()} and the listener setters
 * are safe from any thread; {@code addCallback} is <b>the</b> way in from other threads. Any other method
 * called from another thread while the loop runs throws {@link IllegalStateException} (nothing is forwarded
 * behind your back). While the loop is not running, one thread at a time may use all of it: set it up before
 * {@code start()}, inspect or {@link #close()} it after {@code start()} has returned.
 *
 * <h2>One iteration, in order</h2>
 * <ol>
 *   <li>Note how many callbacks are queued; only those run in this iteration, so a callback that re-adds
 *       itself cannot starve I/O.</li>
 *   <li>Read the clock once and collect every timeout with {@code deadline <= now}, dropping cancelled ones.
 *       Timeouts added from here on wait for the next iteration even if already due.</li>
 *   <li>Run the noted callbacks in FIFO order, then the collected timeouts in {@code (deadline, insertion)}
 *       order, skipping one cancelled by an earlier callback of this step.</li>
 *   <li>If {@link #stop()} was called, leave the loop here.</li>
 *   <li>Poll: without waiting if callbacks are queued, else until the earliest deadline (a positive wait is
 *       never rounded down to a busy spin), else indefinitely. After an iteration that ran callbacks from
 *       other threads, the loop first watches its queue for up to 20 microseconds: a producer that sends more
 *       in that window finds the loop awake and pays no wakeup syscall. An idle loop never spins.</li>
 *   <li>Dispatch each ready channel once, with one combined mask, to its handler. A channel removed earlier
 *       in this dispatch is not dispatched; a handler never sees an event outside its interest (except
 *       {@code ERROR}).</li>
 * </ol>
 *
 * <h2>Events</h2>
 * {@link #READ} on a {@code ServerSocketChannel} means a connection can be accepted; {@link #WRITE} on a
 * connecting {@code SocketChannel} means {@code finishConnect()} can be called, on a connected one that it can
 * be written. {@link #ERROR} means an error or hang-up on pollers that report one; the default
 * {@code "selector"} poller never does (the JDK has no such readiness): a hang-up shows up as {@code READ}
 * and the read returns -1. Handlers must never depend on seeing {@code ERROR}.
 *
 * <h2>Errors</h2>
 * An exception from a callback, timeout or handler goes to the {@link ErrorHandler} (by default a WARN log
 * with the task's identity, rate-limited) and is counted in {@link IOLoopStats#errors()}; the loop goes on.
 * A channel whose handler throws {@linkplain Builder#handlerFailureLimit 10 times in a row} (by default) is
 * taken off the loop and closed, because a level-triggered loop would otherwise call that handler on every
 * iteration for as long as the channel stays ready; Tornado keeps calling it (limit 0).
 * An {@link Error} propagates out of {@code start()}, after the loop has marked itself not running and
 * restored the previous current loop, so it can be started again.
 *
 * <h2>Observability</h2>
 * {@link #stats()} gives lock-free counters; {@link Builder#latencyListener} receives one loop-latency sample
 * per iteration that ran work (how late ready work started); {@link Builder#blockedThreshold} arms the
 * blocked-loop watchdog.
 */
public class IOLoop implements Executor, AutoCloseable {

    /** No event: a registration that is kept but not watched. */
    public static final int NONE = 0;
    /** Readable (or, on a server channel, acceptable). */
    public static final int READ = 0x001;
    /** Writable (or, on a connecting socket, connectable). */
    public static final int WRITE = 0x004;
    /** Error or hang-up, on pollers that report them; see the class documentation. */
    public static final int ERROR = 0x018;

    private static final Logger log = LoggerFactory.getLogger(IOLoop.class);
    private static final ThreadLocal<IOLoop> CURRENT = new ThreadLocal<>();
    private static final AtomicReference<IOLoop> INSTANCE = new AtomicReference<>();
    private static final Object INSTANCE_LOCK = new Object();
    private static final AtomicInteger LOOP_NUMBER = new AtomicInteger();
    private static final long NO_STAMP = Long.MIN_VALUE;
    /** The default of {@link Builder#handlerFailureLimit}: consecutive failures before a channel is closed. */
    public static final int DEFAULT_HANDLER_FAILURE_LIMIT = 10;
    private static final int CANCELLED_COMPACT_MIN = 512;
    private static final long SPIN_BEFORE_SLEEP_NANOS = 20_000;
    private static final VarHandle SLEEPING;
    private static final VarHandle RUNNING;

    static {
        try {
            SLEEPING = MethodHandles.lookup().findVarHandle(IOLoop.class, "sleeping", boolean.class);
            RUNNING = MethodHandles.lookup().findVarHandle(IOLoop.class, "running", boolean.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final String name;
    private final Poller poller;
    private final LongSupplier clock;
    private final boolean systemClock;
    private final long blockedThresholdNanos;
    private final int handlerFailureLimit;
    private final LogLimiter closeLogLimiter = new LogLimiter(LoggingErrorHandler.QUIET_NANOS);
    private final IOLoopStats stats = new IOLoopStats(this);
    private ErrorHandler errorHandler;
    private volatile LatencyListener latencyListener;
    private volatile BlockedLoopListener blockedListener;
    private final DefaultExecutor defaultExecutor;

    private final ConcurrentHashMap<SelectableChannel, Registration> handlers = new ConcurrentHashMap<>();
    private final MpscChunkedCallbackQueue remoteCallbacks = new MpscChunkedCallbackQueue();
    private final CallbackRing callbacks = new CallbackRing(64);
    private final TimerHeap timers = new TimerHeap();
    private final AtomicInteger cancelledInHeap = new AtomicInteger();
    private TimeoutImpl[] due = new TimeoutImpl[16];

    // Ready channels of the current poll, collected before dispatch so that handlers run outside the poller.
    private Registration[] ready = new Registration[64];
    private int[] readyEvents = new int[64];
    private final Poller.ReadyConsumer readySink = this::onReady;
    // The fields the loop writes every iteration, on cache lines of their own: other threads read this object
    // (thread, closed, sleeping, latencyListener) on every addCallback, and must not miss their cache for it.
    private final HotFields hot = new HotFields();

    private volatile Thread thread;
    @SuppressWarnings("unused") // accessed through RUNNING
    private volatile boolean running;
    @SuppressWarnings("unused") // accessed through SLEEPING
    private volatile boolean sleeping;
    private volatile boolean stopRequested;
    private volatile boolean closed;
    private boolean watched;
    /** The stretch the watchdog reported last; written by the watchdog thread only. */
    volatile long lastBlockedStretch;

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
        this.systemClock = b.clock == null;
        this.errorHandler = b.errorHandler != null ? b.errorHandler : ErrorHandler.logging();
        this.latencyListener = b.latencyListener;
        this.blockedListener = b.blockedListener;
        this.blockedThresholdNanos = b.blockedThreshold.toNanos();
        this.handlerFailureLimit = b.handlerFailureLimit;
        this.defaultExecutor = new DefaultExecutor(name, b.defaultExecutor);
        this.poller = Pollers.create(b.poller);
    }

    /** Returns a builder for a loop with options. */
    public static Builder builder() {
        return new Builder();
    }

    // ---------------------------------------------------------------- current and instance

    /**
     * Returns the calling thread's current loop (the one running on it, or set by {@link #makeCurrent()}), or
     * else the global {@link #instance()}.
     */
    public static IOLoop current() {
        IOLoop loop = CURRENT.get();
        return loop != null ? loop : instance();
    }

    /**
     * Returns the calling thread's current loop.
     *
     * @param instance whether to fall back to the global {@link #instance()} when the thread has none
     * @return the current loop, or {@code null} if there is none and {@code instance} is {@code false}
     */
    public static IOLoop current(boolean instance) {
        IOLoop loop = CURRENT.get();
        return loop != null || !instance ? loop : instance();
    }

    /** Returns the process-wide loop, creating it on first use (exactly once, even under races). */
    public static IOLoop instance() {
        IOLoop loop = INSTANCE.get();
        if (loop == null) {
            synchronized (INSTANCE_LOCK) {
                loop = INSTANCE.get();
                if (loop == null) {
                    loop = new IOLoop();
                    INSTANCE.set(loop);
                }
            }
        }
        return loop;
    }

    /** Returns whether a global instance exists (Tornado's {@code initialized()}). */
    public static boolean initialized() {
        return INSTANCE.get() != null;
    }

    /**
     * Makes this loop the global {@link #instance()}.
     *
     * @throws IllegalStateException if another loop is installed
     */
    public void install() {
        synchronized (INSTANCE_LOCK) {
            IOLoop installed = INSTANCE.get();
            if (installed != null && installed != this) {
                throw new IllegalStateException("another IOLoop is already installed as the instance: "
                        + installed + " (call IOLoop.clearInstance() first)");
            }
            INSTANCE.set(this);
        }
    }

    /** Forgets the global instance without closing it. */
    public static void clearInstance() {
        synchronized (INSTANCE_LOCK) {
            INSTANCE.set(null);
        }
    }

    /**
     * Forgets the global instance only if it is {@code expected}, atomically; for a framework that installed
     * {@code expected} and must not clear another one installed since.
     *
     * @return whether {@code expected} was the instance
     */
    public static boolean clearInstance(IOLoop expected) {
        return INSTANCE.compareAndSet(expected, null);
    }

    /** Makes this loop the calling thread's current loop. */
    public void makeCurrent() {
        CURRENT.set(this);
    }

    /** Clears the calling thread's current loop. */
    public static void clearCurrent() {
        CURRENT.remove();
    }

    // ---------------------------------------------------------------- handlers

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
        Objects.requireNonNull(channel, "channel");
        Objects.requireNonNull(handler, "handler");
        checkEvents(channel, events);
        if (handlers.containsKey(channel)) {
            throw new IllegalArgumentException("channel already registered: " + channel);
        }
        if (channel.isBlocking()) {
            throw new IllegalArgumentException("channel is in blocking mode (call configureBlocking(false) first): "
                    + channel);
        }
        Registration registration = new Registration(channel, handler, events);
        try {
            registration.key = poller.register(channel, events, registration);
        } catch (ClosedChannelException e) {
            throw new IllegalArgumentException("channel is closed: " + channel, e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot register " + channel + " with poller " + poller.name(), e);
        }
        handlers.put(channel, registration);
        stats.handlers(handlers.size());
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
        Objects.requireNonNull(channel, "channel");
        Registration registration = handlers.get(channel);
        if (registration == null) {
            throw new IllegalArgumentException("channel not registered: " + channel);
        }
        checkEvents(channel, events);
        registration.events = events;
        registration.key.interest(events);
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
        if (channel == null) {
            return false;
        }
        Registration registration = handlers.remove(channel);
        if (registration == null) {
            return false;
        }
        registration.removed = true;
        registration.key.cancel();
        stats.handlers(handlers.size());
        return true;
    }

    /**
     * Lists the registered handlers. Safe from any thread: the list is a fresh copy, weakly consistent with a
     * loop that is changing it.
     */
    public List<HandlerInfo> handlers() {
        List<HandlerInfo> list = new ArrayList<>(handlers.size());
        for (Registration r : handlers.values()) {
            list.add(new HandlerInfo(r.channel, r.handler, r.events));
        }
        return list;
    }

    // ---------------------------------------------------------------- running

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
        if (!RUNNING.compareAndSet(this, false, true)) {
            throw new IllegalStateException("IOLoop is already running: " + name);
        }
        if (stopRequested) {
            stopRequested = false;
            running = false;
            return;
        }
        IOLoop previous = enter();
        try {
            while (iterate(-1, true)) {
                // each iteration is documented on the class
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
     * @throws IllegalStateException if the loop is running or closed
     */
    public int runOnce(Duration maxWait) {
        checkOpen();
        long cap = maxWait.toNanos();
        if (cap < 0) {
            throw new IllegalArgumentException("maxWait must be >= 0: " + maxWait);
        }
        if (!RUNNING.compareAndSet(this, false, true)) {
            throw new IllegalStateException("IOLoop is already running: " + name);
        }
        IOLoop previous = enter();
        try {
            hot.workDone = 0;
            iterate(cap, false);
            return hot.workDone;
        } finally {
            exit(previous);
        }
    }

    private IOLoop enter() {
        IOLoop previous = CURRENT.get();
        CURRENT.set(this);
        thread = Thread.currentThread();
        stats.stretchStartNanos = nonZero(System.nanoTime());
        if (watched) {
            Watchdog.wakeIfDormant(); // a stretch begins: a dormant watchdog must look again
        } else if (blockedThresholdNanos > 0) {
            // Once per loop (until close), not per start: runOnce steps must not pay for it each time.
            watched = true;
            Watchdog.get().watch(this);
        }
        return previous;
    }

    private void exit(IOLoop previous) {
        long start = stats.stretchStartNanos;
        if (start != 0) {
            stats.busy(System.nanoTime() - start);
        }
        stats.stretchStartNanos = 0;
        stats.sleepStartNanos = 0;
        thread = null;
        // set(null) rather than remove(): keeping the thread-local entry spares runOnce an allocation per step.
        CURRENT.set(previous);
        running = false;
    }

    /**
     * One iteration; returns {@code false} when the loop must leave at step 4.
     *
     * @param pollCapNanos the longest poll, or a negative value for no cap
     */
    private boolean iterate(long pollCapNanos, boolean honourStop) {
        // 1. Only callbacks queued now run in this iteration: those from other threads up to the producer index seen
        //    here join the loop's own ring, after the loop-thread callbacks already in it; later ones wait for the
        //    next iteration.
        //    The iteration's one clock read (step 2's) is taken just before, so that it also bounds when the
        //    callbacks the drain leaves behind were enqueued (see LatencyListener).
        long now = clock.getAsLong();
        LatencyListener listener = latencyListener;
        long drainStart = listener != null ? now : NO_STAMP;
        int drained = remoteCallbacks.drainTo(callbacks, drainStart);
        hot.drainedRemote = drained > 0;
        int callbackCount = callbacks.size();

        // 2. Collect the timeouts due at the clock read above.
        int dueCount = collectDueTimeouts(now);

        // 3. Callbacks in FIFO order, then timeouts in (deadline, insertion) order.
        long latency = -1;
        int firstRemote = listener != null && drained > 0 ? callbackCount - drained : callbackCount;
        for (int i = 0; i < callbackCount; i++) {
            Runnable task = callbacks.poll();
            if (i >= firstRemote && (i == firstRemote || i == callbackCount - 1)) {
                latency = Math.max(latency, remoteCallbackLatency(i == firstRemote, i == callbackCount - 1, drainStart));
            }
            runTask(task);
        }
        int timeoutsRun = 0;
        for (int i = 0; i < dueCount; i++) {
            TimeoutImpl timeout = due[i];
            due[i] = null;
            if (!timeout.markRun()) {
                continue; // cancelled by an earlier callback or timeout of this step
            }
            if (listener != null) {
                latency = Math.max(latency, clock.getAsLong() - timeout.deadline());
            }
            timeoutsRun++;
            runTask(timeout.callback);
        }
        stats.ran(callbackCount, timeoutsRun);
        int work = callbackCount + timeoutsRun;

        // 4. stop() takes effect here: the callbacks and due timeouts above still ran.
        if (honourStop && stopRequested) {
            emitLatency(listener, latency, work);
            return false;
        }

        // 5. Poll.
        long timeout = pollTimeout(pollCapNanos);
        long pollStart = System.nanoTime();
        stats.busy(pollStart - stats.stretchStartNanos);
        stats.stretchStartNanos = 0;
        if (timeout != 0 && hot.drainedRemote) {
            // Other threads handed work in last iteration: they may have more in a moment. Waiting a few
            // microseconds here costs less than the wakeup syscall each of their next callbacks would pay.
            timeout = spinForRemoteCallbacks(pollStart) ? 0 : timeout;
        }
        if (timeout != 0) {
            stats.sleepStartNanos = nonZero(pollStart);
            SLEEPING.setVolatile(this, true);
            // Re-check after announcing the sleep: a producer that enqueued before it saw no sleeper to wake.
            if (!remoteCallbacks.isEmpty() || (honourStop && stopRequested)) {
                timeout = 0;
            }
        }
        hot.readyCount = 0;
        try {
            poller.poll(timeout, readySink);
        } catch (IOException e) {
            throw new UncheckedIOException("poller " + poller.name() + " failed", e);
        } finally {
            if (timeout != 0) {
                SLEEPING.setVolatile(this, false);
            }
            long pollEnd = System.nanoTime();
            stats.sleepStartNanos = 0;
            stats.idle(pollEnd - pollStart);
            stats.stretchStartNanos = nonZero(pollEnd);
            if (watched) {
                Watchdog.wakeIfDormant(); // after the volatile write above: see Watchdog's class comment
            }
        }

        // 6. Dispatch each ready channel once.
        int n = hot.readyCount;
        int dispatched = 0;
        if (n > 0) {
            long pollReturn = listener != null ? clock.getAsLong() : 0;
            for (int i = 0; i < n; i++) {
                Registration registration = ready[i];
                ready[i] = null;
                int events = readyEvents[i] & (registration.events | ERROR);
                if (registration.removed || events == 0 || !registration.key.isValid()) {
                    continue; // removed (or closed) by an earlier handler of this dispatch
                }
                if (listener != null && i == n - 1) {
                    // Every event became ready when poll returned; the last one waited longest.
                    latency = Math.max(latency, clock.getAsLong() - pollReturn);
                }
                dispatched++;
                dispatch(registration, events);
            }
            hot.readyCount = 0;
        }
        stats.iteration(dispatched);
        hot.workDone += work + dispatched;
        emitLatency(listener, latency, work + dispatched);
        return true;
    }

    /**
     * The latency of the cross-thread callbacks of this iteration, read at the start of the first or last of them:
     * the first is the oldest (its wait is measured from its enqueue stamp, or a bound one drain early); the last
     * waited behind all the others since at least the drain. Reading the clock for these two instead of in every
     * {@code addCallback} and before every callback is what keeps a measured hand-off as cheap as an unmeasured one.
     */
    private long remoteCallbackLatency(boolean first, boolean last, long drainStart) {
        long start = clock.getAsLong();
        long latency = -1;
        if (first) {
            long enqueued = remoteCallbacks.headStamp();
            if (enqueued != NO_STAMP) {
                latency = start - enqueued;
            }
        }
        if (last && drainStart != NO_STAMP) {
            latency = Math.max(latency, start - drainStart);
        }
        return latency;
    }

    private boolean spinForRemoteCallbacks(long startNanos) {
        for (int i = 0; ; i++) {
            if (!remoteCallbacks.isEmpty()) {
                return true;
            }
            if ((i & 63) == 63 && System.nanoTime() - startNanos > SPIN_BEFORE_SLEEP_NANOS) {
                return false;
            }
            Thread.onSpinWait();
        }
    }

    private void onReady(Object attachment, int events) {
        int i = hot.readyCount;
        if (i == ready.length) {
            ready = Arrays.copyOf(ready, i * 2);
            readyEvents = Arrays.copyOf(readyEvents, i * 2);
        }
        ready[i] = (Registration) attachment;
        readyEvents[i] = events;
        hot.readyCount = i + 1;
    }

    @SuppressWarnings("unchecked")
    private void dispatch(Registration registration, int events) {
        try {
            ((FdHandler<SelectableChannel>) registration.handler).handle(registration.channel, events);
            if (registration.failures != 0) {
                registration.failures = 0;
            }
        } catch (Exception e) {
            handleError(registration.handler, e);
            if (handlerFailureLimit > 0 && ++registration.failures >= handlerFailureLimit) {
                closeFailingChannel(registration, e);
            }
        }
    }

    /**
     * The handler failure policy: a handler that failed {@link #handlerFailureLimit} times in a row would, on a
     * level-triggered loop, be called again on every iteration for as long as its channel stays ready, burning
     * the loop thread. Its channel is taken off the loop and closed instead, which costs only that channel.
     */
    private void closeFailingChannel(Registration registration, Exception last) {
        SelectableChannel channel = registration.channel;
        if (registration.removed || handlers.get(channel) != registration) {
            return; // the handler removed (or replaced) its own registration while failing
        }
        removeHandler(channel);
        stats.handlerClosed();
        Exception closeFailure = null;
        try {
            channel.close();
        } catch (IOException e) {
            closeFailure = e;
        }
        long heldBack = closeLogLimiter.admit(registration.handler.getClass(), last.getClass(), System.nanoTime());
        if (heldBack >= 0) {
            log.warn("IOLoop '{}' closed {}: its handler {} failed {} times in a row (last: {}){}{}", name, channel,
                    registration.handler, registration.failures, last,
                    heldBack > 0 ? "; " + heldBack + " similar closes since the last report were not logged" : "",
                    closeFailure != null ? "; closing it failed: " + closeFailure : "");
        }
    }

    private void runTask(Runnable task) {
        try {
            task.run();
        } catch (Exception e) {
            handleError(task, e);
        }
    }

    private void emitLatency(LatencyListener listener, long latency, int work) {
        if (listener == null || work == 0 || latency < 0) {
            return;
        }
        stats.latencySample();
        try {
            listener.onLatency(latency);
        } catch (Exception e) {
            handleError(listener, e);
        }
    }

    private long pollTimeout(long capNanos) {
        if (callbacks.size() > 0 || !remoteCallbacks.isEmpty()) {
            return 0;
        }
        long timeout = capNanos;
        TimerHeap.Entry first = timers.peek();
        if (first != null) {
            long untilDeadline = Math.max(0, ((TimeoutImpl) first).deadline() - clock.getAsLong());
            timeout = timeout < 0 ? untilDeadline : Math.min(timeout, untilDeadline);
        }
        return timeout;
    }

    private int collectDueTimeouts(long now) {
        int cancelled = cancelledInHeap.get();
        if (cancelled > CANCELLED_COMPACT_MIN && cancelled > timers.size() / 2) {
            // Tornado's rule: once cancelled timeouts pass 512 and half the heap, rebuild without them so a
            // workload that adds and cancels far-future timeouts from other threads keeps memory bounded.
            timers.removeIf(e -> ((TimeoutImpl) e).isCancelled());
            cancelledInHeap.set(0);
        }
        int count = 0;
        TimerHeap.Entry first;
        while ((first = timers.peek()) != null && ((TimeoutImpl) first).deadline() - now <= 0) {
            timers.poll();
            TimeoutImpl timeout = (TimeoutImpl) first;
            if (timeout.isCancelled()) {
                decrementCancelled();
                continue;
            }
            if (count == due.length) {
                due = Arrays.copyOf(due, count * 2);
            }
            due[count++] = timeout;
        }
        return count;
    }

    private void decrementCancelled() {
        if (cancelledInHeap.get() > 0) {
            cancelledInHeap.decrementAndGet();
        }
    }

    /**
     * Stops the loop after the current iteration's callbacks and due timeouts (step 4). Safe from any thread;
     * wakes a sleeping loop promptly. Called while the loop is not running, the next {@link #start()} returns
     * at once.
     */
    public void stop() {
        stopRequested = true;
        wakeUp();
    }

    /** Returns whether {@link #start()} (or {@link #runOnce}) is running on some thread. Safe from any thread. */
    public boolean isRunning() {
        return running;
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
     * the stage's value.
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
        Objects.requireNonNull(fn, "fn");
        checkOpen();
        if (isRunning()) {
            throw new IllegalStateException("IOLoop is already running: runSync cannot be nested (" + name + ")");
        }
        return new RunSync<T>(this, fn, timeout).run();
    }

    /** Releases the poller; registered channels stay open. Same as {@code close(false)}. */
    @Override
    public void close() {
        close(false);
    }

    /**
     * Releases the poller and the default executor the loop created itself; with {@code allChannels} also
     * closes every registered channel (Tornado's {@code close(all_fds)}). A second call does nothing. After
     * close, {@code addCallback} drops callbacks silently, {@code execute} throws
     * {@link RejectedExecutionException}, and other methods throw {@code IllegalStateException("IOLoop is
     * closed")}.
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
        if (watched) {
            Watchdog.get().unwatch(this);
            watched = false;
        }
        for (Registration registration : handlers.values()) {
            registration.removed = true;
            registration.key.cancel();
            if (allChannels) {
                try {
                    registration.channel.close();
                } catch (IOException e) {
                    log.debug("Failed to close {} while closing IOLoop '{}'", registration.channel, name, e);
                }
            }
        }
        handlers.clear();
        stats.handlers(0);
        try {
            poller.close();
        } catch (IOException e) {
            log.warn("Failed to close poller {} of IOLoop '{}'", poller.name(), name, e);
        }
        timers.clear();
        callbacks.clear();
        remoteCallbacks.clear();
        defaultExecutor.shutdownOwn();
    }

    /** Returns whether {@link #close()} was called. */
    public boolean isClosed() {
        return closed;
    }

    // ---------------------------------------------------------------- time and timeouts

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
        TimeoutImpl timeout = new TimeoutImpl(this, deadlineNanos, hot.timerSequence++, callback);
        timers.add(timeout);
        return timeout;
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

    void timeoutCancelled(TimeoutImpl timeout) {
        Thread t = thread;
        if (t == Thread.currentThread() || (t == null && !closed)) {
            // On the loop (or while it is not running): remove now, O(log n).
            timers.remove(timeout);
        } else if (timeout.inHeap()) {
            // Another thread may not touch the heap: leave a tombstone that step 2 drops or compacts.
            cancelledInHeap.incrementAndGet();
        }
    }

    // ---------------------------------------------------------------- callbacks

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
            callbacks.add(callback);
            return;
        }
        remoteCallbacks.offer(callback, latencyListener != null ? clock : null);
        wakeUp();
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

    private void wakeUp() {
        // At most one wakeup per sleep: only the caller that flips "sleeping" pays for the syscall.
        if (sleeping && SLEEPING.compareAndSet(this, true, false)) {
            poller.wakeup();
        }
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
     * thread</b> with its result (Tornado's {@code run_in_executor}). If the loop is closed before {@code fn}
     * finishes, the future completes on the executor's thread instead of never.
     *
     * @param executor where to run {@code fn}, or {@code null} for the default executor
     * @throws RejectedExecutionException if the executor refuses the task
     */
    public <T> CompletableFuture<T> runInExecutor(Executor executor, Callable<T> fn) {
        Objects.requireNonNull(fn, "fn");
        Executor target = executor != null ? executor : defaultExecutor.get();
        CompletableFuture<T> result = new CompletableFuture<>();
        target.execute(() -> {
            T value = null;
            Throwable failure = null;
            try {
                value = fn.call();
            } catch (Throwable t) {
                failure = t;
            }
            T v = value;
            Throwable f = failure;
            Runnable complete = () -> {
                if (f == null) {
                    result.complete(v);
                } else {
                    result.completeExceptionally(f);
                }
            };
            if (closed) {
                complete.run();
            } else {
                addCallback(complete);
            }
        });
        return result;
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

    // ---------------------------------------------------------------- errors, listeners, identity

    /** Reports a failure of user code to the error handler, counting it; loop thread only. */
    void reportError(Object source, Exception error) {
        handleError(source, error);
    }

    private void handleError(Object source, Exception error) {
        stats.error();
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

    /** Sets (or with {@code null} removes) the latency listener; safe from any thread. */
    public void setLatencyListener(LatencyListener listener) {
        this.latencyListener = listener;
    }

    /** Sets (or with {@code null} removes) the blocked-loop listener; safe from any thread. */
    public void setBlockedListener(BlockedLoopListener listener) {
        this.blockedListener = listener;
    }

    BlockedLoopListener blockedListener() {
        return blockedListener;
    }

    /** Returns the handler failure limit ({@link Builder#handlerFailureLimit}); 0 when the policy is off. */
    public int handlerFailureLimit() {
        return handlerFailureLimit;
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

    long pendingCallbacks() {
        return callbacks.size() + remoteCallbacks.size();
    }

    /** Entries in the timer heap, tombstones of cross-thread cancels included; for tests. */
    int timerHeapSize() {
        return timers.size();
    }

    long pendingTimeouts() {
        return Math.max(0, timers.size() - cancelledInHeap.get());
    }

    @Override
    public String toString() {
        return "IOLoop[" + name + ", poller=" + poller.name() + (running ? ", running" : "")
                + (closed ? ", closed" : "") + "]";
    }

    /** Returns event bits as text, for example {@code "READ|WRITE"}, {@code "NONE"}. */
    public static String eventNames(int events) {
        if (events == NONE) {
            return "NONE";
        }
        StringBuilder sb = new StringBuilder();
        if ((events & READ) != 0) {
            sb.append("READ");
        }
        if ((events & WRITE) != 0) {
            sb.append(sb.length() > 0 ? "|" : "").append("WRITE");
        }
        if ((events & ERROR) != 0) {
            sb.append(sb.length() > 0 ? "|" : "").append("ERROR");
        }
        int unknown = events & ~(READ | WRITE | ERROR);
        if (unknown != 0) {
            sb.append(sb.length() > 0 ? "|" : "").append("0x").append(Integer.toHexString(unknown));
        }
        return sb.toString();
    }

    private void checkThread(String method) {
        Thread t = thread;
        if (t != null && t != Thread.currentThread()) {
            throw new IllegalStateException(method + " called from thread " + Thread.currentThread().getName()
                    + " while IOLoop '" + name + "' runs on " + t.getName()
                    + ": use addCallback to run it on the loop thread");
        }
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("IOLoop is closed");
        }
    }

    private static void checkEvents(SelectableChannel channel, int events) {
        if ((events & ~(READ | WRITE | ERROR)) != 0) {
            throw new IllegalArgumentException("unknown event bits 0x" + Integer.toHexString(events)
                    + " (use IOLoop.READ, WRITE, ERROR)");
        }
        int valid = channel.validOps();
        if ((events & READ) != 0 && (valid & (SelectionKey.OP_READ | SelectionKey.OP_ACCEPT)) == 0) {
            throw new IllegalArgumentException("READ is not supported by " + channel.getClass().getName());
        }
        if ((events & WRITE) != 0 && (valid & (SelectionKey.OP_WRITE | SelectionKey.OP_CONNECT)) == 0) {
            throw new IllegalArgumentException("WRITE is not supported by " + channel.getClass().getName());
        }
    }

    private static long nonZero(long nanos) {
        return nanos == 0 ? 1 : nanos;
    }

    @SuppressWarnings("unused")
    private static class PadBefore {
        long p0, p1, p2, p3, p4, p5, p6, p7;
    }

    private static class HotFieldsBody extends PadBefore {
        int readyCount;
        int workDone;
        boolean drainedRemote;
        long timerSequence;
    }

    @SuppressWarnings("unused")
    private static final class HotFields extends HotFieldsBody {
        long q0, q1, q2, q3, q4, q5, q6, q7;
    }

    /** One channel's handler; {@code removed} is checked before each dispatch. */
    private static final class Registration {
        final SelectableChannel channel;
        final FdHandler<?> handler;
        volatile int events;
        Poller.Key key;
        boolean removed;
        /** Consecutive failed calls of the handler; loop thread only. */
        int failures;

        Registration(SelectableChannel channel, FdHandler<?> handler, int events) {
            this.channel = channel;
            this.handler = handler;
            this.events = events;
        }
    }

    /**
     * Options for a new {@link IOLoop} (Tornado's {@code configure}). Every option has a default, so
     * {@code IOLoop.builder().build()} equals {@code new IOLoop()}.
     */
    public static final class Builder {
        private String name;
        private String poller = Pollers.DEFAULT;
        private LongSupplier clock;
        private ErrorHandler errorHandler;
        private Executor defaultExecutor;
        private LatencyListener latencyListener;
        private BlockedLoopListener blockedListener;
        private Duration blockedThreshold = Duration.ofSeconds(1);
        private int handlerFailureLimit = DEFAULT_HANDLER_FAILURE_LIMIT;

        private Builder() {
        }

        /** Sets the loop's name, used in logs, metric tags and thread names (default {@code ioloop-N}). */
        public Builder name(String name) {
            Objects.requireNonNull(name, "name");
            if (name.isBlank()) {
                throw new IllegalArgumentException("name must not be blank: '" + name + "'");
            }
            this.name = name;
            return this;
        }

        /**
         * Chooses the poller backend by name (default {@code "selector"}); see
         * {@link dev.ioloop.poller.Pollers#available()}. An unknown name fails in {@link #build()} with the list
         * of available ones.
         */
        public Builder poller(String name) {
            this.poller = Objects.requireNonNull(name, "poller");
            return this;
        }

        /**
         * Sets the clock of {@link IOLoop#time()} and of timeouts, in nanoseconds (default
         * {@link System#nanoTime()}); for tests. It must be monotonic and safe from any thread.
         */
        public Builder clock(LongSupplier nanoClock) {
            this.clock = Objects.requireNonNull(nanoClock, "clock");
            return this;
        }

        /** Sets the error handler (default {@link ErrorHandler#logging()}). */
        public Builder errorHandler(ErrorHandler handler) {
            this.errorHandler = Objects.requireNonNull(handler, "errorHandler");
            return this;
        }

        /**
         * Sets the executor of {@link IOLoop#runInExecutor} with {@code null} (default: a pool of 5 x CPUs
         * daemon threads, created on first use and shut down by {@link IOLoop#close()}).
         */
        public Builder defaultExecutor(Executor executor) {
            this.defaultExecutor = Objects.requireNonNull(executor, "defaultExecutor");
            return this;
        }

        /** Sets the listener of loop-latency samples (default none); see {@link LatencyListener}. */
        public Builder latencyListener(LatencyListener listener) {
            this.latencyListener = listener;
            return this;
        }

        /**
         * Sets how many times in a row an {@link FdHandler} may throw before the loop takes its channel off the
         * loop and closes it (default {@value IOLoop#DEFAULT_HANDLER_FAILURE_LIMIT}); 0 turns the policy off.
         *
         * <p>Why: the loop is level-triggered, so a handler that throws before it consumes its channel's
         * readiness is called again on the next iteration, and the next, spinning the loop thread for as long as
         * the channel stays ready. Every failure still goes to the {@linkplain #errorHandler error handler} first;
         * a call that returns normally resets the count. When the limit is reached the loop removes the handler,
         * closes the channel, counts it in {@link IOLoopStats#handlersClosed()} and logs one WARN (rate-limited
         * like the error log). With 0 the loop behaves like Tornado and calls a failing handler forever. A
         * handler whose failures are expected and transient (e.g. {@code accept} failing with "Too many open
         * files") should catch them itself rather than rely on this policy.
         *
         * @param limit consecutive failures, {@code >= 0}
         * @throws IllegalArgumentException if {@code limit} is negative
         */
        public Builder handlerFailureLimit(int limit) {
            if (limit < 0) {
                throw new IllegalArgumentException("handlerFailureLimit must be >= 0 (0 turns it off): " + limit);
            }
            this.handlerFailureLimit = limit;
            return this;
        }

        /** Sets the listener told of blocked stretches (default none: they are logged and counted). */
        public Builder blockedListener(BlockedLoopListener listener) {
            this.blockedListener = listener;
            return this;
        }

        /**
         * Sets how long one stretch of work between two polls may run before the watchdog logs the loop
         * thread's stack and counts it (default 1 s); {@link Duration#ZERO} turns the watchdog off.
         * A stretch is reported within about the threshold (plus a quarter of it). The watchdog thread
         * checks every quarter threshold while a loop works, and sleeps without a deadline once every loop
         * has been idle for a threshold (the loop wakes it when poll returns), so an idle process pays no
         * periodic wakeups for it.
         *
         * @throws IllegalArgumentException if negative
         */
        public Builder blockedThreshold(Duration threshold) {
            Objects.requireNonNull(threshold, "blockedThreshold");
            if (threshold.isNegative()) {
                throw new IllegalArgumentException("blockedThreshold must be >= 0: " + threshold);
            }
            this.blockedThreshold = threshold;
            return this;
        }

        /**
         * Builds the loop and opens its poller.
         *
         * @throws IllegalArgumentException if the poller name is unknown (the message lists available ones)
         * @throws UncheckedIOException if the poller cannot be opened
         */
        public IOLoop build() {
            return new IOLoop(this);
        }
    }
}
