package dev.ioloop.stream;

import static dev.ioloop.stream.ConnectedPair.ascii;
import static dev.ioloop.stream.ConnectedPair.await;
import static dev.ioloop.stream.ConnectedPair.pattern;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ioloop.LoopThread;
import java.io.InputStream;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Big writes do not stall the loop: the rest is written as the socket drains while other handlers are served. */
@Timeout(60)
class IOStreamBigWriteTests {

    private static final int MIB = 1024 * 1024;

    @Test
    void aSixtyFourMebibyteWriteToASlowReaderDoesNotStallAnotherConnectionOnTheLoop() throws Exception {
        try (LoopThread shared = LoopThread.start();
                ConnectedPair bulk = ConnectedPair.openOn(shared, StreamOptions.defaults());
                ConnectedPair chat = ConnectedPair.openOn(shared, StreamOptions.defaults())) {
            chat.run(() -> echoLines(chat.stream));
            byte[] big = pattern(64 * MIB);
            CompletableFuture<Void> written = bulk.call(() -> bulk.stream.write(big));

            // The reader takes 256 KiB at a time, and only after the other connection answered a line: if the
            // big write held the loop, the first answer would never come.
            InputStream in = bulk.peer.socket().getInputStream();
            byte[] received = new byte[big.length];
            int offset = 0;
            int answeredWhileWriting = 0;
            for (int round = 0; offset < received.length; round++) {
                chat.send("ping " + round + "\n");
                assertThat(chat.receiveAscii(("ping " + round + "\n").length())).isEqualTo("ping " + round + "\n");
                if (!written.isDone()) {
                    answeredWhileWriting++;
                }
                int n = in.read(received, offset, Math.min(256 * 1024, received.length - offset));
                assertThat(n).as("bytes of the big write").isPositive();
                offset += n;
            }
            await(written);
            assertThat(received).isEqualTo(big);
            assertThat(answeredWhileWriting).isGreaterThan(10);
        }
    }

    /** Answers every line with itself, until the stream closes. */
    private static void echoLines(IOStream stream) {
        stream.readUntil(ascii("\n")).whenComplete((line, error) -> {
            if (error == null) {
                stream.write(line);
                echoLines(stream);
            }
        });
    }
}
