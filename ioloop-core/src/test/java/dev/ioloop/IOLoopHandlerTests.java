package dev.ioloop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Pipe;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Registration and dispatch of channel handlers, on real pipes and loopback sockets, stepping the loop. */
@Timeout(20)
class IOLoopHandlerTests {

    @AutoClose
    private final SteppedLoop stepped = TestLoops.stepped();

    private final IOLoop loop = stepped.loop;

    private Pipe pipe() throws IOException {
        return stepped.pipe();
    }

    /** A blocking client and its non-blocking accepted peer, on loopback. */
    private SocketChannel[] connectedPair() throws IOException {
        ServerSocketChannel server =
                ServerSocketChannel.open().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        stepped.closeLater(server);
        SocketChannel client = SocketChannel.open(server.getLocalAddress());
        stepped.closeLater(client);
        SocketChannel accepted = server.accept();
        stepped.closeLater(accepted);
        accepted.configureBlocking(false);
        return new SocketChannel[] {client, accepted};
    }

    private static void write(Pipe pipe, String s) throws IOException {
        pipe.sink().write(ByteBuffer.wrap(s.getBytes()));
    }

    @Test
    void handlerReceivesTheChannelItWasRegisteredWithAndReadEvents() throws IOException {
        Pipe pipe = pipe();
        List<Object> seen = new ArrayList<>();
        loop.addHandler(
                pipe.source(),
                (ch, events) -> {
                    seen.add(ch);
                    seen.add(events);
                    ch.read(ByteBuffer.allocate(16));
                },
                IOLoop.READ);
        write(pipe, "x");
        loop.runOnce(Duration.ofSeconds(5));
        assertThat(seen).containsExactly(pipe.source(), IOLoop.READ);
    }

    @Test
    void handlerThatLeavesDataUnreadIsCalledAgainNextIteration() throws IOException {
        Pipe pipe = pipe();
        int[] calls = new int[1];
        loop.addHandler(pipe.source(), (ch, events) -> calls[0]++, IOLoop.READ);
        write(pipe, "unread");
        loop.runOnce(Duration.ofSeconds(5));
        loop.runOnce(Duration.ofSeconds(5));
        loop.runOnce(Duration.ofSeconds(5));
        assertThat(calls[0]).isEqualTo(3);
    }

    @Test
    void handlerRegisteredForReadNeverSeesWrite() throws IOException {
        SocketChannel[] pair = connectedPair();
        SocketChannel client = pair[0];
        SocketChannel accepted = pair[1];
        // The socket is writable all the time; the handler only asked for READ.
        List<Integer> masks = new ArrayList<>();
        loop.addHandler(
                accepted,
                (ch, events) -> {
                    masks.add(events);
                    ch.read(ByteBuffer.allocate(16));
                },
                IOLoop.READ);
        client.write(ByteBuffer.wrap(new byte[] {1}));
        loop.runOnce(Duration.ofSeconds(5));
        assertThat(masks).containsExactly(IOLoop.READ);
    }

    @Test
    void readyChannelIsDispatchedOnceWithOneCombinedMask() throws IOException {
        SocketChannel[] pair = connectedPair();
        SocketChannel client = pair[0];
        SocketChannel accepted = pair[1];
        client.write(ByteBuffer.wrap(new byte[] {1}));
        List<Integer> masks = new ArrayList<>();
        loop.addHandler(
                accepted,
                (ch, events) -> {
                    masks.add(events);
                    ch.read(ByteBuffer.allocate(16));
                },
                IOLoop.READ | IOLoop.WRITE);
        loop.runOnce(Duration.ofSeconds(5));
        assertThat(masks).containsExactly(IOLoop.READ | IOLoop.WRITE);
    }

    @Test
    void serverChannelReadMeansAConnectionCanBeAccepted() throws IOException {
        ServerSocketChannel server = ServerSocketChannel.open();
        stepped.closeLater(server);
        server.configureBlocking(false);
        server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        List<SocketChannel> accepted = new ArrayList<>();
        loop.addHandler(
                server,
                (ch, events) -> {
                    SocketChannel connection;
                    while ((connection = ch.accept()) != null) {
                        accepted.add(connection);
                        stepped.closeLater(connection);
                    }
                },
                IOLoop.READ);
        stepped.closeLater(SocketChannel.open(server.getLocalAddress()));
        stepped.closeLater(SocketChannel.open(server.getLocalAddress()));
        while (accepted.size() < 2) {
            loop.runOnce(Duration.ofSeconds(5));
        }
        assertThat(accepted).hasSize(2).allMatch(SocketChannel::isConnected);
    }

    @Test
    void connectingSocketWriteMeansFinishConnectCanBeCalledThenWritable() throws IOException {
        ServerSocketChannel server =
                ServerSocketChannel.open().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        stepped.closeLater(server);
        SocketChannel client = SocketChannel.open();
        stepped.closeLater(client);
        client.configureBlocking(false);
        client.connect(server.getLocalAddress());
        List<String> seen = new ArrayList<>();
        loop.addHandler(
                client,
                (ch, events) -> {
                    if (ch.isConnectionPending()) {
                        seen.add("connect " + ch.finishConnect());
                    } else {
                        seen.add("writable " + IOLoop.eventNames(events));
                    }
                },
                IOLoop.WRITE);
        int iterations = 0;
        while (seen.size() < 3 && iterations++ < 100) {
            loop.runOnce(Duration.ofSeconds(5));
        }
        assertThat(seen).first().isEqualTo("connect true");
        assertThat(seen).contains("writable WRITE");
        assertThat(loop.stats().iterations()).isLessThan(100);
    }

    @Test
    void handlerRemovedByAnEarlierHandlerOfTheSameDispatchIsNotCalled() throws IOException {
        Pipe a = pipe();
        Pipe b = pipe();
        List<String> calls = new ArrayList<>();
        loop.addHandler(
                a.source(),
                (ch, events) -> {
                    calls.add("a");
                    loop.removeHandler(b.source());
                    ch.read(ByteBuffer.allocate(16));
                },
                IOLoop.READ);
        loop.addHandler(
                b.source(),
                (ch, events) -> {
                    calls.add("b");
                    loop.removeHandler(a.source());
                    ch.read(ByteBuffer.allocate(16));
                },
                IOLoop.READ);
        write(a, "x");
        write(b, "y");
        loop.runOnce(Duration.ofSeconds(5));
        assertThat(calls).hasSize(1);
    }

    @Test
    void channelRemovedAndAddedAgainInOneDispatchIsNotDispatchedAgainThere() throws IOException {
        Pipe a = pipe();
        Pipe b = pipe();
        List<String> calls = new ArrayList<>();
        FdHandler<Pipe.SourceChannel> second = (ch, events) -> calls.add("new handler");
        FdHandler<Pipe.SourceChannel> first = (ch, events) -> {
            calls.add("first");
            Pipe.SourceChannel other = ch == a.source() ? b.source() : a.source();
            loop.removeHandler(other);
            loop.addHandler(other, second, IOLoop.READ);
            loop.removeHandler(ch);
        };
        loop.addHandler(a.source(), first, IOLoop.READ);
        loop.addHandler(b.source(), first, IOLoop.READ);
        write(a, "x");
        write(b, "y");
        loop.runOnce(Duration.ofSeconds(5));
        assertThat(calls).containsExactly("first");
        loop.runOnce(Duration.ofSeconds(5));
        assertThat(calls).containsExactly("first", "new handler");
    }

    @Test
    void updateHandlerChangesTheInterest() throws IOException {
        Pipe pipe = pipe();
        int[] calls = new int[1];
        loop.addHandler(pipe.source(), (ch, events) -> calls[0]++, IOLoop.READ);
        loop.updateHandler(pipe.source(), IOLoop.NONE);
        write(pipe, "x");
        loop.runOnce(Duration.ofMillis(20));
        assertThat(calls[0]).isZero();
        loop.updateHandler(pipe.source(), IOLoop.READ);
        loop.runOnce(Duration.ofSeconds(5));
        assertThat(calls[0]).isOne();
        assertThat(loop.handlers())
                .singleElement()
                .extracting(HandlerInfo::events)
                .isEqualTo(IOLoop.READ);
    }

    @Test
    void addingAnAlreadyRegisteredChannelFailsAndKeepsTheOldHandler() throws IOException {
        Pipe pipe = pipe();
        List<String> calls = new ArrayList<>();
        loop.addHandler(
                pipe.source(),
                (ch, events) -> {
                    calls.add("old");
                    ch.read(ByteBuffer.allocate(16));
                },
                IOLoop.READ);
        assertThatThrownBy(() -> loop.addHandler(pipe.source(), (ch, events) -> calls.add("new"), IOLoop.READ))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("channel already registered");
        write(pipe, "x");
        loop.runOnce(Duration.ofSeconds(5));
        assertThat(calls).containsExactly("old");
    }

    @Test
    void blockingChannelIsRejectedWithAClearMessage() throws IOException {
        Pipe pipe = Pipe.open();
        stepped.closeLater(pipe.source());
        stepped.closeLater(pipe.sink());
        assertThatThrownBy(() -> loop.addHandler(pipe.source(), (ch, events) -> {}, IOLoop.READ))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("blocking mode")
                .hasMessageContaining("configureBlocking(false)");
        assertThat(loop.stats().handlers()).isZero();
    }

    @Test
    void eventTheChannelCannotSupportIsRejected() throws IOException {
        Pipe pipe = pipe();
        assertThatThrownBy(() -> loop.addHandler(pipe.source(), (ch, events) -> {}, IOLoop.WRITE))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("WRITE is not supported");
        assertThatThrownBy(() -> loop.addHandler(pipe.sink(), (ch, events) -> {}, IOLoop.READ))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("READ is not supported");
        assertThatThrownBy(() -> loop.addHandler(pipe.source(), (ch, events) -> {}, 0x100))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("0x100");
        loop.addHandler(pipe.source(), (ch, events) -> {}, IOLoop.READ | IOLoop.ERROR);
        assertThat(loop.stats().handlers()).isOne();
    }

    @Test
    void removeHandlerReturnsWhetherTheChannelHadAHandler() throws IOException {
        Pipe pipe = pipe();
        assertThat(loop.removeHandler(pipe.source())).isFalse();
        assertThat(loop.removeHandler(null)).isFalse();
        loop.addHandler(pipe.source(), (ch, events) -> {}, IOLoop.READ);
        assertThat(loop.removeHandler(pipe.source())).isTrue();
        assertThat(loop.removeHandler(pipe.source())).isFalse();
        assertThat(loop.stats().handlers()).isZero();
    }

    @Test
    void removeHandlerOfAClosedChannelReturnsTrueWithoutThrowing() throws IOException {
        Pipe pipe = pipe();
        loop.addHandler(pipe.source(), (ch, events) -> {}, IOLoop.READ);
        pipe.source().close();
        assertThat(loop.removeHandler(pipe.source())).isTrue();
        Pipe other = pipe();
        other.source().close();
        assertThat(loop.removeHandler(other.source())).isFalse();
    }

    @Test
    void channelCanBeAddedAgainRightAfterRemoval() throws IOException {
        Pipe pipe = pipe();
        int[] calls = new int[1];
        loop.addHandler(pipe.source(), (ch, events) -> {}, IOLoop.READ);
        loop.removeHandler(pipe.source());
        loop.addHandler(
                pipe.source(),
                (ch, events) -> {
                    calls[0]++;
                    ch.read(ByteBuffer.allocate(16));
                },
                IOLoop.READ);
        write(pipe, "x");
        loop.runOnce(Duration.ofSeconds(5));
        assertThat(calls[0]).isOne();
    }

    @Test
    void exceptionFromAHandlerIsReportedAndTheChannelStaysRegistered() throws IOException {
        List<Object> errors = new ArrayList<>();
        IOLoop failing = TestLoops.unwatched()
                .errorHandler((source, e) -> errors.add(e.getMessage()))
                .build();
        try {
            Pipe pipe = pipe();
            failing.addHandler(
                    pipe.source(),
                    (ch, events) -> {
                        throw new IOException("boom");
                    },
                    IOLoop.READ);
            write(pipe, "x");
            failing.runOnce(Duration.ofSeconds(5));
            failing.runOnce(Duration.ofSeconds(5));
            assertThat(errors).containsExactly("boom", "boom");
            assertThat(failing.stats().errors()).isEqualTo(2);
            assertThat(failing.handlers()).hasSize(1);
        } finally {
            failing.close();
        }
    }
}
