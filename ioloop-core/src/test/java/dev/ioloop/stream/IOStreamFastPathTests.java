package dev.ioloop.stream;

import static dev.ioloop.stream.ConnectedPair.ascii;
import static dev.ioloop.stream.ConnectedPair.await;
import static dev.ioloop.stream.ConnectedPair.pattern;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The fast path: a {@link DataHandler} sees the input buffer itself, consumes what it can, and appends replies to
 * {@link IOStream#output()}, which is flushed when {@code onData} returns.
 */
@Timeout(30)
class IOStreamFastPathTests {

    @AutoClose
    private final ConnectedPair pair = ConnectedPair.open();

    private final IOStream stream = pair.stream;

    IOStreamFastPathTests() throws Exception {}

    @Test
    void theHandlerReceivesTheBytesAndItsOutputIsFlushedWhenOnDataReturns() throws Exception {
        UpperCaseLines handler = new UpperCaseLines();
        pair.run(() -> stream.setDataHandler(handler));
        pair.send("hello\n");
        assertThat(pair.receiveAscii(6)).isEqualTo("HELLO\n");
        assertThat(handler.queuedAfterAppend).as("output queued inside onData").allMatch(q -> q > 0);
        assertThat(handler.threads).containsOnly(pair.loop.thread);
    }

    @Test
    void aPartialMessageLeftInTheBufferIsDeliveredAgainWithTheRest() throws Exception {
        UpperCaseLines handler = new UpperCaseLines();
        pair.run(() -> stream.setDataHandler(handler));
        pair.send("hello\nwor");
        assertThat(pair.receiveAscii(6)).isEqualTo("HELLO\n");
        assertThat(handler.seen).first().isEqualTo("hello\nwor");
        pair.send("ld\n");
        assertThat(pair.receiveAscii(6)).isEqualTo("WORLD\n");
        assertThat(handler.seen).last().isEqualTo("world\n");
    }

    @Test
    void everyAppenderOfTheOutputReachesThePeer() throws Exception {
        pair.run(() -> stream.setDataHandler((s, in) -> {
            in.position(in.limit());
            StreamOutput out = s.output();
            out.put((byte) '<');
            out.put(ascii("ab"));
            out.put(ascii("xcdx"), 1, 2);
            out.put(ByteBuffer.wrap(ascii("ef")));
            out.putAscii("gh");
            out.putDecimal(-1234567890123L);
            out.putDecimal(0);
            out.put((byte) '>');
        }));
        pair.send("go");
        String expected = "<abcdefgh-12345678901230>";
        assertThat(pair.receiveAscii(expected.length())).isEqualTo(expected);
    }

    @Test
    void outputAppendedOutsideOnDataIsSentByFlush() throws Exception {
        pair.run(() -> {
            stream.output().putAscii("pushed\n");
            stream.flush();
        });
        assertThat(pair.receiveAscii(7)).isEqualTo("pushed\n");
    }

    @Test
    void theEndOfInputClosesTheStreamByDefault() throws Exception {
        CompletableFuture<Void> closed = new CompletableFuture<>();
        pair.run(() -> {
            stream.setDataHandler((s, in) -> in.position(in.limit()));
            stream.setCloseCallback(() -> closed.complete(null));
        });
        pair.send("bye");
        pair.peer.shutdownOutput();
        await(closed);
        assertThat(stream.isClosed()).isTrue();
        assertThat(pair.call(stream::error)).isNull();
    }

    @Test
    void aGracefulCloseAtTheEndOfInputDeliversQueuedOutputToAHalfClosingPeer() throws Exception {
        // The peer sends its request and half-closes at once, then reads the whole reply: 8 MiB, more than
        // the kernel takes while nobody reads, so most of it is still queued when the end of input arrives.
        byte[] reply = pattern(8 * 1024 * 1024);
        CompletableFuture<CompletableFuture<Void>> graceful = new CompletableFuture<>();
        pair.run(() -> stream.setDataHandler(new DataHandler() {
            private boolean replied;

            @Override
            public void onData(IOStream s, ByteBuffer in) {
                in.position(in.limit());
                if (!replied) {
                    replied = true;
                    s.output().put(reply);
                }
            }

            @Override
            public void onEndOfInput(IOStream s) {
                graceful.complete(s.closeGracefully(Duration.ZERO));
            }
        }));
        pair.send("GO\n");
        pair.peer.shutdownOutput();
        assertThat(pair.receiveToEnd()).isEqualTo(reply);
        await(await(graceful));
        assertThat(stream.isClosed()).isTrue();
        assertThat(pair.call(stream::error)).isNull();
    }

    @Test
    void bytesBufferedBeforeTheHandlerIsSetAreDeliveredInALaterCallback() throws Exception {
        pair.send("abc");
        assertThat(ascii(await(pair.call(() -> stream.readBytes(1))))).isEqualTo("a");
        UpperCaseLines handler = new UpperCaseLines();
        pair.run(() -> {
            stream.setDataHandler(handler);
            assertThat(handler.seen).as("delivered inside setDataHandler").isEmpty();
        });
        pair.send("\n");
        assertThat(pair.receiveAscii(3)).isEqualTo("BC\n");
        // The buffered "bc" comes first, alone or (when the newline arrived before that later callback ran, and
        // the loop's dispatch of it came first) with the newline after it.
        assertThat(handler.seen).first().asString().startsWith("bc");
    }

    @Test
    void aHandlerThatClearsItselfLeavesTheRestToTheReadFutures() throws Exception {
        CompletableFuture<byte[]> next = new CompletableFuture<>();
        pair.run(() -> stream.setDataHandler((s, in) -> {
            while (in.get() != '\n') {
                // consume the first line only
            }
            s.setDataHandler(null);
            s.readUntil(ascii("\n")).whenComplete((line, error) -> {
                if (error != null) {
                    next.completeExceptionally(error);
                } else {
                    next.complete(line);
                }
            });
        }));
        pair.send("first\nsecond\n");
        assertThat(ascii(await(next))).isEqualTo("second\n");
    }

    @Test
    void aReadWhileADataHandlerIsSetThrowsAlreadyReading() throws Exception {
        pair.run(() -> {
            stream.setDataHandler((s, in) -> {});
            assertThatThrownBy(() -> stream.readBytes(1))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("already reading");
        });
    }

    @Test
    void settingADataHandlerWhileAReadIsPendingThrows() throws Exception {
        pair.run(() -> {
            stream.readBytes(1);
            assertThatThrownBy(() -> stream.setDataHandler((s, in) -> {})).isInstanceOf(IllegalStateException.class);
        });
    }

    /** Answers each complete line with the line in upper case, and leaves a partial line in the buffer. */
    private static final class UpperCaseLines implements DataHandler {

        final List<String> seen = new CopyOnWriteArrayList<>();
        final List<Long> queuedAfterAppend = new CopyOnWriteArrayList<>();
        final List<Thread> threads = new CopyOnWriteArrayList<>();

        @Override
        public void onData(IOStream s, ByteBuffer in) {
            threads.add(Thread.currentThread());
            seen.add(StandardCharsets.ISO_8859_1.decode(in.duplicate()).toString());
            for (int i = in.position(); i < in.limit(); i++) {
                if (in.get(i) == '\n') {
                    byte[] line = new byte[i + 1 - in.position()];
                    in.get(line);
                    s.output().putAscii(ascii(line).toUpperCase(Locale.ROOT));
                    queuedAfterAppend.add((long) s.output().queued());
                }
            }
        }
    }
}
