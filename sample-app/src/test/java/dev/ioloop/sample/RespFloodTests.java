package dev.ioloop.sample;

import static dev.ioloop.sample.resp.RespWire.bulk;
import static dev.ioloop.sample.resp.RespWire.command;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.awaitility.Awaitility.await;

import dev.ioloop.testsupport.ProcessResources;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.function.IntFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * 5,000 client connections open at the same time, all served by the one loop thread: each sends its own
 * commands and gets its own replies, twice, and once they close the server's handler count is back where it
 * was. The clients are non-blocking channels driven by one {@link Selector} on the test thread.
 */
@Timeout(120)
class RespFloodTests extends SampleServerTestSupport {

    private static final Logger log = LoggerFactory.getLogger(RespFloodTests.class);

    static final int CONNECTIONS = 5_000;

    /**
     * Descriptors needed besides those open when the test starts: both ends of every connection live in this
     * JVM, plus room for the selector, the HTTP client and what the context opens lazily.
     */
    static final int FDS_PER_CONNECTION = 2;

    static final int FD_HEADROOM = 256;

    /**
     * Connections at most between their connect and their first reply. The acceptor's backlog is 511: a burst
     * of thousands of SYNs would overflow the accept queue, and Linux drops the handshake then, which the client
     * only retries after a 1 s timeout (it is slow, not wrong). Keeping fewer than the backlog in flight keeps
     * the queue from overflowing; every connection already answered stays open.
     */
    static final int CONNECTING_AT_ONCE = 256;

    static final Duration ROUND_LIMIT = Duration.ofSeconds(25);

    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void fiveThousandConnectionsOpenAtOnceEachGetTheirOwnRepliesAndTheServerLetsGoOfThemAll() throws Exception {
        long limit = ProcessResources.maxOpenFiles();
        long needed = ProcessResources.openFdCount() + (long) FDS_PER_CONNECTION * CONNECTIONS + FD_HEADROOM;
        if (limit < needed) {
            fail(
                    "This test holds %d connections open, client and server side in this JVM: it needs at least %d "
                            + "open files, but the limit (ulimit -n, 'Max open files' in /proc/self/limits) is %d. The JVM "
                            + "raises its soft limit to the hard limit by itself (unless run with -XX:-MaxFDLimit), so raise "
                            + "the hard limit of the shell or container that runs Maven: 'ulimit -Hn 16384 && ulimit -n "
                            + "16384' (as root, or nofile in /etc/security/limits.conf), 'docker run --ulimit "
                            + "nofile=16384:16384', or LimitNOFILE=16384 for a systemd service.",
                    CONNECTIONS, needed, limit);
        }
        // The acceptor and this test's Jedis client; connections of earlier tests (a lingering close takes up to
        // a second) are gone first.
        await().atMost(Duration.ofSeconds(10))
                .untilAsserted(() -> assertThat(handlers()).isEqualTo(2));
        long baseline = handlers();

        InetSocketAddress server = new InetSocketAddress("127.0.0.1", respPort);
        Client[] clients = new Client[CONNECTIONS];
        try (Selector selector = Selector.open()) {
            try {
                long start = System.nanoTime();
                round(
                        selector,
                        clients,
                        server,
                        i -> command("SET", "flood:" + i, "value:" + i) + command("GET", "flood:" + i),
                        i -> "+OK\r\n" + bulk("value:" + i));
                long connected = System.nanoTime();

                assertThat(Arrays.stream(clients)
                                .filter(c -> c.channel.isConnected())
                                .count())
                        .as("connections open at once")
                        .isEqualTo(CONNECTIONS);
                assertThat(handlers())
                        .as("the acceptor, the Jedis client and every flood connection")
                        .isEqualTo(baseline + CONNECTIONS);
                assertThat(jedis.info("clients")).contains("connected_clients:" + (CONNECTIONS + 1));
                assertThat(jedis.dbSize()).isEqualTo(CONNECTIONS);
                long fdsAtPeak = ProcessResources.openFdCount();

                // Second round: every connection at once this time, each asking for its own key again.
                long second = System.nanoTime();
                round(
                        selector,
                        clients,
                        null,
                        i -> command("GET", "flood:" + i) + command("DEL", "flood:" + i),
                        i -> bulk("value:" + i) + ":1\r\n");
                long served = System.nanoTime();
                assertThat(jedis.dbSize()).isZero();
                log.info(
                        "{} connections: opened and answered in {} ms ({} at most connecting at once), "
                                + "all answered again at once in {} ms; {} descriptors open with all connected (limit {})",
                        CONNECTIONS,
                        (connected - start) / 1_000_000,
                        CONNECTING_AT_ONCE,
                        (served - second) / 1_000_000,
                        fdsAtPeak,
                        limit);
            } finally {
                for (Client client : clients) {
                    if (client != null) {
                        client.channel.close();
                    }
                }
            }
        } // closing the selector releases the descriptors of the channels it still had registered
        long closed = System.nanoTime();
        await().atMost(Duration.ofSeconds(30))
                .untilAsserted(() -> assertThat(handlers())
                        .as("server-side handlers once the clients closed")
                        .isEqualTo(baseline));
        log.info(
                "server back to {} handlers {} ms after the clients closed",
                baseline,
                (System.nanoTime() - closed) / 1_000_000);
        assertThat(jedis.info("clients")).contains("connected_clients:1");
    }

    /**
     * Sends each client its request and reads exactly its expected reply, driving every channel from
     * {@code selector}. With {@code connectTo}, first opens the clients, at most {@link #CONNECTING_AT_ONCE} not
     * yet answered at a time; without, all of them send at once.
     */
    private static void round(
            Selector selector,
            Client[] clients,
            InetSocketAddress connectTo,
            IntFunction<String> request,
            IntFunction<String> reply)
            throws IOException {
        long deadline = System.nanoTime() + ROUND_LIMIT.toNanos();
        int next = 0;
        int answered = 0;
        if (connectTo == null) {
            for (Client client : clients) {
                client.send(request.apply(client.id), reply.apply(client.id));
                client.key.interestOps(SelectionKey.OP_WRITE);
            }
            next = clients.length;
        }
        while (answered < clients.length) {
            while (connectTo != null && next < clients.length && next - answered < CONNECTING_AT_ONCE) {
                clients[next] = Client.open(selector, connectTo, next, request.apply(next), reply.apply(next));
                next++;
            }
            if (System.nanoTime() > deadline) {
                fail(
                        "%d of %d connections answered within %s (%d opened)",
                        answered, clients.length, ROUND_LIMIT, next);
            }
            selector.select(100);
            for (SelectionKey key : selector.selectedKeys()) {
                if (((Client) key.attachment()).ready(key)) {
                    answered++;
                }
            }
            selector.selectedKeys().clear();
        }
    }

    private long handlers() throws Exception {
        HttpResponse<String> response = http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/actuator/metrics/ioloop.handlers"))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        Matcher m = Pattern.compile("\"value\"\\s*:\\s*([0-9.Ee+-]+)").matcher(response.body());
        assertThat(m.find()).as(response.body()).isTrue();
        return (long) Double.parseDouble(m.group(1));
    }

    /** One client connection: its request, the reply it expects, and what arrived of it so far. */
    private static final class Client {
        final int id;
        final SocketChannel channel;
        final SelectionKey key;
        ByteBuffer request;
        byte[] expected;
        ByteBuffer received;

        private Client(int id, SocketChannel channel, SelectionKey key) {
            this.id = id;
            this.channel = channel;
            this.key = key;
        }

        static Client open(Selector selector, InetSocketAddress server, int id, String request, String reply)
                throws IOException {
            SocketChannel channel = SocketChannel.open();
            try {
                channel.configureBlocking(false);
                boolean connected = channel.connect(server);
                SelectionKey key =
                        channel.register(selector, connected ? SelectionKey.OP_WRITE : SelectionKey.OP_CONNECT);
                Client client = new Client(id, channel, key);
                key.attach(client);
                client.send(request, reply);
                return client;
            } catch (IOException | RuntimeException e) {
                channel.close();
                throw e;
            }
        }

        void send(String request, String reply) {
            this.request = ByteBuffer.wrap(request.getBytes(StandardCharsets.US_ASCII));
            this.expected = reply.getBytes(StandardCharsets.US_ASCII);
            // Exactly the expected length: anything more the server sent would show up in the next round.
            this.received = ByteBuffer.allocate(expected.length);
        }

        /** Handles readiness; returns {@code true} once the whole reply is in (and checked). */
        boolean ready(SelectionKey key) throws IOException {
            if (key.isConnectable()) {
                try {
                    channel.finishConnect();
                } catch (IOException e) {
                    throw new AssertionError("connection " + id + " failed to connect: " + e, e);
                }
                key.interestOps(SelectionKey.OP_WRITE);
                return false;
            }
            if (key.isWritable()) {
                channel.write(request);
                if (!request.hasRemaining()) {
                    key.interestOps(SelectionKey.OP_READ);
                }
                return false;
            }
            if (key.isReadable()) {
                int n = channel.read(received);
                if (n < 0) {
                    throw new AssertionError("server closed connection " + id + " after "
                            + new String(received.array(), 0, received.position(), StandardCharsets.US_ASCII));
                }
                if (!received.hasRemaining()) {
                    assertThat(new String(received.array(), StandardCharsets.US_ASCII))
                            .as("reply to connection %d", id)
                            .isEqualTo(new String(expected, StandardCharsets.US_ASCII));
                    key.interestOps(0);
                    return true;
                }
            }
            return false;
        }
    }
}
