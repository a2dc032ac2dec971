package dev.ioloop.sample.resp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ioloop.IOLoop;
import dev.ioloop.stream.IOStream;
import java.nio.ByteBuffer;
import java.nio.channels.Pipe;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class ReplyBufferTests {

    private static String text(ReplyBuffer b) {
        return new String(b.toByteArray(), StandardCharsets.ISO_8859_1);
    }

    @Test
    void everyReplyTypeIsEncodedAsResp2() {
        ReplyBuffer b = new ReplyBuffer();
        b.appendSimpleString("OK");
        b.appendError("ERR bad\r\nthing");
        b.appendInteger(0);
        b.appendInteger(-42);
        b.appendInteger(Long.MIN_VALUE);
        b.appendInteger(Long.MAX_VALUE);
        b.appendBulk("h\u00e9");
        b.appendBulk(new byte[] {'x', 'a', 'b', 'y'}, 1, 2);
        b.appendBulk(new byte[0]);
        b.appendNullBulk();
        b.appendArrayHeader(2);
        b.appendNullArray();
        b.appendRaw("+RAW\r\n".getBytes(StandardCharsets.US_ASCII));
        assertThat(text(b))
                .isEqualTo(
                        "+OK\r\n-ERR bad  thing\r\n:0\r\n:-42\r\n:-9223372036854775808\r\n"
                                + ":9223372036854775807\r\n$3\r\nh\u00c3\u00a9\r\n$2\r\nab\r\n$0\r\n\r\n$-1\r\n*2\r\n*-1\r\n+RAW\r\n");
    }

    @Test
    void clearDiscardsPendingReplies() {
        ReplyBuffer b = new ReplyBuffer();
        b.appendSimpleString("PONG");
        b.clear();
        assertThat(b.pending()).isZero();
        assertThat(b.toByteArray()).isEmpty();
    }

    @Test
    void moveToHandsTheRepliesToAStreamsOutputInOrderAndEmptiesTheBuffer() throws Exception {
        Pipe pipe = Pipe.open();
        try (IOLoop loop = IOLoop.builder().blockedThreshold(Duration.ZERO).build();
                Pipe.SourceChannel source = pipe.source()) {
            IOStream stream = IOStream.of(loop, pipe.sink());
            ReplyBuffer b = new ReplyBuffer();
            b.appendSimpleString("PONG");
            b.moveTo(stream.output());
            assertThat(b.pending()).isZero();
            b.appendInteger(7);
            b.moveTo(stream.output());
            assertThat(stream.output().queued()).isEqualTo(11);
            stream.flush();
            ByteBuffer got = ByteBuffer.allocate(64);
            source.read(got);
            assertThat(new String(got.array(), 0, got.position(), StandardCharsets.ISO_8859_1))
                    .isEqualTo("+PONG\r\n:7\r\n");
            stream.close();
        }
    }

    @Test
    void aLargeBufferIsReleasedAfterTheMoveAndASmallOneIsKept() throws Exception {
        Pipe pipe = Pipe.open();
        try (IOLoop loop = IOLoop.builder().blockedThreshold(Duration.ZERO).build();
                Pipe.SourceChannel source = pipe.source()) {
            IOStream stream = IOStream.of(loop, pipe.sink());
            ReplyBuffer b = new ReplyBuffer();
            b.appendSimpleString("OK");
            b.moveTo(stream.output());
            assertThat(b.capacity()).isEqualTo(ReplyBuffer.INITIAL_CAPACITY);
            b.appendBulk(new byte[ReplyBuffer.RETAINED_CAPACITY * 2]);
            assertThat(b.capacity()).isGreaterThan(ReplyBuffer.RETAINED_CAPACITY);
            b.moveTo(stream.output());
            assertThat(b.capacity()).isZero();
            stream.close();
        }
    }
}
