package dev.ioloop.stream;

import static dev.ioloop.stream.ConnectedPair.ascii;
import static dev.ioloop.stream.ConnectedPair.await;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@link StreamCounters}: streams opened and open, bytes read from and handed to the kernel. */
@Timeout(30)
class StreamCountersTests {

    @Test
    void aStreamCountsItsOpeningItsBytesAndItsClose() throws Exception {
        StreamCounters counters = new StreamCounters();
        try (ConnectedPair pair = ConnectedPair.open(counters)) {
            assertThat(counters.opened()).isEqualTo(1);
            assertThat(counters.open()).isEqualTo(1);

            pair.send("12345");
            assertThat(await(pair.call(() -> pair.stream.readBytes(5)))).hasSize(5);
            assertThat(counters.bytesRead()).isEqualTo(5);

            await(pair.call(() -> pair.stream.write(ascii("seven!!"))));
            assertThat(counters.bytesWritten()).isEqualTo(7);
            assertThat(pair.receiveAscii(7)).isEqualTo("seven!!");

            pair.run(pair.stream::close);
            assertThat(counters.open()).isZero();
            assertThat(counters.opened()).isEqualTo(1);
        }
    }

    @Test
    void aStreamWithoutCountersWorks() throws Exception {
        try (ConnectedPair pair = ConnectedPair.open()) {
            pair.send("x");
            assertThat(await(pair.call(() -> pair.stream.readBytes(1)))).containsExactly('x');
        }
    }
}
