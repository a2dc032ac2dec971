package dev.ioloop.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.awaitility.Awaitility.await;

import dev.ioloop.LoopThread;
import dev.ioloop.TestLoops;
import dev.ioloop.TestTls;
import dev.ioloop.stream.IOStream;
import dev.ioloop.stream.SSLIOStream;
import dev.ioloop.stream.StreamClosedException;
import dev.ioloop.stream.StreamOptions;
import dev.ioloop.testsupport.ProcessResources;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.stream.LongStream;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * 1,000 connections to a TLS {@link TCPServer} that open TCP and never send a ClientHello, while a good TLS client
 * keeps making request/response round trips: each silent connection is ended by the server once its handshake
 * timeout (2 s here) has passed, not before it and not long after, and the good client is served meanwhile with a
 * latency compared against its own on the idle server (measured first, after an unmeasured warm-up). The figures are
 * printed; RELIABILITY.md records them.
 */
class TCPServerTlsSilentClientsTests {

    private static final int SILENT = 1_000;
    private static final Duration HANDSHAKE_TIMEOUT = Duration.ofSeconds(2);
    /** Longest a silent connection may live past its timeout: a stuck loop holds them for much longer. */
    private static final Duration CLOSE_SLACK = Duration.ofSeconds(8);
    /** Round trips of the warm-up, and of the unloaded measurement. */
    private static final int ROUND_TRIPS = 1_000;
    /** The p99 meanwhile must stay under {@code P99_FACTOR} times the unloaded one plus {@code P99_FLOOR}. */
    private static final int P99_FACTOR = 10;

    private static final Duration P99_FLOOR = Duration.ofMillis(100);
    /** Slowest round trip of the good client meanwhile: a stuck loop holds it for 10 s (its read timeout). */
    private static final Duration MAX_BOUND = Duration.ofSeconds(2);
    /**
     * Longest a new client may take to be served among the silent connections: it is accepted after all of them
     * (they were queued first), and a stuck loop holds it for 10 s or more.
     */
    private static final Duration NEW_CLIENT_BOUND = Duration.ofSeconds(5);
    /** Client and server end of every connection are in this JVM; the rest is the JVM's own and the loop's. */
    private static final int FD_HEADROOM = 256;

    private final List<Throwable> handshakeFailures = new CopyOnWriteArrayList<>();
    private final List<Exception> errors = new CopyOnWriteArrayList<>();
    private final AtomicInteger accepted = new AtomicInteger();
    /** When the server was handed the last silent connection (the good client was first). */
    private final AtomicLong allAcceptedNanos = new AtomicLong();

    @Test
    @Timeout(120)
    void aThousandClientsThatNeverSendAHelloAreEachClosedByTheHandshakeTimeoutWhileAGoodClientIsServed()
            throws Exception {
        requireFileDescriptors(2 * (SILENT + 2) + FD_HEADROOM);
        StreamOptions options =
                StreamOptions.builder().handshakeTimeout(HANDSHAKE_TIMEOUT).build();
        List<SocketChannel> silent = new CopyOnWriteArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(2, r -> new Thread(r, "silent-clients-test"));
        try (LoopThread running = LoopThread.start(TestLoops.unwatched()
                .errorHandler((source, error) -> errors.add(error))
                .build())) {
            TCPServer server = new TCPServer(
                    running.loop, this::recordAndEcho, options, TestTls.get().server());
            InetSocketAddress address = running.call(() -> {
                server.listen(new InetSocketAddress(Loopback.V4, 0));
                return new InetSocketAddress(
                        Loopback.V4, Loopback.port(server.boundAddresses().get(0)));
            });

            long[] unloaded;
            long[] loaded;
            long[] lifetimes;
            long newClientNanos;
            long acceptNanos;
            try (GoodClient good = new GoodClient(address)) {
                good.roundTrips(ROUND_TRIPS, () -> true); // warm-up (JIT, the session), not measured
                unloaded = good.roundTrips(ROUND_TRIPS, () -> true);

                long firstConnectNanos = System.nanoTime();
                CompletableFuture<Void> allOpen = new CompletableFuture<>();
                Future<long[]> ends = pool.submit(() -> openAndWatch(address, silent, allOpen));
                // A new client's handshake while the silent connections are waiting for theirs.
                Future<Long> newClient = pool.submit(() -> {
                    allOpen.get(60, TimeUnit.SECONDS);
                    long start = System.nanoTime();
                    try (GoodClient late = new GoodClient(address)) {
                        late.roundTrips(1, () -> true);
                    }
                    return System.nanoTime() - start;
                });
                // From the first silent connect to the server's end of the last one.
                loaded = good.roundTrips(Integer.MAX_VALUE, () -> !ends.isDone());
                lifetimes = ends.get(60, TimeUnit.SECONDS);
                newClientNanos = newClient.get(60, TimeUnit.SECONDS);
                acceptNanos = allAcceptedNanos.get() - firstConnectNanos;
            }

            System.out.printf(
                    "TLS-SILENT %d silent connections, all accepted %.0f ms after the first connect;"
                            + " handshakeTimeout %d ms: each ended by the server %.0f-%.0f ms after its connect;"
                            + " a new TLS client among them: handshake and first round trip %.1f ms;"
                            + " good client round trips unloaded (%d) p50 %.3f ms p99 %.3f ms max %.3f ms,"
                            + " meanwhile (%d) p50 %.3f ms p99 %.3f ms max %.3f ms%n",
                    SILENT,
                    acceptNanos / 1e6,
                    HANDSHAKE_TIMEOUT.toMillis(),
                    pct(lifetimes, 0) / 1e6,
                    pct(lifetimes, 100) / 1e6,
                    newClientNanos / 1e6,
                    unloaded.length,
                    pct(unloaded, 50) / 1e6,
                    pct(unloaded, 99) / 1e6,
                    pct(unloaded, 100) / 1e6,
                    loaded.length,
                    pct(loaded, 50) / 1e6,
                    pct(loaded, 99) / 1e6,
                    pct(loaded, 100) / 1e6);

            assertThat(Duration.ofNanos(pct(lifetimes, 0)))
                    .as("shortest time from connect to the server's end of a silent connection")
                    .isGreaterThanOrEqualTo(HANDSHAKE_TIMEOUT);
            assertThat(Duration.ofNanos(pct(lifetimes, 100)))
                    .as("longest time from connect to the server's end of a silent connection")
                    .isLessThanOrEqualTo(HANDSHAKE_TIMEOUT.plus(CLOSE_SLACK));
            assertThat(handshakeFailures)
                    .hasSize(SILENT)
                    .allSatisfy(failure -> assertThat(failure)
                            .isInstanceOf(StreamClosedException.class)
                            .hasCauseInstanceOf(SSLHandshakeException.class)
                            .cause()
                            .hasMessageContaining("handshakeTimeout"));
            assertThat(Duration.ofNanos(newClientNanos)).isLessThan(NEW_CLIENT_BOUND);
            assertThat(loaded)
                    .as("round trips while the silent connections lived")
                    .isNotEmpty();
            assertThat(pct(loaded, 99))
                    .as("p99 meanwhile against p99 unloaded (%.3f ms), ns", pct(unloaded, 99) / 1e6)
                    .isLessThan(P99_FACTOR * pct(unloaded, 99) + P99_FLOOR.toNanos());
            assertThat(Duration.ofNanos(pct(loaded, 100))).isLessThan(MAX_BOUND);
            await().atMost(Duration.ofSeconds(10)).until(() -> server.counters().open() == 0);
            assertThat(server.counters().opened()).isEqualTo(SILENT + 2);
            assertThat(errors).as("silent peers are not handler errors").isEmpty();
        } finally {
            pool.shutdownNow();
            assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
            for (SocketChannel channel : silent) {
                channel.close();
            }
        }
    }

    /** Records how each stream's handshake ends, if it fails, and echoes lines. */
    private void recordAndEcho(IOStream stream, SocketAddress remote) {
        if (accepted.incrementAndGet() == 1 + SILENT) {
            allAcceptedNanos.set(System.nanoTime());
        }
        ((SSLIOStream) stream).waitForHandshake().whenComplete((s, e) -> {
            if (e != null) {
                handshakeFailures.add(e);
            }
        });
        Echo.echo(stream);
    }

    /**
     * Opens the silent connections, one after the other, then waits on one selector for the server to end each
     * (an end of stream, or a reset); returns for each the time from just before its connect to its end. Anything
     * from the server but TLS alert records (it says goodbye when it can), or a connection the server has not ended
     * 30 s after its timeout, fails the test.
     */
    private static long[] openAndWatch(
            InetSocketAddress address, List<SocketChannel> opened, CompletableFuture<Void> allOpen) throws IOException {
        long[] lifetimes = new long[SILENT];
        try (Selector selector = Selector.open()) {
            for (int i = 0; i < SILENT; i++) {
                long connectNanos = System.nanoTime();
                SocketChannel channel = SocketChannel.open(address);
                opened.add(channel);
                channel.configureBlocking(false);
                channel.register(selector, SelectionKey.OP_READ, new Silent(i, connectNanos));
            }
            allOpen.complete(null);
            ByteBuffer buffer = ByteBuffer.allocate(1024);
            long deadline =
                    System.nanoTime() + HANDSHAKE_TIMEOUT.plusSeconds(30).toNanos();
            int ended = 0;
            while (ended < SILENT
                    && System.nanoTime() < deadline
                    && !Thread.currentThread().isInterrupted()) {
                selector.select(1_000);
                for (SelectionKey key : selector.selectedKeys()) {
                    Silent connection = (Silent) key.attachment();
                    int read;
                    try {
                        read = ((SocketChannel) key.channel()).read(buffer.clear());
                    } catch (IOException reset) {
                        read = -1;
                    }
                    if (read > 0) {
                        connection.received.write(buffer.array(), 0, read);
                    } else if (read < 0) {
                        lifetimes[connection.index] = System.nanoTime() - connection.connectNanos;
                        connection.checkOnlyAlertsReceived();
                        key.cancel();
                        ended++;
                    }
                }
                selector.selectedKeys().clear();
            }
            if (ended < SILENT) {
                throw new AssertionError((SILENT - ended) + " silent connections still open 30 s after the timeout");
            }
        } finally {
            allOpen.complete(null); // also when opening failed, so that the other task does not wait in vain
        }
        return lifetimes;
    }

    /** A silent connection: its number, when it was opened, and what the server sent it. */
    private static final class Silent {

        private static final int ALERT = 21;

        final int index;
        final long connectNanos;
        final ByteArrayOutputStream received = new ByteArrayOutputStream();

        Silent(int index, long connectNanos) {
            this.index = index;
            this.connectNanos = connectNanos;
        }

        /** Checks that the server sent whole TLS records of the alert type only (or nothing). */
        void checkOnlyAlertsReceived() {
            byte[] bytes = received.toByteArray();
            int at = 0;
            while (at < bytes.length) {
                if (bytes[at] != ALERT || at + 5 > bytes.length) {
                    throw new AssertionError("the server sent a silent client more than TLS alerts: "
                            + HexFormat.of().formatHex(bytes));
                }
                at += 5 + ((bytes[at + 3] & 0xff) << 8 | bytes[at + 4] & 0xff);
            }
            if (at != bytes.length) {
                throw new AssertionError("the server sent a silent client part of a TLS record: "
                        + HexFormat.of().formatHex(bytes));
            }
        }
    }

    private static void requireFileDescriptors(long wanted) throws IOException {
        long limit = ProcessResources.maxOpenFiles();
        long needed = ProcessResources.openFdCount() + wanted;
        if (limit < needed) {
            fail(
                    "This test holds %d TLS connections open, client and server side in this JVM: it needs at least %d "
                            + "open files, but the limit (ulimit -n, 'Max open files' in /proc/self/limits) is %d. The JVM "
                            + "raises its soft limit to the hard limit by itself (unless run with -XX:-MaxFDLimit), so raise "
                            + "the hard limit of the shell or container that runs Maven: 'ulimit -Hn 4096 && ulimit -n "
                            + "4096' (as root, or nofile in /etc/security/limits.conf), or 'docker run --ulimit "
                            + "nofile=4096:4096'.",
                    SILENT + 2, needed, limit);
        }
    }

    /** The sorted samples' {@code p}-th percentile ({@code 0} the least, {@code 100} the most). */
    private static long pct(long[] samples, int p) {
        long[] sorted = samples.clone();
        Arrays.sort(sorted);
        return sorted[Math.min(sorted.length - 1, (int) ((long) sorted.length * p / 100))];
    }

    /** A blocking JDK TLS client of the echo server that checks the certificate, timing each round trip. */
    private static final class GoodClient implements AutoCloseable {

        private final SSLSocket socket;
        private final OutputStream out;
        private final BufferedReader in;

        GoodClient(InetSocketAddress address) throws IOException {
            Socket plain = new Socket(address.getAddress(), address.getPort());
            plain.setSoTimeout(10_000);
            socket = (SSLSocket)
                    TestTls.get().client().getSocketFactory().createSocket(plain, "localhost", address.getPort(), true);
            SSLParameters parameters = socket.getSSLParameters();
            parameters.setEndpointIdentificationAlgorithm("HTTPS");
            socket.setSSLParameters(parameters);
            out = socket.getOutputStream();
            in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII));
        }

        /** Makes up to {@code count} round trips while {@code more} says so; returns each one's time in ns. */
        long[] roundTrips(int count, BooleanSupplier more) throws IOException {
            LongStream.Builder times = LongStream.builder();
            for (int i = 0; i < count && more.getAsBoolean(); i++) {
                String line = "round trip " + i;
                long start = System.nanoTime();
                out.write((line + "\n").getBytes(StandardCharsets.US_ASCII));
                out.flush();
                String reply = in.readLine();
                times.add(System.nanoTime() - start);
                assertThat(reply).isEqualTo(line);
            }
            return times.build().toArray();
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
