package dev.ioloop.sample;

import dev.ioloop.IOLoop;
import dev.ioloop.IOLoopStats;
import dev.ioloop.Timeout;
import dev.ioloop.boot.IOLoopLifecycle;
import dev.ioloop.sample.resp.ExpiryScheduler;
import dev.ioloop.sample.resp.InfoSource;
import dev.ioloop.sample.resp.Keyspace;
import dev.ioloop.sample.resp.ReplyBuffer;
import dev.ioloop.sample.resp.RespEngine;
import dev.ioloop.stream.IOStream;
import dev.ioloop.stream.StreamOptions;
import java.io.IOException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

/**
 * The RESP server's state on the loop: the keyspace, the engine, the connections, and the buffer all of them
 * read into. Everything here runs on the loop thread except the counters INFO and the lifecycle read.
 *
 * <p>Graceful shutdown ({@link SmartLifecycle}, stopped before the loop itself): stop accepting, stop reading,
 * write every reply already produced, then close each connection; connections still not drained after
 * {@code sample.shutdown-timeout} are closed.
 */
@Component
public class RespServer implements SmartLifecycle, InfoSource {

    private static final Logger log = LoggerFactory.getLogger(RespServer.class);
    /** How long accepting pauses after {@code accept} failed (Netty's choice; Redis retries at once). */
    static final Duration ACCEPT_PAUSE = Duration.ofSeconds(1);

    private final IOLoop loop;
    private final SampleProperties properties;
    private final Keyspace keyspace;
    private final RespEngine engine;
    private final StreamOptions streamOptions;
    /** The replies of one read, encoded here and moved to the connection's stream (loop thread only). */
    private final ReplyBuffer replies = new ReplyBuffer();

    private final Set<RespConnection> connections = new HashSet<>();
    private final AtomicLong totalConnections = new AtomicLong();
    private final AtomicLong rejectedForOutput = new AtomicLong();
    private final AtomicLong acceptPauses = new AtomicLong();
    private long nextClientId = 1;
    private volatile boolean draining;
    private volatile boolean running;
    private CountDownLatch drained;

    RespServer(IOLoop loop, SampleProperties properties, StreamOptions streamOptions) {
        this.loop = loop;
        this.properties = properties;
        this.keyspace = new Keyspace(new LoopExpiryScheduler(loop));
        this.engine = new RespEngine(keyspace, properties.limits(), this);
        this.streamOptions = streamOptions;
    }

    IOLoop loop() {
        return loop;
    }

    RespEngine engine() {
        return engine;
    }

    /** Where the engine encodes the replies of one read, before they move to the connection's stream. */
    ReplyBuffer replies() {
        return replies;
    }

    long outputLimit() {
        return properties.clientOutputBufferLimit().toBytes();
    }

    boolean isDraining() {
        return draining;
    }

    void accept(SocketChannel channel) {
        accept(IOStream.of(loop, channel, streamOptions));
    }

    /** Serves a stream made elsewhere (the TLS port's, whose handshake may still run); loop thread. */
    void accept(IOStream stream) {
        if (draining) {
            stream.close(); // shutting down: no new clients
            return;
        }
        connections.add(new RespConnection(this, stream, nextClientId++));
        totalConnections.incrementAndGet();
    }

    void acceptFailed(SocketChannel channel, Exception e) {
        log.warn("Could not set up connection {}", channel, e);
    }

    /**
     * Stops watching the listening socket for {@link #ACCEPT_PAUSE} after {@code accept} failed, then watches it
     * again if it is still open and on the loop (the starter may have taken it off meanwhile, on shutdown).
     */
    void acceptPaused(ServerSocketChannel listener, IOException e) {
        acceptPauses.incrementAndGet();
        log.warn("accept failed on {}; not accepting for {} ms: {}", listener, ACCEPT_PAUSE.toMillis(), e.toString());
        loop.updateHandler(listener, IOLoop.NONE);
        loop.callLater(ACCEPT_PAUSE, () -> {
            if (listener.isOpen() && loop.handlers().stream().anyMatch(h -> h.channel() == listener)) {
                loop.updateHandler(listener, IOLoop.READ);
            }
        });
    }

    /** Returns how many times accepting was paused because {@code accept} failed. */
    long acceptPauses() {
        return acceptPauses.get();
    }

    void closed(RespConnection connection) {
        connections.remove(connection);
        if (draining && connections.isEmpty() && drained != null) {
            drained.countDown();
        }
    }

    void outputLimitExceeded(RespConnection connection, Object pending) {
        rejectedForOutput.incrementAndGet();
        log.warn(
                "Closing {}: replies pending over sample.client-output-buffer-limit ({}): {}",
                connection,
                properties.clientOutputBufferLimit(),
                pending);
    }

    // ---------------------------------------------------------------- INFO

    @Override
    public Map<String, Map<String, String>> sections() {
        IOLoopStats stats = loop.stats();
        Map<String, String> ioloop = new LinkedHashMap<>();
        ioloop.put("loop_name", loop.name());
        ioloop.put("poller", loop.pollerName());
        ioloop.put("handlers", Long.toString(stats.handlers()));
        ioloop.put("iterations", Long.toString(stats.iterations()));
        ioloop.put("events", Long.toString(stats.events()));
        ioloop.put("callbacks_pending", Long.toString(stats.pendingCallbacks()));
        ioloop.put("timeouts_pending", Long.toString(stats.pendingTimeouts()));
        ioloop.put("errors", Long.toString(stats.errors()));
        ioloop.put("blocked", Long.toString(stats.blocked()));
        ioloop.put("busy_ms", Long.toString(TimeUnit.NANOSECONDS.toMillis(stats.busyNanos())));
        ioloop.put("idle_ms", Long.toString(TimeUnit.NANOSECONDS.toMillis(stats.idleNanos())));
        ioloop.put("handlers_closed", Long.toString(stats.handlersClosed()));
        ioloop.put("clients_closed_for_output_limit", Long.toString(rejectedForOutput.get()));
        ioloop.put("accept_pauses", Long.toString(acceptPauses.get()));
        return Map.of("ioloop", ioloop);
    }

    /**
     * Counts the connections whose stream is open, on the loop thread (where INFO runs): a stream that closed in
     * this iteration is not counted, although its close callback, which forgets it, runs in the next.
     */
    @Override
    public long connectedClients() {
        long open = 0;
        for (RespConnection c : connections) {
            if (c.isOpen()) {
                open++;
            }
        }
        return open;
    }

    @Override
    public long totalConnections() {
        return totalConnections.get();
    }

    // ---------------------------------------------------------------- lifecycle

    @Override
    public void start() {
        draining = false; // started again after a stop (Spring pauses cached test contexts this way)
        running = true;
    }

    @Override
    public void stop() {
        if (!running) {
            return;
        }
        running = false;
        CountDownLatch done = new CountDownLatch(1);
        loop.addCallback(() -> {
            draining = true;
            drained = done;
            if (connections.isEmpty()) {
                done.countDown();
            }
            for (RespConnection connection : Set.copyOf(connections)) {
                connection.drain();
            }
        });
        try {
            if (!done.await(properties.shutdownTimeout().toMillis(), TimeUnit.MILLISECONDS)) {
                log.warn(
                        "Shutdown: connections still had replies pending after {}; closing them",
                        properties.shutdownTimeout());
                CountDownLatch closedAll = new CountDownLatch(1);
                loop.addCallback(() -> {
                    Set.copyOf(connections).forEach(RespConnection::close);
                    closedAll.countDown();
                });
                closedAll.await(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    /** Stops before the loop's own lifecycle ({@link IOLoopLifecycle#PHASE}), which then stops the loop. */
    @Override
    public int getPhase() {
        return IOLoopLifecycle.PHASE + 1024;
    }

    /** Key expiry on the loop's own timers; deadlines in wall-clock milliseconds, as Redis keeps them. */
    private record LoopExpiryScheduler(IOLoop loop) implements ExpiryScheduler {
        @Override
        public long nowMillis() {
            return System.currentTimeMillis(); // wall clock: EXAT/PXAT are Unix times; timers use delays
        }

        @Override
        public Cancellable schedule(long delayMillis, Runnable task) {
            Timeout timeout = loop.callLater(Duration.ofMillis(delayMillis), task);
            return timeout::cancel;
        }
    }
}
