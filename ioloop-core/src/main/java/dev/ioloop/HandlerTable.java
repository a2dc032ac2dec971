package dev.ioloop;

import dev.ioloop.poller.Poller;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The loop's channels: the table of registrations with the poller, the ready list of one poll, the dispatch of
 * ready events to handlers, and the failing-handler policy.
 *
 * <p>Dispatch calls each ready channel's handler once with one combined mask, never with an event outside the
 * channel's interest but {@code ERROR}, and skips a channel removed (or closed) earlier in the same dispatch,
 * even if it was added again since. A handler that throws {@code failureLimit} times in a row has its channel
 * taken off the loop and closed: on a level-triggered loop it would otherwise be called on every iteration for as
 * long as its channel stays ready.
 *
 * <p>Loop thread only (or the one thread using a loop that is not running), except {@link #infos()}, which is
 * weakly consistent from any thread.
 */
final class HandlerTable extends HandlerTableFields implements Poller.ReadyConsumer {

    private static final Logger log = LoggerFactory.getLogger(IOLoop.class);

    @SuppressWarnings("unused") // keeps the loop's stores off the cache line of the next object
    private long q0, q1, q2, q3, q4, q5, q6, q7;

    HandlerTable(IOLoop loop, Poller poller, int failureLimit, LoopCounters counters) {
        super(loop, poller, failureLimit, counters);
    }

    /** Registers {@code handler} for {@code events} on a channel that has no handler here. */
    void add(SelectableChannel channel, FdHandler<?> handler, int events) {
        Objects.requireNonNull(channel, "channel");
        Objects.requireNonNull(handler, "handler");
        checkEvents(channel, events);
        if (registrations.containsKey(channel)) {
            throw new IllegalArgumentException("channel already registered: " + channel);
        }
        if (channel.isBlocking()) {
            throw new IllegalArgumentException(
                    "channel is in blocking mode (call configureBlocking(false) first): " + channel);
        }
        Registration registration = new Registration(channel, handler, events);
        try {
            registration.key = poller.register(channel, events, registration);
        } catch (ClosedChannelException e) {
            throw new IllegalArgumentException("channel is closed: " + channel, e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot register " + channel + " with poller " + poller.name(), e);
        }
        registrations.put(channel, registration);
        counters.handlers(registrations.size());
    }

    /** Changes the interest of a registered channel. */
    void update(SelectableChannel channel, int events) {
        Objects.requireNonNull(channel, "channel");
        Registration registration = registrations.get(channel);
        if (registration == null) {
            throw new IllegalArgumentException("channel not registered: " + channel);
        }
        checkEvents(channel, events);
        registration.events = events;
        registration.key.interest(events);
    }

    /** Deregisters a channel, leaving it open; {@code false} if it had no handler here. */
    boolean remove(SelectableChannel channel) {
        Registration registration = registrations.remove(channel);
        if (registration == null) {
            return false;
        }
        registration.removed = true;
        registration.key.cancel();
        counters.handlers(registrations.size());
        return true;
    }

    /** Lists the registrations; any thread, weakly consistent with a loop that is changing them. */
    List<HandlerInfo> infos() {
        List<HandlerInfo> list = new ArrayList<>(registrations.size());
        for (Registration r : registrations.values()) {
            list.add(new HandlerInfo(r.channel, r.handler, r.events));
        }
        return list;
    }

    /**
     * Polls, collecting the ready channels for {@link #dispatch}: handlers run after the poller has returned,
     * never inside it.
     */
    void poll(long timeoutNanos) throws IOException {
        readyCount = 0;
        poller.poll(timeoutNanos, this);
    }

    @Override
    public void ready(Object attachment, int events) {
        int i = readyCount;
        if (i == ready.length) {
            ready = Arrays.copyOf(ready, i * 2);
            readyEvents = Arrays.copyOf(readyEvents, i * 2);
        }
        ready[i] = (Registration) attachment;
        readyEvents[i] = events;
        readyCount = i + 1;
    }

    /**
     * Dispatches the channels of the last {@link #poll}, each once.
     *
     * @return the number of handler calls
     */
    int dispatch(LatencySampler latency) {
        int n = readyCount;
        if (n == 0) {
            return 0;
        }
        latency.pollReturned();
        int dispatched = 0;
        for (int i = 0; i < n; i++) {
            Registration registration = ready[i];
            ready[i] = null;
            int events = readyEvents[i] & (registration.events | IOLoop.ERROR);
            if (registration.removed || events == 0 || !registration.key.isValid()) {
                continue; // removed (or closed) by an earlier handler of this dispatch
            }
            if (i == n - 1) {
                latency.lastEventStarting();
            }
            dispatched++;
            call(registration, events);
        }
        readyCount = 0;
        return dispatched;
    }

    /** Deregisters every channel, closing them too if {@code closeChannels}; for the loop's close. */
    void clear(boolean closeChannels) {
        for (Registration registration : registrations.values()) {
            registration.removed = true;
            registration.key.cancel();
            if (closeChannels) {
                try {
                    registration.channel.close();
                } catch (IOException e) {
                    log.debug("Failed to close {} while closing IOLoop '{}'", registration.channel, loop.name(), e);
                }
            }
        }
        registrations.clear();
        counters.handlers(0);
    }

    @SuppressWarnings("unchecked")
    private void call(Registration registration, int events) {
        try {
            ((FdHandler<SelectableChannel>) registration.handler).handle(registration.channel, events);
            if (registration.failures != 0) {
                registration.failures = 0;
            }
        } catch (Exception e) {
            loop.reportError(registration.handler, e);
            if (failureLimit > 0 && ++registration.failures >= failureLimit) {
                closeFailing(registration, e);
            }
        }
    }

    private void closeFailing(Registration registration, Exception last) {
        SelectableChannel channel = registration.channel;
        if (registration.removed || registrations.get(channel) != registration) {
            return; // the handler removed (or replaced) its own registration while failing
        }
        remove(channel);
        counters.handlerClosed();
        Exception closeFailure = null;
        try {
            channel.close();
        } catch (IOException e) {
            closeFailure = e;
        }
        long heldBack = closeLogLimiter.admit(registration.handler.getClass(), last.getClass(), System.nanoTime());
        if (heldBack >= 0) {
            log.warn(
                    "IOLoop '{}' closed {}: its handler {} failed {} times in a row (last: {}){}{}",
                    loop.name(),
                    channel,
                    registration.handler,
                    registration.failures,
                    last,
                    heldBack > 0 ? "; " + heldBack + " similar closes since the last report were not logged" : "",
                    closeFailure != null ? "; closing it failed: " + closeFailure : "");
        }
    }

    /**
     * Checks an interest against the loop's event bits and the channel's valid operations.
     *
     * @throws IllegalArgumentException naming the bits or the channel class at fault
     */
    static void checkEvents(SelectableChannel channel, int events) {
        if ((events & ~(IOLoop.READ | IOLoop.WRITE | IOLoop.ERROR)) != 0) {
            throw new IllegalArgumentException(
                    "unknown event bits 0x" + Integer.toHexString(events) + " (use IOLoop.READ, WRITE, ERROR)");
        }
        int valid = channel.validOps();
        if ((events & IOLoop.READ) != 0 && (valid & (SelectionKey.OP_READ | SelectionKey.OP_ACCEPT)) == 0) {
            throw new IllegalArgumentException(
                    "READ is not supported by " + channel.getClass().getName());
        }
        if ((events & IOLoop.WRITE) != 0 && (valid & (SelectionKey.OP_WRITE | SelectionKey.OP_CONNECT)) == 0) {
            throw new IllegalArgumentException(
                    "WRITE is not supported by " + channel.getClass().getName());
        }
    }

    /** Returns event bits as text, for example {@code "READ|WRITE"}, {@code "NONE"}; see {@link IOLoop#eventNames}. */
    static String eventNames(int events) {
        if (events == IOLoop.NONE) {
            return "NONE";
        }
        StringBuilder sb = new StringBuilder();
        append(sb, events, IOLoop.READ, "READ");
        append(sb, events, IOLoop.WRITE, "WRITE");
        append(sb, events, IOLoop.ERROR, "ERROR");
        int unknown = events & ~(IOLoop.READ | IOLoop.WRITE | IOLoop.ERROR);
        if (unknown != 0) {
            sb.append(sb.length() > 0 ? "|" : "").append("0x").append(Integer.toHexString(unknown));
        }
        return sb.toString();
    }

    private static void append(StringBuilder sb, int events, int bit, String name) {
        if ((events & bit) != 0) {
            sb.append(sb.length() > 0 ? "|" : "").append(name);
        }
    }

    /** One channel's handler; {@code removed} is checked before each dispatch. */
    static final class Registration {
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
}

/** The padding before {@link HandlerTable}'s fields; its ready count is written every iteration. */
@SuppressWarnings("unused")
abstract class HandlerTablePad {
    private long p0, p1, p2, p3, p4, p5, p6, p7;
}

/** {@link HandlerTable}'s fields, between two pads. */
abstract class HandlerTableFields extends HandlerTablePad {
    final IOLoop loop;
    final Poller poller;
    final int failureLimit;
    final LoopCounters counters;
    final ConcurrentHashMap<SelectableChannel, HandlerTable.Registration> registrations = new ConcurrentHashMap<>();
    final LogLimiter closeLogLimiter = new LogLimiter(LoggingErrorHandler.QUIET_NANOS);
    // Ready channels of the current poll, collected before dispatch so that handlers run outside the poller.
    HandlerTable.Registration[] ready = new HandlerTable.Registration[64];
    int[] readyEvents = new int[64];
    int readyCount;

    HandlerTableFields(IOLoop loop, Poller poller, int failureLimit, LoopCounters counters) {
        this.loop = loop;
        this.poller = poller;
        this.failureLimit = failureLimit;
        this.counters = counters;
    }
}
