package dev.ioloop.poller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ioloop.IOLoop;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The JDK selector backend and connecting sockets: {@code WRITE} follows the socket's state ({@code OP_CONNECT}
 * while its connect is pending, {@code OP_WRITE} once connected), however the connect was finished.
 */
@Timeout(20)
class SelectorPollerConnectTests {

    private static final long WAIT = TimeUnit.SECONDS.toNanos(5);

    private final List<AutoCloseable> resources = new ArrayList<>();
    private final List<String> events = new ArrayList<>();
    private final Poller.ReadyConsumer record = (attachment, ev) -> events.add(attachment + ":" + ev);

    @AfterEach
    void closeAll() throws Exception {
        for (int i = resources.size() - 1; i >= 0; i--) {
            resources.get(i).close();
        }
    }

    private ServerSocketChannel server() throws IOException {
        ServerSocketChannel server = ServerSocketChannel.open().bind(new InetSocketAddress("127.0.0.1", 0));
        resources.add(server);
        return server;
    }

    private SocketChannel unconnectedClient() throws IOException {
        SocketChannel client = SocketChannel.open();
        resources.add(client);
        client.configureBlocking(false);
        return client;
    }

    /** A non-blocking client whose connect to {@code server} is pending. */
    private SocketChannel connectingClient(ServerSocketChannel server) throws IOException {
        SocketChannel client = unconnectedClient();
        // A non-blocking TCP connect is pending even on loopback (Linux returns EINPROGRESS): the case under test.
        assertThat(client.connect(server.getLocalAddress()))
                .as("connect pending")
                .isFalse();
        return client;
    }

    /** Finishes the connect on the test thread, outside any poll or handler. */
    private static void finishConnect(SocketChannel client) {
        await().atMost(Duration.ofSeconds(5)).until(client::finishConnect);
    }

    private SelectorPoller poller() throws IOException {
        SelectorPoller poller = new SelectorPoller();
        resources.add(poller);
        return poller;
    }

    @Test
    void loopHandlerSeesWriteWhenTheConnectWasFinishedOutsideTheHandler() throws IOException {
        SocketChannel client = connectingClient(server());
        IOLoop loop = IOLoop.builder().blockedThreshold(Duration.ZERO).build();
        resources.add(loop);
        List<Integer> seen = new ArrayList<>();
        loop.addHandler(client, (ch, ev) -> seen.add(ev), IOLoop.WRITE);
        finishConnect(client);

        for (int i = 0; i < 5 && seen.isEmpty(); i++) {
            loop.runOnce(Duration.ofMillis(100));
        }
        assertThat(seen).as("WRITE reported on the connected socket").containsExactly(IOLoop.WRITE);
        loop.runOnce(Duration.ofMillis(100));
        assertThat(seen).as("level-triggered").containsExactly(IOLoop.WRITE, IOLoop.WRITE);
    }

    @Test
    void pollReportsWriteWhenTheConnectFinishedBeforeAnyPollSawIt() throws IOException {
        SocketChannel client = connectingClient(server());
        SelectorPoller poller = poller();
        Poller.Key key = poller.register(client, Poller.WRITE, "client");
        finishConnect(client);

        assertThat(poller.poll(WAIT, record)).isOne();
        assertThat(events).containsExactly("client:" + Poller.WRITE);
        key.interest(Poller.READ); // nothing to read: the poll waits out its timeout and reports nothing
        assertThat(poller.poll(TimeUnit.MILLISECONDS.toNanos(20), record)).isZero();
    }

    @Test
    void writeAddedWhileTheConnectIsPendingFollowsTheConnect() throws IOException {
        SocketChannel client = connectingClient(server());
        SelectorPoller poller = poller();
        Poller.Key key = poller.register(client, Poller.READ, "client");
        key.interest(Poller.WRITE);
        finishConnect(client);

        assertThat(poller.poll(WAIT, record)).isOne();
        assertThat(events).containsExactly("client:" + Poller.WRITE);
    }

    @Test
    void socketRegisteredBeforeItsConnectReportsConnectableThenWritable() throws IOException {
        ServerSocketChannel server = server();
        SocketChannel client = unconnectedClient();
        SelectorPoller poller = poller();
        poller.register(client, Poller.WRITE, "client");
        // A non-blocking TCP connect is pending even on loopback (Linux returns EINPROGRESS): the case under test.
        assertThat(client.connect(server.getLocalAddress()))
                .as("connect pending")
                .isFalse();

        assertThat(poller.poll(WAIT, record)).as("connectable").isOne();
        assertThat(client.isConnectionPending()).isTrue();
        assertThat(client.finishConnect()).isTrue();
        assertThat(poller.poll(WAIT, record)).as("writable").isOne();
        assertThat(events).containsExactly("client:" + Poller.WRITE, "client:" + Poller.WRITE);
    }
}
