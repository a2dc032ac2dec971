package dev.ioloop.sample;

import static dev.ioloop.sample.resp.RespWire.command;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.boot.test.context.SpringBootTest;

/**
 * Clients that misbehave at the socket level, each kind while a well-behaved bystander does its round trips
 * ({@link AbruptClientTestSupport}): connections reset (SO_LINGER 0) in the middle of a request and in the
 * middle of a large reply, half-closed connections, connections that never send, and slowloris connections
 * trickling one byte at a time. Clients that never read are in {@link RespNeverReadingClientTests}.
 *
 * <p>Its own context: a 16 MB output limit, so an 8 MB reply ({@link #BIG}) is a legitimate reply that stays
 * pending in the server (the loopback socket buffers hold about 4 MB).
 */
@SpringBootTest(
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {"sample.port=0", "sample.client-output-buffer-limit=16MB", "ioloop.blocked-threshold=2s"})
@Timeout(120)
class RespAbruptClientTests extends AbruptClientTestSupport {

    static final int BIG = 8 * 1024 * 1024;

    // ------------------------------------------------------------------ scenarios

    @Test
    void connectionsResetInTheMiddleOfARequest() throws Exception {
        // PING makes the server answer, so it has read the half SET that followed in the same segment
        // (and stashed it) before the reset arrives.
        byte[] request = ("*1\r\n$4\r\nPING\r\n*3\r\n$3\r\nSET\r\n$9\r\nhalf:done\r\n$1000\r\nonly-a-part")
                .getBytes(StandardCharsets.US_ASCII);
        Scenario s = whileFaulting("reset mid-request (50 connections a round)", round -> {
            List<Socket> sockets = new ArrayList<>();
            try {
                for (int i = 0; i < 50; i++) {
                    Socket socket = rawSocket();
                    sockets.add(socket);
                    socket.getOutputStream().write(request);
                }
                for (Socket socket : sockets) {
                    assertThat(read(socket, 7)).isEqualTo("+PONG\r\n");
                }
            } finally {
                sockets.forEach(RespAbruptClientTests::reset);
            }
        });
        s.assertBystanderUnaffected();
        assertThat(jedis.exists("half:done")).isFalse();
        assertOnlyTheTestClientRemains();
        assertNothingLoggedWithAnException(false);
    }

    @Test
    void connectionsResetInTheMiddleOfALargeReply() throws Exception {
        jedis.set("big".getBytes(), filled(BIG, (byte) 'b'));
        byte[] request = "*2\r\n$3\r\nGET\r\n$3\r\nbig\r\n".getBytes(StandardCharsets.US_ASCII);
        String header = "$" + BIG + "\r\n";
        Scenario s = whileFaulting("reset mid-reply (5 connections a round, 8 MB reply each)", round -> {
            List<Socket> sockets = new ArrayList<>();
            try {
                Set<Integer> ports = new HashSet<>();
                for (int i = 0; i < 5; i++) {
                    Socket socket = new Socket();
                    sockets.add(socket);
                    socket.setReceiveBufferSize(16 * 1024);
                    socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), respPort));
                    socket.setSoTimeout(10_000);
                    ports.add(socket.getLocalPort());
                    socket.getOutputStream().write(request);
                }
                for (Socket socket : sockets) {
                    assertThat(read(socket, header.length() + 100))
                            .startsWith(header)
                            .endsWith("bbbb");
                }
                // The server is in the middle of each reply: the rest waits in its buffer, watched for WRITE.
                await().atMost(Duration.ofSeconds(10))
                        .untilAsserted(
                                () -> assertThat(connectionsWaitingToWrite()).containsAll(ports));
            } finally {
                sockets.forEach(RespAbruptClientTests::reset);
            }
        });
        s.assertBystanderUnaffected();
        assertThat(jedis.strlen("big")).isEqualTo(BIG);
        assertOnlyTheTestClientRemains();
        assertNothingLoggedWithAnException(false);
    }

    @Test
    void halfClosedConnectionsGetTheirWholeReplyThenAreClosed() throws Exception {
        jedis.set("big".getBytes(), filled(BIG, (byte) 'h'));
        Scenario s = whileFaulting("half-close after the request (5 connections a round, 8 MB reply each)", round -> {
            List<Future<?>> clients = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                String key = "hc:" + round + ":" + i;
                clients.add(pool.submit(() -> {
                    halfCloseAndExpect(key);
                    return null;
                }));
            }
            for (Future<?> client : clients) {
                client.get(30, TimeUnit.SECONDS);
            }
        });
        s.assertBystanderUnaffected();
        assertThat(jedis.get("hc:0:4")).isEqualTo("value-of-hc:0:4");
        assertOnlyTheTestClientRemains();
        assertNothingLoggedWithAnException(false);
    }

    /**
     * Sends SET, GET, GET big, PING, half-closes, and reads until the server closes: every reply arrives whole,
     * although most of the 8 MB is still in the server's buffer when its read sees the end of the stream.
     */
    private void halfCloseAndExpect(String key) throws IOException {
        String value = "value-of-" + key;
        try (Socket socket = rawSocket()) {
            send(socket, command("SET", key, value) + command("GET", key) + command("GET", "big") + command("PING"));
            socket.shutdownOutput();
            InputStream in = socket.getInputStream();
            expect(in, "+OK\r\n$" + value.length() + "\r\n" + value + "\r\n$" + BIG + "\r\n");
            expectRepeated(in, (byte) 'h', BIG);
            expect(in, "\r\n+PONG\r\n");
            assertThat(in.read()).as("end of stream after the last reply").isEqualTo(-1);
        }
    }

    @Test
    void idleConnectionsThatNeverSendCostTheOthersNothing() throws Exception {
        List<Socket> idle = new ArrayList<>();
        try {
            for (int i = 0; i < 200; i++) {
                idle.add(rawSocket());
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> connectedClients() == 201);
            Scenario s = duringStandingFault("200 connections that never send");
            s.assertBystanderUnaffected();
            // The scenario's own connections close on whichever loop served them (sample.loops=2): their close
            // may land a moment after the scenario returns, so wait for the count rather than read it once.
            await().atMost(Duration.ofSeconds(10)).until(() -> connectedClients() == 201);
            // Idle is not dead: each still gets answered.
            for (Socket socket : idle) {
                send(socket, "PING\r\n");
            }
            for (Socket socket : idle) {
                assertThat(read(socket, 7)).isEqualTo("+PONG\r\n");
            }
        } finally {
            for (Socket socket : idle) {
                socket.close();
            }
        }
        assertOnlyTheTestClientRemains();
        assertNothingLoggedWithAnException(false);
    }

    @Test
    void slowlorisClientsTricklingOneByteAtATimeAreAnsweredAndDelayNobody() throws Exception {
        int clients = 50;
        ScheduledExecutorService ticker = Executors.newScheduledThreadPool(2);
        List<Socket> sockets = new ArrayList<>();
        try {
            AtomicBoolean enough = new AtomicBoolean();
            CountDownLatch allTrickling = new CountDownLatch(clients);
            List<Trickler> tricklers = new ArrayList<>();
            for (int c = 0; c < clients; c++) {
                Socket socket = rawSocket();
                socket.setTcpNoDelay(true); // one byte, one segment
                sockets.add(socket);
                Trickler t = new Trickler(c, socket, ticker, enough, allTrickling);
                tricklers.add(t);
                ticker.schedule(t, c % 5, TimeUnit.MILLISECONDS);
            }
            assertThat(allTrickling.await(20, TimeUnit.SECONDS)).isTrue();
            await().atMost(Duration.ofSeconds(10)).until(() -> connectedClients() == clients + 1);
            Scenario s = duringStandingFault("slowloris (50 connections, one byte every 5 ms)");
            enough.set(true);
            for (Trickler t : tricklers) {
                t.done.get(30, TimeUnit.SECONDS);
            }
            s.assertBystanderUnaffected();
            int commands = 0;
            for (Trickler t : tricklers) {
                assertThat(t.commandsSent)
                        .as("commands trickled by client %d", t.id)
                        .isGreaterThanOrEqualTo(2);
                assertThat(read(t.socket, 5 * t.commandsSent)).isEqualTo("+OK\r\n".repeat(t.commandsSent));
                commands += t.commandsSent;
                assertThat(jedis.get(Trickler.key(t.id, t.commandsSent - 1)))
                        .isEqualTo(Trickler.value(t.id, t.commandsSent - 1));
            }
            System.out.printf("ABRUPT slowloris: %d commands trickled byte by byte, all answered%n", commands);
        } finally {
            ticker.shutdownNow();
            assertThat(ticker.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
            for (Socket socket : sockets) {
                socket.close();
            }
        }
        assertOnlyTheTestClientRemains();
        assertNothingLoggedWithAnException(false);
    }

    /** Writes SET commands one byte per tick; stops at a command boundary once told and after two commands. */
    private static final class Trickler implements Runnable {
        final int id;
        final Socket socket;
        final ScheduledExecutorService ticker;
        final AtomicBoolean enough;
        final CountDownLatch started;
        final CompletableFuture<Void> done = new CompletableFuture<>();
        volatile int commandsSent;
        private byte[] current;
        private int next;

        Trickler(int id, Socket socket, ScheduledExecutorService ticker, AtomicBoolean enough, CountDownLatch started) {
            this.id = id;
            this.socket = socket;
            this.ticker = ticker;
            this.enough = enough;
            this.started = started;
        }

        static String key(int id, int n) {
            return "slow:" + id + ":" + n;
        }

        static String value(int id, int n) {
            return "trickled-" + id + "-" + n;
        }

        @Override
        public void run() {
            try {
                if (current == null) {
                    if (commandsSent >= 2 && enough.get() || commandsSent >= 100) {
                        done.complete(null);
                        return;
                    }
                    current = command("SET", key(id, commandsSent), value(id, commandsSent))
                            .getBytes(StandardCharsets.US_ASCII);
                    next = 0;
                }
                socket.getOutputStream().write(current[next++]);
                started.countDown();
                if (next == current.length) {
                    current = null;
                    commandsSent++;
                }
                ticker.schedule(this, 5, TimeUnit.MILLISECONDS);
            } catch (IOException | RuntimeException e) {
                done.completeExceptionally(e);
            }
        }
    }
}
