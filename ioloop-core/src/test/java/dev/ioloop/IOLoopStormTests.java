package dev.ioloop;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Hardening, callback storm: 8 threads each add 1,000,000 callbacks while the loop echoes a socket stream. Every
 * callback runs exactly once, in its producer's order; every echoed byte comes back intact; nothing deadlocks
 * (the test's timeout bounds it); and the loop is idle and responsive afterwards.
 */
@Timeout(120)
class IOLoopStormTests {

    private static final int PRODUCERS = 8;
    private static final int PER_PRODUCER = 1_000_000;
    private static final int ECHO_BYTES = 16 << 20;

    /** A callback carrying its producer and sequence number; run on the loop thread. */
    private static final class Tagged implements Runnable {
        private final long[] next;
        private final long[] outOfOrder;
        private final int producer;
        private final long seq;

        Tagged(long[] next, long[] outOfOrder, int producer, long seq) {
            this.next = next;
            this.outOfOrder = outOfOrder;
            this.producer = producer;
            this.seq = seq;
        }

        @Override
        public void run() {
            if (next[producer]++ != seq) {
                outOfOrder[producer]++;
            }
        }
    }

    @Test
    void eightMillionCrossThreadCallbacksDuringSocketTrafficAllRunOnceInOrderAndTheEchoIsIntact() throws Exception {
        IOLoop loop = TestLoops.unwatched().name("storm").build();
        ExecutorService threads = Executors.newFixedThreadPool(PRODUCERS + 1);
        List<AutoCloseable> resources = new ArrayList<>();
        try (LoopThread running = LoopThread.start(loop)) {
            ServerSocketChannel server =
                    ServerSocketChannel.open().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            resources.add(server);
            Socket client =
                    new Socket(InetAddress.getLoopbackAddress(), server.socket().getLocalPort());
            resources.add(client);
            client.setSoTimeout(60_000);
            SocketChannel accepted = server.accept();
            resources.add(accepted);
            accepted.configureBlocking(false);
            running.call(() -> {
                loop.addHandler(accepted, new Echo(), IOLoop.READ);
                return null;
            });

            long[] next = new long[PRODUCERS]; // written by the loop thread only
            long[] outOfOrder = new long[PRODUCERS];
            CountDownLatch go = new CountDownLatch(1);
            List<Future<?>> producers = new ArrayList<>();
            for (int p = 0; p < PRODUCERS; p++) {
                int producer = p;
                producers.add(threads.submit(() -> {
                    go.await();
                    for (long seq = 0; seq < PER_PRODUCER; seq++) {
                        loop.addCallback(new Tagged(next, outOfOrder, producer, seq));
                    }
                    return null;
                }));
            }
            CompletableFuture<long[]> echo = CompletableFuture.supplyAsync(() -> echoThrough(client), threads);
            go.countDown();

            for (Future<?> producer : producers) {
                producer.get(90, TimeUnit.SECONDS);
            }
            long[] crcs = echo.get(90, TimeUnit.SECONDS);
            // A callback added after all producers finished runs after all of theirs (FIFO per producer, and
            // the loop drains in arrival order), so it sees the final counts.
            long[][] seen = running.call(() -> new long[][] {next.clone(), outOfOrder.clone()});

            for (int p = 0; p < PRODUCERS; p++) {
                assertThat(seen[0][p]).as("callbacks run of producer %d", p).isEqualTo(PER_PRODUCER);
                assertThat(seen[1][p])
                        .as("callbacks of producer %d run out of order", p)
                        .isZero();
            }
            assertThat(crcs[0]).as("bytes echoed").isEqualTo(ECHO_BYTES);
            assertThat(crcs[2]).as("CRC of the echo").isEqualTo(crcs[1]);
            // The stats count a batch of callbacks once it has run, and the callback above ran inside the last
            // batch: one more round trip, taken in a later iteration, lets that count land.
            running.call(() -> null);
            assertThat(loop.stats().pendingCallbacks()).isZero();
            assertThat(loop.stats().errors()).isZero();
            assertThat(loop.stats().callbacksRun()).isGreaterThanOrEqualTo((long) PRODUCERS * PER_PRODUCER);
        } finally {
            threads.shutdownNow();
            assertThat(threads.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
            for (AutoCloseable c : resources) {
                c.close();
            }
        }
    }

    /**
     * Writes {@link #ECHO_BYTES} of a known pattern in 64 KiB pieces while reading the echo back.
     *
     * @return {bytes read back, CRC of what was sent, CRC of what came back}
     */
    private static long[] echoThrough(Socket client) {
        try {
            OutputStream out = client.getOutputStream();
            InputStream in = client.getInputStream();
            CRC32 sent = new CRC32();
            CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
                byte[] chunk = new byte[65536];
                try {
                    for (int off = 0; off < ECHO_BYTES; off += chunk.length) {
                        for (int i = 0; i < chunk.length; i++) {
                            chunk[i] = (byte) ((off + i) * 31 + (off >>> 16));
                        }
                        sent.update(chunk);
                        out.write(chunk);
                    }
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            });
            CRC32 received = new CRC32();
            byte[] buf = new byte[65536];
            long total = 0;
            int n;
            while (total < ECHO_BYTES && (n = in.read(buf)) > 0) {
                received.update(buf, 0, n);
                total += n;
            }
            writer.get(60, TimeUnit.SECONDS);
            return new long[] {total, sent.getValue(), received.getValue()};
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Echoes what it reads, waiting for WRITE while the client is behind. */
    private static final class Echo implements FdHandler<SocketChannel> {
        private final ByteBuffer buffer = ByteBuffer.allocateDirect(65536);

        @Override
        public void handle(SocketChannel channel, int events) throws IOException {
            if (buffer.hasRemaining() && channel.read(buffer) < 0) {
                IOLoop.current().removeHandler(channel);
                return;
            }
            buffer.flip();
            channel.write(buffer);
            buffer.compact();
            IOLoop.current()
                    .updateHandler(
                            channel,
                            buffer.position() == 0
                                    ? IOLoop.READ
                                    : buffer.hasRemaining() ? IOLoop.READ | IOLoop.WRITE : IOLoop.WRITE);
        }
    }
}
