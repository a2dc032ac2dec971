package dev.ioloop.stream;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ioloop.IOLoop;
import dev.ioloop.LoopThread;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * One loop serves a bulk transfer of 1 GiB to a reader that takes 4 KiB per read, and 100 request/response clients
 * at the same time: every request is answered, the round trips stay within a generous bound, and the bulk writer's
 * queued output stays within its water marks. The unloaded latency is measured first on the same loop, and both are
 * printed (RELIABILITY.md records them), after an unmeasured warm-up round.
 */
class IOStreamSlowReaderLoadTests {

    private static final long BULK_BYTES = 1L << 30;
    private static final int CLIENTS = 100;
    private static final int ROUND_TRIPS = 200;
    private static final int SKIPPED = 10;
    private static final Duration P99_BOUND = Duration.ofMillis(250);
    private static final byte[] REQUEST = "ping 0123456789\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    @Test
    @Timeout(180)
    void aGigabyteToASlowReaderDoesNotStallAHundredRequestResponseClients() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(CLIENTS + 1);
        AtomicLong maxQueued = new AtomicLong();
        try (LoopThread lt = LoopThread.start();
                ServerSocketChannel echo = listen();
                ServerSocketChannel bulk = listen()) {
            IOLoop loop = lt.loop;
            lt.call(() -> {
                accept(loop, echo, s -> s.setDataHandler((st, in) -> st.output().put(in)));
                accept(loop, bulk, s -> new BulkWriter(s, maxQueued).pump());
                return null;
            });

            roundTrips(pool, echo, () -> false); // warm-up (JIT), not measured
            long[] unloaded = roundTrips(pool, echo, () -> false);

            Future<Long> received = pool.submit(() -> readSlowly(bulk));
            long[] loaded = roundTrips(pool, echo, () -> !received.isDone());
            assertThat(received.get(150, TimeUnit.SECONDS)).isEqualTo(BULK_BYTES);

            System.out.printf(
                    "SLOW-READER %d clients x at least %d round trips: unloaded p50 %.3f ms p99 %.3f ms;"
                            + " during 1 GiB to a slow reader p50 %.3f ms p99 %.3f ms max %.3f ms;"
                            + " bulk writer queued at most %d bytes%n",
                    CLIENTS,
                    ROUND_TRIPS,
                    pct(unloaded, 50) / 1e6,
                    pct(unloaded, 99) / 1e6,
                    pct(loaded, 50) / 1e6,
                    pct(loaded, 99) / 1e6,
                    pct(loaded, 100) / 1e6,
                    maxQueued.get());
            assertThat(loaded.length).isGreaterThanOrEqualTo(CLIENTS * (ROUND_TRIPS - SKIPPED));
            assertThat(Duration.ofNanos(pct(loaded, 99))).isLessThan(P99_BOUND);
            // The writer waits for isWritable(): at most the high mark plus one write of 64 KiB is ever queued.
            assertThat(maxQueued.get()).isLessThanOrEqualTo(StreamOptions.DEFAULT_WRITE_WATER_MARK_HIGH + 65_536);
        } finally {
            pool.shutdownNow();
            assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
        }
    }

    /** Writes {@link #BULK_BYTES} in 64 KiB writes, each only while the stream is writable, then closes it. */
    private static final class BulkWriter {
        private final IOStream stream;
        private final AtomicLong maxQueued;
        private final byte[] chunk = new byte[65_536];
        private long sent;

        BulkWriter(IOStream stream, AtomicLong maxQueued) {
            this.stream = stream;
            this.maxQueued = maxQueued;
            Arrays.fill(chunk, (byte) 'x');
            stream.setWritabilityListener(writable -> {
                if (writable) {
                    pump();
                }
            });
        }

        void pump() {
            while (sent < BULK_BYTES && stream.isWritable()) {
                stream.write(chunk);
                sent += chunk.length;
                maxQueued.accumulateAndGet(stream.output().queued(), Math::max);
            }
            if (sent == BULK_BYTES) {
                stream.closeGracefully(Duration.ZERO);
            }
        }
    }

    private static long readSlowly(ServerSocketChannel bulk) throws IOException {
        long total = 0;
        try (SocketChannel reader = SocketChannel.open(bulk.getLocalAddress())) {
            ByteBuffer buf = ByteBuffer.allocate(4096);
            int n;
            while ((n = reader.read(buf.clear())) >= 0) {
                total += n;
            }
        }
        return total;
    }

    /**
     * {@link #CLIENTS} clients at once, each doing {@link #ROUND_TRIPS} request/response round trips, and more while
     * {@code more} says so (the bulk transfer runs); returns every round trip's nanoseconds, sorted.
     */
    private static long[] roundTrips(ExecutorService pool, ServerSocketChannel echo, BooleanSupplier more)
            throws Exception {
        List<Future<long[]>> clients = new ArrayList<>();
        CompletableFuture<Void> go = new CompletableFuture<>();
        for (int i = 0; i < CLIENTS; i++) {
            clients.add(pool.submit(() -> {
                try (SocketChannel c = SocketChannel.open(echo.getLocalAddress())) {
                    ByteBuffer reply = ByteBuffer.allocate(REQUEST.length);
                    long[] nanos = new long[ROUND_TRIPS];
                    go.get();
                    int r = 0;
                    for (; r < ROUND_TRIPS || more.getAsBoolean(); r++) {
                        if (r == nanos.length) {
                            nanos = Arrays.copyOf(nanos, r * 2);
                        }
                        long start = System.nanoTime();
                        c.write(ByteBuffer.wrap(REQUEST));
                        reply.clear();
                        while (reply.hasRemaining()) {
                            if (c.read(reply) < 0) {
                                throw new IOException("server closed after " + r + " round trips");
                            }
                        }
                        nanos[r] = System.nanoTime() - start;
                        assertThat(reply.array()).isEqualTo(REQUEST);
                    }
                    // The first round trips overlap the 100 connects: left out, so both phases measure steady state.
                    return Arrays.copyOfRange(nanos, SKIPPED, r);
                }
            }));
        }
        go.complete(null);
        long[] all = new long[0];
        for (Future<long[]> f : clients) {
            long[] n = f.get(120, TimeUnit.SECONDS);
            int at = all.length;
            all = Arrays.copyOf(all, at + n.length);
            System.arraycopy(n, 0, all, at, n.length);
        }
        Arrays.sort(all);
        return all;
    }

    private static long pct(long[] sorted, int p) {
        return sorted[Math.min(sorted.length - 1, (int) ((long) sorted.length * p / 100))];
    }

    private static ServerSocketChannel listen() throws IOException {
        ServerSocketChannel s = ServerSocketChannel.open();
        s.bind(new InetSocketAddress("127.0.0.1", 0), 256);
        s.configureBlocking(false);
        return s;
    }

    private static void accept(IOLoop loop, ServerSocketChannel server, Consumer<IOStream> onStream) {
        loop.addHandler(
                server,
                (ch, events) -> {
                    SocketChannel c;
                    while ((c = ch.accept()) != null) {
                        onStream.accept(IOStream.of(loop, c));
                    }
                },
                IOLoop.READ);
    }
}
