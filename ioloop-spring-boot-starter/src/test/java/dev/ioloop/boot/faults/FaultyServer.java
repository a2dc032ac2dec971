package dev.ioloop.boot.faults;

import dev.ioloop.FdHandler;
import dev.ioloop.IOLoop;
import dev.ioloop.boot.IoHandler;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Accepts clients that speak in 6-byte words. {@code "echo.."} is echoed, {@code "block."} blocks the loop
 * thread in {@link #blockUntilReleased} until the test releases it, and {@code "poison"} makes that client's
 * handler throw on every later event without reading (so its channel stays readable: level-triggered, it is
 * called again and again).
 */
@IoHandler(value = "faulty", listen = "tcp://127.0.0.1:0")
public class FaultyServer implements FdHandler<ServerSocketChannel> {

    /** Blocks the loop while the test holds it; replaced by each test that blocks. */
    static volatile CountDownLatch release = new CountDownLatch(0);
    /** Counted down when the loop thread enters {@link #blockUntilReleased}. */
    static volatile CountDownLatch blocking = new CountDownLatch(1);

    @Override
    public void handle(ServerSocketChannel server, int events) throws IOException {
        SocketChannel client;
        while ((client = server.accept()) != null) {
            client.configureBlocking(false);
            IOLoop.current().addHandler(client, new Connection(), IOLoop.READ);
        }
    }

    static void blockUntilReleased() {
        blocking.countDown();
        try {
            if (!release.await(30, TimeUnit.SECONDS)) {
                throw new IllegalStateException("the test never released the loop");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static final class Connection implements FdHandler<SocketChannel> {

        private final ByteBuffer word = ByteBuffer.allocate(6);
        private boolean poisoned;

        @Override
        public void handle(SocketChannel client, int events) throws IOException {
            if (poisoned) {
                throw new IllegalStateException("poisoned handler of " + client.getRemoteAddress());
            }
            if (client.read(word) < 0) {
                IOLoop.current().removeHandler(client);
                client.close();
                return;
            }
            if (word.hasRemaining()) {
                return;
            }
            String text = new String(word.array(), StandardCharsets.US_ASCII);
            word.clear();
            switch (text) {
                case "poison" -> {
                    poisoned = true;
                    throw new IllegalStateException("poisoned handler of " + client.getRemoteAddress());
                }
                case "block." -> blockUntilReleased();
                default -> {}
            }
            client.write(ByteBuffer.wrap(text.getBytes(StandardCharsets.US_ASCII))); // 6 bytes fit any buffer
        }

        @Override
        public String toString() {
            return "FaultyServer.Connection";
        }
    }
}
