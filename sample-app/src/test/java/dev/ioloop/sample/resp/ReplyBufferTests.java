package dev.ioloop.sample.resp;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ReplyBufferTests {

    /** A channel that takes at most {@code perWrite} bytes per call, like a full socket send buffer. */
    private static final class TrickleChannel implements WritableByteChannel {
        final ByteArrayOutputStream received = new ByteArrayOutputStream();
        int perWrite;

        TrickleChannel(int perWrite) {
            this.perWrite = perWrite;
        }

        @Override
        public int write(ByteBuffer src) {
            int n = Math.min(perWrite, src.remaining());
            for (int i = 0; i < n; i++) {
                received.write(src.get());
            }
            return n;
        }

        @Override
        public boolean isOpen() {
            return true;
        }

        @Override
        public void close() {}

        String text() {
            return received.toString(StandardCharsets.ISO_8859_1);
        }
    }

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
    void writeToHandsOverWhatTheChannelTakesAndKeepsTheRest() throws Exception {
        ReplyBuffer b = new ReplyBuffer();
        b.appendBulk("hello world");
        TrickleChannel ch = new TrickleChannel(5);
        assertThat(b.writeTo(ch)).isEqualTo(5);
        assertThat(b.pending()).isEqualTo(13);
        assertThat(ch.text()).isEqualTo("$11\r\n");
        b.appendInteger(1);
        ch.perWrite = 0;
        assertThat(b.writeTo(ch)).isZero();
        ch.perWrite = 100;
        assertThat(b.writeTo(ch)).isEqualTo(17);
        assertThat(b.pending()).isZero();
        assertThat(b.writeTo(ch)).isZero();
        assertThat(ch.text()).isEqualTo("$11\r\nhello world\r\n:1\r\n");
    }

    @Test
    void appendsAfterPartialWritesReuseTheFreedFrontOfTheBuffer() throws Exception {
        ReplyBuffer b = new ReplyBuffer();
        TrickleChannel ch = new TrickleChannel(700);
        StringBuilder expected = new StringBuilder();
        for (int i = 0; i < 200; i++) {
            String s = "reply-" + i;
            b.appendBulk(s);
            expected.append('$').append(s.length()).append("\r\n").append(s).append("\r\n");
            if (i % 3 == 0) {
                b.writeTo(ch);
            }
        }
        while (b.pending() > 0) {
            b.writeTo(ch);
        }
        assertThat(ch.text()).isEqualTo(expected.toString());
        assertThat(b.capacity()).isLessThanOrEqualTo(ReplyBuffer.INITIAL_CAPACITY);
    }

    @Test
    void aLargeBufferIsReleasedOnceFullyWrittenAndASmallOneIsKept() throws Exception {
        ReplyBuffer b = new ReplyBuffer();
        assertThat(b.capacity()).isZero();
        b.appendBulk(new byte[100_000]);
        assertThat(b.capacity()).isGreaterThan(100_000);
        TrickleChannel ch = new TrickleChannel(60_000);
        b.writeTo(ch);
        assertThat(b.capacity()).isGreaterThan(100_000);
        b.writeTo(ch);
        assertThat(b.capacity()).isZero();
        b.appendSimpleString("OK");
        b.writeTo(ch);
        assertThat(b.capacity()).isEqualTo(ReplyBuffer.INITIAL_CAPACITY);
    }

    @Test
    void writeToThroughADirectScratchHandsOverWhatTheChannelTakesAndKeepsTheRest() throws Exception {
        ReplyBuffer b = new ReplyBuffer();
        ByteBuffer scratch = ByteBuffer.allocateDirect(64);
        scratch.put((byte) 'x'); // left over from a previous use: cleared before the copy
        b.appendBulk("hello world");
        TrickleChannel ch = new TrickleChannel(5);
        assertThat(b.writeTo(ch, scratch)).isEqualTo(5);
        assertThat(b.pending()).isEqualTo(13);
        b.appendInteger(1);
        ch.perWrite = 0;
        assertThat(b.writeTo(ch, scratch)).isZero();
        assertThat(b.pending()).isEqualTo(17);
        ch.perWrite = 100;
        assertThat(b.writeTo(ch, scratch)).isEqualTo(17);
        assertThat(b.pending()).isZero();
        assertThat(b.writeTo(ch, scratch)).isZero();
        assertThat(ch.text()).isEqualTo("$11\r\nhello world\r\n:1\r\n");
    }

    @Test
    void repliesLargerThanTheDirectScratchAreWrittenFromTheBufferItself() throws Exception {
        ReplyBuffer b = new ReplyBuffer();
        ByteBuffer scratch = ByteBuffer.allocateDirect(16);
        b.appendBulk("0123456789abcdefghij"); // 27 bytes: more than the scratch holds
        TrickleChannel ch = new TrickleChannel(20);
        assertThat(b.writeTo(ch, scratch)).isEqualTo(20);
        assertThat(b.pending()).isEqualTo(7);
        assertThat(b.writeTo(ch, scratch)).isEqualTo(7); // the rest fits the scratch now
        assertThat(ch.text()).isEqualTo("$20\r\n0123456789abcdefghij\r\n");
        b.appendBulk(new byte[100_000]);
        ch.perWrite = Integer.MAX_VALUE;
        assertThat(b.writeTo(ch, scratch)).isEqualTo(100_000 + 11); // "$100000\r\n" and "\r\n" around the payload
        assertThat(b.capacity()).isZero(); // fully written: the large storage is released as before
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
    void withAPoolABufferHoldsStorageOnlyWhileItHasRepliesToSend() throws Exception {
        ReplyBuffer.Pool pool = new ReplyBuffer.Pool(4);
        ReplyBuffer b = new ReplyBuffer(pool);
        assertThat(b.capacity()).isZero();
        b.appendSimpleString("PONG");
        assertThat(b.capacity()).isEqualTo(ReplyBuffer.INITIAL_CAPACITY);
        TrickleChannel ch = new TrickleChannel(3);
        b.writeTo(ch);
        assertThat(b.capacity()).as("a partial write keeps the rest").isPositive();
        assertThat(pool.pooled()).isZero();
        ch.perWrite = 100;
        b.writeTo(ch, ByteBuffer.allocateDirect(64));
        assertThat(ch.text()).isEqualTo("+PONG\r\n");
        assertThat(b.capacity()).as("everything written: the storage went back").isZero();
        assertThat(pool.pooled()).isOne();

        b.appendBulk(new byte[ReplyBuffer.RETAINED_CAPACITY * 2]);
        assertThat(pool.pooled())
                .as("the small array it grew out of went back too")
                .isOne();
        b.clear();
        assertThat(pool.pooled())
                .as("storage past the retained size is dropped, not pooled")
                .isOne();
    }

    @Test
    void connectionsTakingTurnsReuseThePooledArrays() throws Exception {
        ReplyBuffer.Pool pool = new ReplyBuffer.Pool(16);
        ReplyBuffer[] connections = new ReplyBuffer[50];
        for (int i = 0; i < connections.length; i++) {
            connections[i] = new ReplyBuffer(pool);
        }
        TrickleChannel ch = new TrickleChannel(Integer.MAX_VALUE);
        ByteBuffer scratch = ByteBuffer.allocateDirect(1024);
        for (int round = 0; round < 1000; round++) {
            // At most 10 connections have a reply pending at once, as when 10 of the 50 clients are mid-request.
            for (int i = 0; i < 10; i++) {
                connections[(round + i) % connections.length].appendSimpleString("OK");
            }
            for (int i = 0; i < 10; i++) {
                connections[(round + i) % connections.length].writeTo(ch, scratch);
            }
        }
        assertThat(pool.allocated()).isEqualTo(10);
        assertThat(pool.pooled()).isEqualTo(10);
        for (ReplyBuffer c : connections) {
            assertThat(c.capacity()).isZero();
        }
        assertThat(ch.received.size()).isEqualTo(1000 * 10 * 5);
    }

    @Test
    void repliesLargerThanTheInitialCapacityReuseTheirPooledArrayToo() throws Exception {
        ReplyBuffer.Pool pool = new ReplyBuffer.Pool(4);
        ReplyBuffer b = new ReplyBuffer(pool);
        TrickleChannel ch = new TrickleChannel(Integer.MAX_VALUE);
        ByteBuffer scratch = ByteBuffer.allocateDirect(8192);
        for (int i = 0; i < 100; i++) {
            b.appendBulk(new byte[3000]); // a GET of a 3,000-byte value
            b.writeTo(ch, scratch);
            assertThat(b.capacity()).isZero();
        }
        assertThat(pool.allocated())
                .as("one 4 KiB array, reused by every reply")
                .isOne();
        assertThat(ch.received.size()).isEqualTo(100 * 3009);
    }

    @Test
    void poolRejectsANegativeSize() {
        org.assertj.core.api.Assertions.assertThatIllegalArgumentException()
                .isThrownBy(() -> new ReplyBuffer.Pool(-1))
                .withMessage("maxArrays must be >= 0: -1");
    }
}
