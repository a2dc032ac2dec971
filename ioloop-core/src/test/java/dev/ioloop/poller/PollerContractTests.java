package dev.ioloop.poller;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ioloop.TestPipes;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Pipe;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The contract every {@link Poller} backend meets, driven from the test thread. Subclass it once per backend.
 */
@Timeout(20)
public abstract class PollerContractTests {

    private static final long WAIT = TimeUnit.SECONDS.toNanos(5);

    private Poller poller;
    private final List<AutoCloseable> resources = new ArrayList<>();
    private final List<String> events = new ArrayList<>();
    private final Poller.ReadyConsumer record = (attachment, ev) -> events.add(attachment + ":" + ev);

    /** Opens the backend under test. */
    protected abstract Poller open() throws IOException;

    /** The backend's expected name. */
    protected abstract String expectedName();

    @BeforeEach
    void openPoller() throws IOException {
        poller = open();
    }

    @AfterEach
    void closeAll() throws Exception {
        poller.close();
        for (AutoCloseable c : resources) {
            c.close();
        }
    }

    private Pipe pipe() throws IOException {
        return TestPipes.open(resources);
    }

    @Test
    void nameIsStableAndKnownToPollers() {
        assertThat(poller.name()).isEqualTo(expectedName());
        assertThat(Pollers.available()).contains(expectedName());
    }

    @Test
    void pollWithZeroTimeoutReturnsAtOnceWhenNothingIsReady() throws IOException {
        Pipe pipe = pipe();
        poller.register(pipe.source(), Poller.READ, "a");
        assertThat(poller.poll(0, record)).isZero();
        assertThat(events).isEmpty();
    }

    @Test
    void readableChannelIsReportedWithItsAttachment() throws IOException {
        Pipe pipe = pipe();
        poller.register(pipe.source(), Poller.READ, "a");
        pipe.sink().write(ByteBuffer.wrap(new byte[] {1}));
        assertThat(poller.poll(WAIT, record)).isOne();
        assertThat(events).containsExactly("a:" + Poller.READ);
    }

    @Test
    void readinessIsLevelTriggered() throws IOException {
        Pipe pipe = pipe();
        poller.register(pipe.source(), Poller.READ, "a");
        pipe.sink().write(ByteBuffer.wrap(new byte[] {1}));
        poller.poll(WAIT, record);
        poller.poll(WAIT, record);
        assertThat(events).containsExactly("a:1", "a:1");
        pipe.source().read(ByteBuffer.allocate(4));
        assertThat(poller.poll(0, record)).isZero();
    }

    @Test
    void eventsOutsideTheInterestAreNotReported() throws IOException {
        Pipe pipe = pipe();
        Poller.Key key = poller.register(pipe.sink(), 0, "sink");
        assertThat(poller.poll(0, record)).isZero();
        key.interest(Poller.WRITE);
        assertThat(key.interest()).isEqualTo(Poller.WRITE);
        assertThat(poller.poll(WAIT, record)).isOne();
        assertThat(events).containsExactly("sink:" + Poller.WRITE);
    }

    @Test
    void cancelledKeyIsNotReportedAndTheChannelCanRegisterAgainAtOnce() throws IOException {
        Pipe pipe = pipe();
        Poller.Key key = poller.register(pipe.source(), Poller.READ, "old");
        pipe.sink().write(ByteBuffer.wrap(new byte[] {1}));
        key.cancel();
        key.cancel();
        assertThat(key.isValid()).isFalse();
        Poller.Key again = poller.register(pipe.source(), Poller.READ, "new");
        assertThat(again.isValid()).isTrue();
        assertThat(again.channel()).isSameAs(pipe.source());
        poller.poll(WAIT, record);
        assertThat(events).containsExactly("new:1");
    }

    @Test
    void serverChannelReadMeansAcceptable() throws IOException {
        ServerSocketChannel server = ServerSocketChannel.open();
        resources.add(server);
        server.configureBlocking(false);
        server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        poller.register(server, Poller.READ, "server");
        resources.add(SocketChannel.open(server.getLocalAddress()));
        poller.poll(WAIT, record);
        assertThat(events).containsExactly("server:1");
    }

    @Test
    void connectingSocketWriteMeansConnectableAndDoesNotSpinOnceConnected() throws IOException {
        ServerSocketChannel server =
                ServerSocketChannel.open().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        resources.add(server);
        SocketChannel client = SocketChannel.open();
        resources.add(client);
        client.configureBlocking(false);
        client.connect(server.getLocalAddress());
        Poller.Key key = poller.register(client, Poller.WRITE, "client");
        poller.poll(WAIT, record);
        assertThat(events).containsExactly("client:4");
        assertThat(client.finishConnect()).isTrue();
        key.interest(Poller.READ); // nothing to read: the next poll must time out, not spin on POLLOUT
        events.clear();
        assertThat(poller.poll(TimeUnit.MILLISECONDS.toNanos(20), record)).isZero();
        key.interest(Poller.WRITE);
        poller.poll(WAIT, record);
        assertThat(events).containsExactly("client:4");
    }

    @Test
    void wakeupFromAnotherThreadEndsAnIndefinitePoll() throws Exception {
        CompletableFuture<Void> woken = new CompletableFuture<>();
        Thread sleeper = new Thread(() -> {
            try {
                poller.poll(-1, record);
                woken.complete(null);
            } catch (IOException e) {
                woken.completeExceptionally(e);
            }
        });
        sleeper.start();
        poller.wakeup();
        woken.get(5, TimeUnit.SECONDS);
        sleeper.join(5_000);
        assertThat(events).isEmpty();
    }

    @Test
    void positiveTimeoutBelowOneMillisecondStillWaits() throws IOException {
        Pipe pipe = pipe();
        poller.register(pipe.source(), Poller.READ, "a");
        long start = System.nanoTime();
        assertThat(poller.poll(1_000, record)).isZero();
        assertThat(System.nanoTime() - start)
                .as("not rounded down to an indefinite or zero wait")
                .isLessThan(TimeUnit.SECONDS.toNanos(5));
    }

    @Test
    void closedChannelIsNeverReported() throws IOException {
        Pipe pipe = pipe();
        Poller.Key key = poller.register(pipe.source(), Poller.READ, "a");
        pipe.sink().write(ByteBuffer.wrap(new byte[] {1}));
        pipe.source().close();
        assertThat(poller.poll(0, record)).isZero();
        assertThat(key.isValid()).isFalse();
        key.interest(Poller.READ); // harmless on a closed channel
    }
}
