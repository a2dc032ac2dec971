package dev.ioloop.sample;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import redis.clients.jedis.Jedis;

/**
 * SIGTERM to a real sample process on two loops while clients have replies pending: Boot's shutdown hook closes the
 * context, the starter drains every connection on both loops, every reply to every request read is delivered whole,
 * each connection ends with a clean end of stream, and the process exits within the shutdown timeout, saying so.
 */
@Timeout(120)
class SampleSigtermTests {

    private static final int CLIENTS = 4;
    private static final int GETS = 16;
    private static final int VALUE = 1_000_000;

    private SampleProcess sample;
    private final List<Socket> sockets = new ArrayList<>();
    private final ExecutorService readers = Executors.newFixedThreadPool(CLIENTS);

    @AfterEach
    void stop() throws Exception {
        for (Socket s : sockets) {
            s.close();
        }
        readers.shutdownNow();
        assertThat(readers.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
        if (sample != null) {
            sample.close();
        }
    }

    @Test
    void sigtermUnderLoadDeliversEveryPendingReplyOnBothLoopsAndExits() throws Exception {
        sample = new SampleProcess("--sample.loops=2", "--sample.shutdown-timeout=20s");
        int port = sample.port();
        try (Jedis setup = new Jedis("127.0.0.1", port, 10_000)) {
            setup.set("big", "v".repeat(VALUE));
        }
        byte[] request = "*2\r\n$3\r\nGET\r\n$3\r\nbig\r\n".repeat(GETS).getBytes(StandardCharsets.US_ASCII);
        long replyBytes = ("$" + VALUE + "\r\n").length() + VALUE + 2L;
        String head = "$" + VALUE + "\r\nv"; // the start of the first reply
        List<InputStream> inputs = new ArrayList<>();
        for (int i = 0; i < CLIENTS; i++) {
            Socket s = new Socket(InetAddress.getLoopbackAddress(), port);
            s.setReceiveBufferSize(64 * 1024);
            s.setSoTimeout(30_000);
            sockets.add(s);
            s.getOutputStream().write(request);
            InputStream in = s.getInputStream();
            // The first bytes of the first reply: the server has read the requests of this client.
            assertThat(new String(in.readNBytes(head.length()), StandardCharsets.US_ASCII))
                    .isEqualTo(head);
            inputs.add(in);
        }
        // 4 clients x 16 MB of replies, unread: most of them wait in the server, far beyond what the sockets hold
        // (a few MB each), so a process that exited without draining would cut every client short.
        int linesBefore = sample.lines().size();

        sample.process().toHandle().destroy(); // SIGTERM (Process.destroy() would also close its output pipe)

        List<CompletableFuture<Long>> received = new ArrayList<>();
        for (InputStream in : inputs) {
            received.add(CompletableFuture.supplyAsync(() -> readToEnd(in) + head.length(), readers));
        }
        for (int i = 0; i < CLIENTS; i++) {
            assertThat(received.get(i).get(60, TimeUnit.SECONDS))
                    .as("client %d: every reply whole, then the end of stream", i)
                    .isEqualTo(GETS * replyBytes);
        }
        assertThat(sample.awaitExit(60)).isTrue();
        assertThat(sample.lines().subList(linesBefore, sample.lines().size()))
                .as("the sample's output after SIGTERM; all of it:\n%s", String.join("\n", sample.lines()))
                .anyMatch(l -> l.contains("every connection finished in"))
                .noneMatch(l -> l.contains(" WARN ") || l.contains(" ERROR "));
    }

    /** Reads until the end of stream (a reset fails the test), returning how many bytes came. */
    private static long readToEnd(InputStream in) {
        byte[] buf = new byte[8192];
        long n = 0;
        try {
            for (int r; (r = in.read(buf)) >= 0; ) {
                n += r;
            }
            return n;
        } catch (IOException e) {
            throw new IllegalStateException("after " + n + " bytes", e);
        }
    }
}
