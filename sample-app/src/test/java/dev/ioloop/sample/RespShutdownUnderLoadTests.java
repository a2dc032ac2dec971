package dev.ioloop.sample;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import dev.ioloop.IOLoop;
import dev.ioloop.IOLoopGroup;
import dev.ioloop.sample.resp.RespWire;
import dev.ioloop.testsupport.RootLogCapture;
import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.boot.SpringApplication;
import org.springframework.context.ConfigurableApplicationContext;
import redis.clients.jedis.Jedis;

/**
 * Shutdown under load: the context closes (what SIGTERM's shutdown hook does) while clients keep sending.
 * {@link SampleShutdownTests} covers one client's large pending replies, read at full speed, with nothing sent
 * after them; these add, for clients that keep sending: every reply a client receives is whole and the right
 * one, in order; every command the server executed has its reply delivered (the engine's command count equals
 * the replies the clients got, so none was lost to a reset); the loop thread is gone within
 * {@code ioloop.shutdown-timeout}; and the shutdown logs nothing at WARN or above, nor any exception.
 */
@Timeout(90)
class RespShutdownUnderLoadTests {

    static final Duration LOOP_SHUTDOWN_TIMEOUT = Duration.ofSeconds(5);
    static final String LOOP_THREAD = "ioloop-shutdown-under-load";

    private ConfigurableApplicationContext app;
    private IOLoop loop;
    private RespServer server;
    private int port;
    private List<Thread> loopThreads;
    private final RootLogCapture logs = new RootLogCapture();

    @BeforeEach
    void start() {
        app = SpringApplication.run(
                SampleApplication.class,
                "--sample.port=0",
                "--server.port=0",
                "--spring.main.banner-mode=off",
                "--ioloop.shutdown-timeout=" + LOOP_SHUTDOWN_TIMEOUT.toSeconds() + "s",
                "--ioloop.thread-name=" + LOOP_THREAD,
                "--sample.loops=" + loops());
        loop = app.getBean(IOLoop.class);
        server = app.getBean(RespServer.class);
        port = app.getEnvironment().getRequiredProperty("local.ioloop.resp.port", Integer.class);
        loopThreads = loops() == 1
                ? List.of(loop.thread())
                : app.getBean(IOLoopGroup.class).loops().stream()
                        .map(IOLoop::thread)
                        .toList();
        assertThat(loopThreads)
                .hasSize(loops())
                .allSatisfy(t -> assertThat(t.getName()).startsWith(LOOP_THREAD));
        logs.start(); // after startup: Boot's logging system resets appenders while it starts
    }

    /** How many loops serve the connections ({@code sample.loops}); the keyspace is on the first. */
    int loops() {
        return 1;
    }

    @AfterEach
    void stop() {
        logs.stop();
        app.close();
    }

    /**
     * Closes the context as the shutdown hook would and returns how long it took. The log capture starts here:
     * what counts is what the shutdown logs (under this load on a busy 2-core machine, the watchdog may report
     * a stretch of loop work over its 1 s threshold while the clients warm up; that is the machine, not the
     * shutdown).
     */
    private Duration closeApp() throws Exception {
        logs.clear();
        long t0 = System.nanoTime();
        CompletableFuture<Long> closed = CompletableFuture.supplyAsync(() -> {
            app.close();
            return System.nanoTime();
        });
        return Duration.ofNanos(closed.get(30, TimeUnit.SECONDS) - t0);
    }

    /** The loop thread ended within the shutdown timeout, and the shutdown logged nothing worrying. */
    private void assertCleanShutdown(Duration closeTook) {
        assertThat(app.isActive()).isFalse();
        assertThat(loop.isClosed()).isTrue();
        assertThat(loopThreads).noneMatch(Thread::isAlive);
        assertThat(Thread.getAllStackTraces().keySet())
                .noneMatch(t -> t.getName().startsWith(LOOP_THREAD));
        assertThat(closeTook).isLessThan(LOOP_SHUTDOWN_TIMEOUT);
        assertThat(logs.events())
                .noneMatch(e -> e.getLevel().isGreaterOrEqual(Level.WARN))
                .noneMatch(e -> e.getThrowableProxy() != null);
    }

    /** The engine's count of executed commands, read on the loop thread. */
    private long commandsProcessed() throws Exception {
        CompletableFuture<Long> count = new CompletableFuture<>();
        loop.addCallback(() -> count.complete(server.engine().commandsProcessed()));
        return count.get(10, TimeUnit.SECONDS);
    }

    // ------------------------------------------------------------------ 100 pipelining clients

    static final int CLIENTS = 100;
    /** Replies each client has received before the close starts, so the crowd is really pipelining. */
    static final int WARMUP_REPLIES = 300;
    /** Commands a client may have in flight: keeps its pending replies far below the output limit. */
    static final int WINDOW = 256;
    /** Commands a client sends at most, so a close that never comes cannot make it run forever. */
    static final int MAX_COMMANDS = 300_000;

    @Test
    void closingWhileAHundredClientsPipelineDeliversEveryExecutedReplyWholeAndEndsTheLoopCleanly() throws Exception {
        ExecutorService threads = Executors.newFixedThreadPool(2 * CLIENTS);
        List<Client> clients = new ArrayList<>();
        try {
            CountDownLatch warmedUp = new CountDownLatch(CLIENTS);
            for (int c = 0; c < CLIENTS; c++) {
                clients.add(new Client(c, port, warmedUp));
            }
            // Every client is connected (and its INCR counter is new) before the count starts.
            long commandsBefore = commandsProcessed();
            List<Future<?>> running = new ArrayList<>();
            for (Client client : clients) {
                running.add(threads.submit(client::write));
                running.add(threads.submit(client::read));
            }
            assertThat(warmedUp.await(30, TimeUnit.SECONDS))
                    .as("every client pipelining")
                    .isTrue();

            Duration closeTook = closeApp();
            for (Future<?> f : running) {
                f.get(30, TimeUnit.SECONDS);
            }

            long replies = 0;
            int endedByEof = 0;
            long minReplies = Long.MAX_VALUE;
            for (Client client : clients) {
                assertThat(client.failure).as("client %d", client.id).isNull();
                replies += client.replies;
                minReplies = Math.min(minReplies, client.replies);
                endedByEof += client.endedByEof ? 1 : 0;
            }
            long executed = server.engine().commandsProcessed() - commandsBefore;
            System.out.printf(
                    "SHUTDOWN 100 pipelining clients: close took %d ms; %d replies (min %d per client),"
                            + " %d commands executed; streams ended by EOF %d, by reset %d%n",
                    closeTook.toMillis(), replies, minReplies, executed, endedByEof, CLIENTS - endedByEof);

            // Every command the server executed had its reply delivered, whole and in order.
            assertThat(replies).isEqualTo(executed);
            assertThat(minReplies).isGreaterThanOrEqualTo(WARMUP_REPLIES);
            assertThat(endedByEof)
                    .as("streams that ended after the last reply, not in a reset")
                    .isEqualTo(CLIENTS);
            assertCleanShutdown(closeTook);
        } finally {
            threads.shutdownNow();
            for (Client client : clients) {
                client.socket.close();
            }
            assertThat(threads.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
        }
    }

    /**
     * One raw-socket client: a writer sends command after command (at most {@link #WINDOW} ahead of the
     * replies), a reader parses the replies and checks each against the command it answers, until the server
     * closes the connection.
     */
    static final class Client {
        final int id;
        final Socket socket;
        final CountDownLatch warmedUp;
        final Semaphore window = new Semaphore(WINDOW);
        volatile boolean done;
        volatile long replies;
        volatile boolean endedByEof;
        volatile Throwable failure;
        private boolean counted;

        Client(int id, int port, CountDownLatch warmedUp) throws IOException {
            this.id = id;
            this.warmedUp = warmedUp;
            socket = new Socket(InetAddress.getLoopbackAddress(), port);
            socket.setSoTimeout(30_000);
            socket.setTcpNoDelay(true);
        }

        /** Command {@code n}: SET k n's value, GET k, INCR the client's counter, in turn. */
        String command(long n) {
            long i = n / 3;
            String key = "k:" + id + ":" + i;
            return switch ((int) (n % 3)) {
                case 0 -> RespWire.command("SET", key, value(i));
                case 1 -> RespWire.command("GET", key);
                default -> RespWire.command("INCR", "counter:" + id);
            };
        }

        String reply(long n) {
            long i = n / 3;
            return switch ((int) (n % 3)) {
                case 0 -> "+OK\r\n";
                case 1 -> RespWire.bulk(value(i));
                default -> ":" + (i + 1) + "\r\n";
            };
        }

        String value(long i) {
            String v = "value-" + id + "-" + i + "-";
            return v + "x".repeat(200 - v.length());
        }

        void write() {
            try {
                OutputStream out = socket.getOutputStream();
                StringBuilder batch = new StringBuilder();
                for (long n = 0; n < MAX_COMMANDS && !done; ) {
                    window.acquire(8);
                    batch.setLength(0);
                    for (int k = 0; k < 8; k++) {
                        batch.append(command(n++));
                    }
                    out.write(batch.toString().getBytes(StandardCharsets.US_ASCII));
                }
            } catch (IOException e) {
                // the server closed the connection: the reader tells how
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        void read() {
            try {
                InputStream in = new BufferedInputStream(socket.getInputStream(), 65536);
                for (long n = 0; ; n++) {
                    int first = in.read();
                    if (first < 0) {
                        endedByEof = true;
                        socket.close(); // as a client does when the server has closed
                        return;
                    }
                    String expected = reply(n);
                    byte[] rest = in.readNBytes(expected.length() - 1);
                    String got = (char) first + new String(rest, StandardCharsets.US_ASCII);
                    if (rest.length < expected.length() - 1) {
                        throw new AssertionError("reply " + n + " cut short: " + got);
                    }
                    if (!got.equals(expected)) {
                        throw new AssertionError("reply " + n + ": expected " + expected + " but got " + got);
                    }
                    replies = n + 1;
                    window.release();
                    if (n + 1 == WARMUP_REPLIES) {
                        warmedUp.countDown();
                        counted = true;
                    }
                }
            } catch (EOFException e) {
                failure = e;
            } catch (IOException e) {
                // a reset (or a cut reply): endedByEof stays false
            } catch (Throwable t) {
                failure = t;
            } finally {
                done = true;
                window.release(WINDOW + 8);
                if (!counted) {
                    warmedUp.countDown(); // ended early: the test fails on it, without waiting
                }
            }
        }
    }

    // ------------------------------------------------------------------ slow readers that keep sending

    static final int SLOW_CLIENTS = 10;
    static final int GETS = 16;
    static final int VALUE = 1024 * 1024;
    static final byte FILL = 'b';

    /**
     * Clients whose replies (16 x 1 MB) are mostly still in the server's buffer when the close starts, that
     * read them at a bounded pace (at most 512 KB every 2 ms) and send a PING on every tick. When the server
     * has written its last reply, up to a few MB of it are still in the kernel's socket buffers, and the
     * client's latest PINGs are unread: closing the socket then makes the kernel send a reset and throw that
     * tail away, cutting a reply in half. The server must instead half-close and let the client read to the end.
     */
    @Test
    void clientsThatReadSlowlyAndKeepSendingGetEveryReplyWholeAfterTheClose() throws Exception {
        try (Jedis setup = new Jedis("127.0.0.1", port, 10_000)) {
            byte[] value = new byte[VALUE];
            Arrays.fill(value, FILL);
            setup.set("big".getBytes(StandardCharsets.US_ASCII), value);
        }
        long commandsBefore = commandsProcessed();
        ScheduledExecutorService ticker = Executors.newScheduledThreadPool(2);
        List<SlowClient> clients = new ArrayList<>();
        try {
            for (int c = 0; c < SLOW_CLIENTS; c++) {
                clients.add(new SlowClient(port));
                // Its GETs executed (one client at a time, so one loop iteration copies 16 MB, not 160): 16 MB
                // of replies, more than the sockets hold, wait in the server.
                long executed = commandsBefore + (long) (c + 1) * GETS;
                await().atMost(Duration.ofSeconds(20)).until(() -> commandsProcessed() == executed);
            }
            for (SlowClient client : clients) {
                ticker.scheduleWithFixedDelay(client::tick, 0, 2, TimeUnit.MILLISECONDS);
            }
            Duration closeTook = closeApp();
            long replies = 0;
            int pongs = 0;
            for (SlowClient client : clients) {
                client.done.get(30, TimeUnit.SECONDS);
                assertThat(client.gets).as("whole 1 MB replies").isEqualTo(GETS);
                assertThat(client.endedByEof)
                        .as("ended after the last reply, not in a reset")
                        .isTrue();
                replies += client.gets + client.pongs;
                pongs += client.pongs;
            }
            long executed = server.engine().commandsProcessed() - commandsBefore;
            System.out.printf(
                    "SHUTDOWN %d slow readers that keep sending: close took %d ms; %d replies (%d PONGs),"
                            + " %d commands executed%n",
                    SLOW_CLIENTS, closeTook.toMillis(), replies, pongs, executed);
            assertThat(replies).isEqualTo(executed);
            assertCleanShutdown(closeTook);
        } finally {
            ticker.shutdownNow();
            assertThat(ticker.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
            for (SlowClient client : clients) {
                client.channel.close();
            }
        }
    }

    /**
     * A non-blocking client: sends 16 x GET big at once, then on each tick sends a PING and reads what has
     * arrived (512 KB at most), checking the stream as it goes: 16 whole 1 MB bulk replies, then PONGs.
     */
    static final class SlowClient {
        static final byte[] GET = RespWire.command("GET", "big").getBytes(StandardCharsets.US_ASCII);
        static final byte[] PING = RespWire.command("PING").getBytes(StandardCharsets.US_ASCII);
        static final String HEADER = "$" + VALUE + "\r\n";
        static final byte[] FILLED = filled();
        /** At most 4 x 128 KB per 2 ms tick: slower than the server writes, fast enough to finish in time. */
        static final int READS_PER_TICK = 4;

        final SocketChannel channel;
        final CompletableFuture<Void> done = new CompletableFuture<>();
        final ByteBuffer in = ByteBuffer.allocate(128 * 1024);
        final StringBuilder line = new StringBuilder();
        volatile int gets;
        volatile int pongs;
        volatile boolean endedByEof;
        private long bodyLeft = -1;
        private boolean sending = true;
        private final ByteBuffer ping = ByteBuffer.wrap(PING).position(PING.length);

        SlowClient(int port) throws IOException {
            channel = SocketChannel.open(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
            ByteBuffer gets = ByteBuffer.allocate(GET.length * GETS);
            for (int i = 0; i < GETS; i++) {
                gets.put(GET);
            }
            gets.flip();
            while (gets.hasRemaining()) {
                channel.write(gets);
            }
            channel.configureBlocking(false);
        }

        private static byte[] filled() {
            byte[] b = new byte[128 * 1024];
            Arrays.fill(b, FILL);
            return b;
        }

        void tick() {
            if (done.isDone()) {
                return;
            }
            try {
                if (sending) {
                    try {
                        if (!ping.hasRemaining()) {
                            ping.rewind(); // the previous PING went out whole: the next one
                        }
                        channel.write(ping); // a full socket may take none or part: the rest goes next tick
                    } catch (IOException e) {
                        sending = false; // the server is gone for writing; keep reading what it sent
                    }
                }
                for (int reads = 0; reads < READS_PER_TICK; reads++) {
                    in.clear();
                    int n = channel.read(in);
                    if (n == 0) {
                        return;
                    }
                    if (n < 0) {
                        if (bodyLeft >= 0 || line.length() > 0) {
                            throw new AssertionError("stream ended inside a reply (after " + gets + " GETs)");
                        }
                        endedByEof = true;
                        channel.close(); // as a client does when the server has closed
                        done.complete(null);
                        return;
                    }
                    in.flip();
                    check(in);
                }
            } catch (IOException e) {
                // A reset: whatever the server had not delivered yet is lost.
                done.complete(null);
            } catch (Throwable t) {
                done.completeExceptionally(t);
            }
        }

        private void check(ByteBuffer b) {
            while (b.hasRemaining()) {
                if (bodyLeft > 2) {
                    int n = (int) Math.min(b.remaining(), bodyLeft - 2);
                    int at = Arrays.mismatch(b.array(), b.position(), b.position() + n, FILLED, 0, n);
                    if (at >= 0) {
                        throw new AssertionError("GET reply " + gets + ": wrong byte in the value");
                    }
                    b.position(b.position() + n);
                    bodyLeft -= n;
                    continue;
                }
                char c = (char) b.get();
                if (bodyLeft > 0) {
                    if (c != (bodyLeft == 2 ? '\r' : '\n')) {
                        throw new AssertionError("GET reply " + gets + ": no CRLF after the value");
                    }
                    if (--bodyLeft == 0) {
                        bodyLeft = -1;
                        gets++;
                    }
                    continue;
                }
                line.append(c);
                if (line.length() >= 2 && line.charAt(line.length() - 1) == '\n') {
                    String l = line.toString();
                    line.setLength(0);
                    if (gets < GETS) {
                        assertThat(l).isEqualTo(HEADER);
                        bodyLeft = VALUE + 2;
                    } else {
                        assertThat(l).isEqualTo("+PONG\r\n");
                        pongs++;
                    }
                }
            }
        }
    }
}
