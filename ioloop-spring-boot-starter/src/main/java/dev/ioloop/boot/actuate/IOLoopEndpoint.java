package dev.ioloop.boot.actuate;

import dev.ioloop.HandlerInfo;
import dev.ioloop.IOLoop;
import dev.ioloop.IOLoopStats;
import dev.ioloop.boot.IoHandlerRegistrar;
import dev.ioloop.boot.IoHandlerRegistration;
import java.io.IOException;
import java.net.SocketAddress;
import java.nio.channels.DatagramChannel;
import java.nio.channels.NetworkChannel;
import java.nio.channels.Pipe;
import java.nio.channels.SelectableChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.Arrays;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;

/**
 * Read-only actuator endpoint {@code ioloop} ({@code /actuator/ioloop}) that shows what the application's
 * {@link IOLoop} is doing: its name, poller and thread, whether it runs, each registered channel (type,
 * addresses, interest, and the {@code @IoHandler} bean or handler class), the pending callbacks and timeouts,
 * and its counters. Everything it reads is safe from any thread and never blocks the loop.
 */
@Endpoint(id = "ioloop")
public class IOLoopEndpoint {

    private final IOLoop loop;
    private final List<IOLoop> others;
    private final @Nullable IoHandlerRegistrar registrar;

    /**
     * Creates the endpoint.
     *
     * @param loop the loop to describe
     * @param registrar that knows which bean handles which channel, or {@code null}
     */
    public IOLoopEndpoint(IOLoop loop, @Nullable IoHandlerRegistrar registrar) {
        this(loop, registrar, List.of());
    }

    /**
     * Creates the endpoint of a group's loops: {@code loop} and, under {@code otherLoops}, the others.
     *
     * @param loop the first loop
     * @param registrar the {@code @IoHandler} registrations, to name their channels, or {@code null}
     * @param others the group's other loops
     */
    public IOLoopEndpoint(IOLoop loop, @Nullable IoHandlerRegistrar registrar, List<IOLoop> others) {
        this.loop = loop;
        this.registrar = registrar;
        this.others = List.copyOf(others);
    }

    /** Describes the loop now (and, with a group, its other loops under {@code otherLoops}). */
    @ReadOperation
    public LoopDescriptor loop() {
        return describe(loop, others.stream().map(l -> describe(l, List.of())).toList());
    }

    private LoopDescriptor describe(IOLoop loop, List<LoopDescriptor> otherLoops) {
        IOLoopStats stats = loop.stats();
        Thread thread = loop.thread();
        List<HandlerDescriptor> handlers =
                loop.handlers().stream().map(this::describe).toList();
        Counters counters = new Counters(
                stats.iterations(),
                stats.events(),
                stats.callbacksRun(),
                stats.timeoutsRun(),
                stats.errors(),
                stats.handlersClosed(),
                stats.blocked(),
                stats.latencySamples(),
                stats.busyNanos() / 1_000_000,
                stats.idleNanos() / 1_000_000);
        return new LoopDescriptor(
                loop.name(),
                loop.pollerName(),
                thread != null ? thread.getName() : null,
                loop.isRunning(),
                handlers,
                stats.pendingCallbacks(),
                stats.pendingTimeouts(),
                counters,
                otherLoops);
    }

    private HandlerDescriptor describe(HandlerInfo info) {
        SelectableChannel channel = info.channel();
        IoHandlerRegistration registration = registrar != null ? registrar.registration(channel) : null;
        String handler = registration != null
                ? registration.beanName()
                : info.handler().getClass().getName();
        return new HandlerDescriptor(
                type(channel),
                address(channel, false),
                address(channel, true),
                Arrays.asList(info.eventNames().split("\\|")),
                handler,
                registration != null,
                channel.isOpen(),
                registration != null ? registration.tls() : null);
    }

    private static String type(SelectableChannel channel) {
        for (Class<?> type : List.of(
                ServerSocketChannel.class,
                SocketChannel.class,
                DatagramChannel.class,
                Pipe.SourceChannel.class,
                Pipe.SinkChannel.class)) {
            if (type.isInstance(channel)) {
                return type.getSimpleName();
            }
        }
        return channel.getClass().getName();
    }

    private static @Nullable String address(SelectableChannel channel, boolean remote) {
        try {
            SocketAddress address;
            if (remote) {
                address = channel instanceof SocketChannel socket
                        ? socket.getRemoteAddress()
                        : channel instanceof DatagramChannel datagram ? datagram.getRemoteAddress() : null;
            } else {
                address = channel instanceof NetworkChannel network ? network.getLocalAddress() : null;
            }
            return address != null ? address.toString() : null;
        } catch (IOException e) {
            return null; // closed since it was listed
        }
    }

    /**
     * The loop as the endpoint shows it.
     *
     * @param name the loop's name
     * @param poller the poller backend
     * @param thread the loop thread's name, or {@code null} when the loop is not running
     * @param running whether the loop runs
     * @param handlers the registered channels
     * @param pendingCallbacks callbacks queued and not yet run
     * @param pendingTimeouts timeouts scheduled and neither run nor cancelled
     * @param counters the loop's counters since it was created
     * @param otherLoops with {@code ioloop.loops} above 1, the group's other loops (their own list empty); else
     *     empty
     */
    public record LoopDescriptor(
            String name,
            String poller,
            @Nullable String thread,
            boolean running,
            List<HandlerDescriptor> handlers,
            long pendingCallbacks,
            long pendingTimeouts,
            Counters counters,
            List<LoopDescriptor> otherLoops) {}

    /**
     * One registered channel.
     *
     * @param channel the channel type, for example {@code ServerSocketChannel}
     * @param localAddress the local address, or {@code null} if the channel has none
     * @param remoteAddress the remote address, or {@code null} if the channel has none
     * @param events the interest, as names ({@code READ}, {@code WRITE}, {@code ERROR}, or {@code NONE})
     * @param handler the {@code @IoHandler} bean name, or else the handler's class name
     * @param bean whether {@code handler} is the name of an {@code @IoHandler} bean
     * @param open whether the channel is open
     * @param tls for the listener of an {@code @IoHandler} bean with an {@code sslBundle}: the bundle, the JCA
     *     provider of its TLS ({@code SunJSSE}, {@code Conscrypt}) and the client authentication; else {@code null}
     */
    public record HandlerDescriptor(
            String channel,
            @Nullable String localAddress,
            @Nullable String remoteAddress,
            List<String> events,
            String handler,
            boolean bean,
            boolean open,
            IoHandlerRegistration.@Nullable Tls tls) {}

    /**
     * The loop's counters.
     *
     * @param iterations loop iterations (polls)
     * @param events I/O events dispatched to handlers
     * @param callbacksRun callbacks run
     * @param timeoutsRun timeouts run
     * @param errors exceptions passed to the error handler
     * @param handlersClosed channels the loop closed because their handler failed too many times in a row
     * @param blocked stretches of work the watchdog found blocked
     * @param latencySamples loop-latency samples produced
     * @param busyMillis time spent working, in milliseconds
     * @param idleMillis time spent waiting in poll, in milliseconds
     */
    public record Counters(
            long iterations,
            long events,
            long callbacksRun,
            long timeoutsRun,
            long errors,
            long handlersClosed,
            long blocked,
            long latencySamples,
            long busyMillis,
            long idleMillis) {}
}
