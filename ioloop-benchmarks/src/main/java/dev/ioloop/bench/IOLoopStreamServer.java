package dev.ioloop.bench;

import dev.ioloop.IOLoop;
import dev.ioloop.stream.DataHandler;
import dev.ioloop.stream.IOStream;
import dev.ioloop.stream.StreamOutput;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Set;

/**
 * The ioloop servers of {@link StreamServers}: one {@link IOLoop} on its own thread, a plain
 * {@link ServerSocketChannel} whose {@code READ} handler accepts every pending connection, and one {@link IOStream}
 * per connection (default {@link dev.ioloop.stream.StreamOptions}, {@code TCP_NODELAY}) served in one of four ways:
 *
 * <ul>
 *   <li>{@link Mode#ECHO_FAST}: a {@link DataHandler} whose {@code onData} appends every byte that arrived to the
 *       stream's output ({@code stream.output().put(in)}); the stream flushes it when {@code onData} returns, so
 *       one read is answered by one write.</li>
 *   <li>{@link Mode#ECHO_FUTURES}: {@code readBytes(65536, true)}, then {@code write} of the array it returns,
 *       then, once that write's future completes, the next {@code readBytes}: Tornado's {@code await
 *       stream.read_bytes(n, partial=True); await stream.write(data)} loop.</li>
 *   <li>{@link Mode#LINE_FAST}: a {@link DataHandler} that copies the unread bytes into the server's scratch array,
 *       upper-cases each complete line there and appends it to the output (one {@code put} per line), and consumes
 *       up to the end of the last complete line; a partial line stays in the stream's buffer for the next call.
 *       Every reply of one read goes out in one write.</li>
 *   <li>{@link Mode#LINE_FUTURES}: {@code readUntil("\n", MAX_LINE)}, upper-case the returned array in place,
 *       {@code write} it, and once that write's future completes, the next {@code readUntil}: one future per read
 *       and per write, so one write system call per line.</li>
 * </ul>
 *
 * <p>The protocol of the line modes is {@link UpperLines}.
 */
final class IOLoopStreamServer implements StreamServers.Server {

    /** How connections are served; see the class comment. */
    enum Mode {
        ECHO_FAST,
        ECHO_FUTURES,
        LINE_FAST,
        LINE_FUTURES
    }

    /** The most bytes one {@code readBytes} of the futures echo asks for: the stream's default read chunk. */
    static final int ECHO_READ = 65_536;

    private static final byte[] NEWLINE = {'\n'};

    private final Mode mode;
    private final IOLoop loop;
    private final ServerSocketChannel listener;
    private final Thread thread;
    /** Open streams; loop thread only. */
    private final Set<IOStream> streams = new HashSet<>();
    /** The line modes' scratch array; loop thread only. */
    private final UpperLines.Scratch scratch = new UpperLines.Scratch();

    private final DataHandler echoFast = new EchoFast();
    private final DataHandler lineFast = new LineFast();

    private IOLoopStreamServer(Mode mode, String host, int port) throws IOException {
        this.mode = mode;
        String name = "stream-ioloop-" + mode.name().toLowerCase().replace('_', '-');
        loop = IOLoop.builder().name(name).build();
        ServerSocketChannel l = null;
        try {
            l = ServerSocketChannel.open();
            l.bind(new InetSocketAddress(host, port), 1024);
            l.configureBlocking(false);
            loop.addHandler(l, (ch, events) -> accept(ch), IOLoop.READ);
        } catch (IOException | RuntimeException e) {
            if (l != null) {
                l.close();
            }
            loop.close(true);
            throw e;
        }
        listener = l;
        thread = new Thread(loop::start, name);
        thread.setDaemon(true);
    }

    /**
     * Starts a server on its own loop thread.
     *
     * @param mode how connections are served
     * @param host the address to bind
     * @param port the port, or 0 for any free one
     * @throws IOException if the listening socket cannot be opened or bound
     */
    static IOLoopStreamServer start(Mode mode, String host, int port) throws IOException {
        IOLoopStreamServer server = new IOLoopStreamServer(mode, host, port);
        server.thread.start();
        return server;
    }

    @Override
    public int port() {
        return listener.socket().getLocalPort();
    }

    /** Closes the listening socket and every connection on the loop thread, stops the loop and waits for it. */
    @Override
    public void close() {
        if (!thread.isAlive()) {
            loop.close(true);
            return;
        }
        loop.addCallback(() -> {
            try {
                listener.close();
            } catch (IOException e) {
                loop.handleCallbackException(listener, e);
            }
            for (IOStream s : new ArrayList<>(streams)) {
                s.close();
            }
            streams.clear();
            loop.stop();
        });
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (!thread.isAlive()) {
            loop.close(true);
        }
    }

    private void accept(ServerSocketChannel ch) throws IOException {
        SocketChannel c;
        while ((c = ch.accept()) != null) {
            try {
                c.configureBlocking(false);
                c.setOption(StandardSocketOptions.TCP_NODELAY, true);
                serve(IOStream.of(loop, c));
            } catch (IOException | RuntimeException e) {
                c.close(); // costs this connection only
                loop.handleCallbackException(this, e);
            }
        }
    }

    private void serve(IOStream stream) {
        streams.add(stream);
        switch (mode) {
            case ECHO_FAST -> stream.setDataHandler(echoFast);
            case LINE_FAST -> stream.setDataHandler(lineFast);
            case ECHO_FUTURES -> echoNext(stream);
            case LINE_FUTURES -> lineNext(stream);
            default -> throw new IllegalStateException("unknown mode " + mode);
        }
    }

    private void ended(IOStream stream) {
        streams.remove(stream);
        stream.close();
    }

    /** One turn of the futures echo: read what has arrived (up to 64 KiB), write it back, then go on. */
    private void echoNext(IOStream stream) {
        stream.readBytes(ECHO_READ, true).thenCompose(stream::write).whenComplete((done, error) -> {
            if (error == null) {
                echoNext(stream);
            } else {
                ended(stream); // the peer closed (or the stream failed): the read or the write says so
            }
        });
    }

    /** One turn of the futures line server: read a line, write it upper-cased, then go on. */
    private void lineNext(IOStream stream) {
        stream.readUntil(NEWLINE, UpperLines.MAX_LINE)
                .thenCompose(line -> {
                    UpperLines.upperCase(line, 0, line.length);
                    return stream.write(line);
                })
                .whenComplete((done, error) -> {
                    if (error == null) {
                        lineNext(stream);
                    } else {
                        ended(stream);
                    }
                });
    }

    /** The fast-path echo: everything that arrived goes to the output, flushed when {@code onData} returns. */
    private final class EchoFast implements DataHandler {
        @Override
        public void onData(IOStream stream, ByteBuffer in) {
            stream.output().put(in);
        }

        @Override
        public void onEndOfInput(IOStream stream) {
            ended(stream);
        }
    }

    /** The fast-path line server: every complete line of the unread bytes, upper-cased, to the output. */
    private final class LineFast implements DataHandler {
        @Override
        public void onData(IOStream stream, ByteBuffer in) {
            int n = in.remaining();
            int at = in.position();
            byte[] a = scratch.get(n);
            in.get(at, a, 0, n);
            StreamOutput out = stream.output();
            int start = 0;
            for (int i = 0; i < n; i++) {
                byte b = a[i];
                if (b == '\n') {
                    if (i + 1 - start > UpperLines.MAX_LINE) {
                        ended(stream); // a line too long; replies appended above are discarded with the stream
                        return;
                    }
                    out.put(a, start, i + 1 - start);
                    start = i + 1;
                } else {
                    a[i] = UpperLines.upper(b);
                }
            }
            in.position(at + start);
            if (n - start >= UpperLines.MAX_LINE) {
                ended(stream); // the partial line is too long already
            }
        }

        @Override
        public void onEndOfInput(IOStream stream) {
            ended(stream);
        }
    }
}
