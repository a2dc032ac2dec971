package dev.ioloop.stream;

import static dev.ioloop.stream.ConnectedPair.ascii;
import static dev.ioloop.stream.ConnectedPair.await;
import static dev.ioloop.stream.ConnectedPair.failure;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code readUntil} and {@code readUntilRegex} on a loopback connection: where they stop, and how {@code maxBytes}
 * closes the stream.
 */
@Timeout(30)
class IOStreamReadUntilTests {

    private static final byte[] CRLF = ascii("\r\n");

    @AutoClose
    private final ConnectedPair pair = ConnectedPair.open();

    private final IOStream stream = pair.stream;

    IOStreamReadUntilTests() throws Exception {}

    @Test
    void readUntilReturnsTheBytesUpToAndIncludingTheDelimiter() throws Exception {
        pair.send("hello\r\nworld\r\n");
        assertThat(ascii(await(pair.call(() -> stream.readUntil(CRLF))))).isEqualTo("hello\r\n");
        assertThat(ascii(await(pair.call(() -> stream.readUntil(CRLF))))).isEqualTo("world\r\n");
    }

    @Test
    void readUntilFindsADelimiterSplitAcrossSegments() throws Exception {
        CompletableFuture<byte[]> line = pair.call(() -> stream.readUntil(CRLF));
        pair.send("abc\r");
        pair.settle();
        assertThat(line).as("half a delimiter is no delimiter").isNotDone();
        pair.send("\ndef");
        assertThat(ascii(await(line))).isEqualTo("abc\r\n");
        assertThat(ascii(await(pair.call(() -> stream.readBytes(3))))).isEqualTo("def");
    }

    @Test
    void readUntilServesSeveralMessagesFromOneSegment() throws Exception {
        pair.send("a\nbb\nccc\n");
        CompletableFuture<List<String>> lines = pair.call(() -> readLines(stream, 3));
        assertThat(await(lines)).containsExactly("a\n", "bb\n", "ccc\n");
    }

    @Test
    void readUntilAcceptsADelimiterEndingExactlyAtMaxBytes() throws Exception {
        pair.send("abcdef");
        assertThat(ascii(await(pair.call(() -> stream.readUntil(ascii("def"), 6)))))
                .isEqualTo("abcdef");
        pair.send("abcdef");
        assertThat(ascii(await(pair.call(() -> stream.readUntil(ascii("def"), 50)))))
                .isEqualTo("abcdef");
        assertThat(stream.isClosed()).isFalse();
    }

    @Test
    void readUntilClosesTheStreamWhenMoreThanMaxBytesArriveWithoutTheDelimiter() throws Exception {
        CompletableFuture<byte[]> line = pair.call(() -> stream.readUntil(ascii("\n"), 8));
        pair.send("0123456789abcdef");
        assertUnsatisfiable(line);
    }

    @Test
    void readUntilClosesTheStreamWhenTheDelimiterEndsPastMaxBytes() throws Exception {
        // The delimiter arrives in the same segment that crosses the limit: still unsatisfiable.
        CompletableFuture<byte[]> line = pair.call(() -> stream.readUntil(ascii("def"), 5));
        pair.send("abcdef");
        assertUnsatisfiable(line);
    }

    @Test
    void readUntilOverMaxBytesFromTheBufferFailsInALaterCallback() throws Exception {
        pair.send("x123456");
        assertThat(ascii(await(pair.call(() -> stream.readBytes(1))))).isEqualTo("x");
        CompletableFuture<byte[]> line = pair.call(() -> {
            CompletableFuture<byte[]> f = stream.readUntil(ascii("def"), 5);
            assertThat(f).as("settled inside the call").isNotDone();
            return f;
        });
        assertUnsatisfiable(line);
    }

    @Test
    void readUntilRegexSeesBytesAbove0x7fAsIso88591Characters() throws Exception {
        byte[] data = {'k', '=', (byte) 0xE9, (byte) 0xFF, ';', 'r', 'e', 's', 't', (byte) 0x80, '!'};
        pair.send(data);
        byte[] first = await(pair.call(() -> stream.readUntilRegex(Pattern.compile("[\\x80-\\xff]+;"), 100)));
        assertThat(first).containsExactly('k', '=', (byte) 0xE9, (byte) 0xFF, ';');
        byte[] second = await(pair.call(() -> stream.readUntilRegex(Pattern.compile("\u0080!"), 100)));
        assertThat(second).containsExactly('r', 'e', 's', 't', (byte) 0x80, '!');
    }

    @Test
    void readUntilRegexReturnsUpToTheFirstMatch() throws Exception {
        pair.send("GET / HTTP/1.1\r\nHost: x\r\n\r\nbody");
        byte[] head = await(pair.call(() -> stream.readUntilRegex(Pattern.compile("\r?\n\r?\n"), 1000)));
        assertThat(ascii(head)).isEqualTo("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        assertThat(ascii(await(pair.call(() -> stream.readBytes(4))))).isEqualTo("body");
    }

    @Test
    void readUntilRegexAcceptsAMatchEndingExactlyAtMaxBytesAndClosesPastIt() throws Exception {
        pair.send("abcdef");
        assertThat(ascii(await(pair.call(() -> stream.readUntilRegex(Pattern.compile("def"), 6)))))
                .isEqualTo("abcdef");
        CompletableFuture<byte[]> tooLong = pair.call(() -> stream.readUntilRegex(Pattern.compile("def"), 5));
        pair.send("abcdef");
        assertUnsatisfiable(tooLong);
    }

    @Test
    void aLargeReadUntilFindsADelimiterAfterFourMebibytes() throws Exception {
        // Searching the whole buffer again on each chunk would make this quadratic (Tornado once took 8 s).
        byte[] data = new byte[4 * 1024 * 1024 + 2];
        Arrays.fill(data, (byte) 'A');
        data[data.length - 2] = '\r';
        data[data.length - 1] = '\n';
        CompletableFuture<byte[]> line = pair.call(() -> stream.readUntil(CRLF));
        CompletableFuture<Void> sent = pair.sendInBackground(data);
        assertThat(await(line)).hasSize(data.length);
        await(sent);
    }

    /** Reads {@code n} lines one after the other, each read started when the previous one completed. */
    static CompletableFuture<List<String>> readLines(IOStream stream, int n) {
        List<String> lines = new ArrayList<>();
        CompletableFuture<List<String>> done = new CompletableFuture<>();
        readNextLine(stream, n, lines, done);
        return done;
    }

    private static void readNextLine(IOStream stream, int n, List<String> lines, CompletableFuture<List<String>> done) {
        if (lines.size() == n) {
            done.complete(lines);
            return;
        }
        stream.readUntil(ascii("\n")).whenComplete((line, error) -> {
            if (error != null) {
                done.completeExceptionally(error);
            } else {
                lines.add(ascii(line));
                readNextLine(stream, n, lines, done);
            }
        });
    }

    private void assertUnsatisfiable(CompletableFuture<byte[]> read) throws Exception {
        Throwable failure = failure(read);
        assertThat(failure).isInstanceOf(StreamClosedException.class);
        assertThat(failure.getCause()).isInstanceOf(UnsatisfiableReadException.class);
        assertThat(stream.isClosed()).isTrue();
        assertThat(pair.call(stream::error)).isInstanceOf(UnsatisfiableReadException.class);
    }
}
