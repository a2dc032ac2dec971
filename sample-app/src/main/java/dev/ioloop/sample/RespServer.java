package dev.ioloop.sample;

import dev.ioloop.IOLoop;
import dev.ioloop.IOLoopStats;
import dev.ioloop.Timeout;
import dev.ioloop.sample.resp.ExpiryScheduler;
import dev.ioloop.sample.resp.InfoSource;
import dev.ioloop.sample.resp.Keyspace;
import dev.ioloop.sample.resp.ReplyBuffer;
import dev.ioloop.sample.resp.RespEngine;
import dev.ioloop.stream.IOStream;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * The RESP server's state: the keyspace, the engine, the connections, and the buffer replies are encoded into.
 *
 * <p>The keyspace belongs to one loop, the owner: the {@code IOLoop} bean (loop 0 of the group when
 * {@code sample.loops} is above 1). Commands run there, one at a time, so every command is atomic as Redis defines it,
 * multi-key ones ({@code MGET}, {@code MSET}, {@code DEL}, {@code KEYS}, {@code FLUSHALL}, {@code MULTI}/{@code EXEC})
 * included. A connection served by another loop reads and writes there, and hops to the owner with each batch of
 * requests it read (Redis 6's I/O threads, with the parsing on the owner too). See {@link RespConnection}.
 *
 * <p>Shutdown is the starter's graceful drain: it stops accepting and asks each connection to finish
 * ({@link RespConnection#drain()}); those still open after {@code ioloop.shutdown-timeout} (set from
 * {@code sample.shutdown-timeout}) are closed.
 */
@Component
public class RespServer implements InfoSource {

    private static final Logger log = LoggerFactory.getLogger(RespServer.class);

    private final IOLoop loop;
    private final SampleProperties properties;
    private final Keyspace keyspace;
    private final RespEngine engine;
    /** The replies of one batch, encoded here and moved out (owner loop only). */
    private final ReplyBuffer replies = new ReplyBuffer();

    private final Set<RespConnection> connections = ConcurrentHashMap.newKeySet();
    private final AtomicLong totalConnections = new AtomicLong();
    private final AtomicLong rejectedForOutput = new AtomicLong();
    private final AtomicLong nextClientId = new AtomicLong(1);

    RespServer(IOLoop loop, SampleProperties properties) {
        this.loop = loop;
        this.properties = properties;
        this.keyspace = new Keyspace(new LoopExpiryScheduler(loop));
        this.engine = new RespEngine(keyspace, properties.limits(), this);
    }

    /** The loop that owns the keyspace and runs every command. */
    IOLoop owner() {
        return loop;
    }

    /** Runs on the owner loop only. */
    RespEngine engine() {
        return engine;
    }

    /** Where the engine encodes the replies of one batch, before they move out (owner loop only). */
    ReplyBuffer replies() {
        return replies;
    }

    long outputLimit() {
        return properties.clientOutputBufferLimit().toBytes();
    }

    /** Serves a new connection, plain or TLS (whose handshake may still run); on the loop that serves it. */
    void accept(IOStream stream) {
        stream.setNoDelay(true); // replies go out at once, as Redis does
        connections.add(new RespConnection(this, stream, nextClientId.getAndIncrement()));
        totalConnections.incrementAndGet();
    }

    void closed(RespConnection connection) {
        connections.remove(connection);
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
        return Map.of("ioloop", ioloop);
    }

    /**
     * Counts the connections whose stream is open (INFO runs on the owner loop; connections live on every loop): a
     * stream that closed is not counted, although its close callback, which forgets it, runs later.
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
