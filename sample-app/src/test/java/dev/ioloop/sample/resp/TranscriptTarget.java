package dev.ioloop.sample.resp;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Where a {@link Transcript} runs: this engine, or a real redis-server. Clients are created on first use. */
interface TranscriptTarget extends AutoCloseable {

    /** Sends one command as {@code client} and returns the raw bytes of its reply. */
    byte[] call(char client, List<byte[]> args);

    /** Lets {@code millis} pass. */
    void sleep(long millis);

    @Override
    void close();

    /** Runs the transcript's steps, returning each command with the reply this target gave. */
    default List<Transcript.Step> run(Transcript t) {
        List<Transcript.Step> result = new java.util.ArrayList<>();
        for (Transcript.Step s : t.steps()) {
            if (s instanceof Transcript.Command c) {
                result.add(c.withReply(call(c.client(), c.args())));
            } else {
                if (s instanceof Transcript.Sleep z) {
                    sleep(z.millis());
                }
                result.add(s);
            }
        }
        return result;
    }

    /** A command as a multibulk request. */
    static byte[] encode(List<byte[]> args) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.writeBytes(("*" + args.size() + "\r\n").getBytes());
        for (byte[] a : args) {
            b.writeBytes(("$" + a.length + "\r\n").getBytes());
            b.writeBytes(a);
            b.writeBytes("\r\n".getBytes());
        }
        return b.toByteArray();
    }

    /** A fresh engine and keyspace on a test clock that starts at the wall clock's time and moves only by sleeps. */
    final class Engine implements TranscriptTarget {
        final EngineHarness harness =
                new EngineHarness(RespLimits.defaults(), InfoSource.none(), false, System.currentTimeMillis());
        private final Map<Character, RespSession> clients = new HashMap<>();

        @Override
        public byte[] call(char client, List<byte[]> args) {
            RespSession s = clients.computeIfAbsent(client, c -> harness.newSession());
            harness.feed(s, encode(args));
            byte[] reply = harness.out.toByteArray();
            harness.out.clear();
            return reply;
        }

        @Override
        public void sleep(long millis) {
            harness.scheduler.advance(millis);
        }

        @Override
        public void close() {}
    }

    /** Connections to a running redis-server, emptied first with FLUSHALL. */
    final class Redis implements TranscriptTarget {
        private final RedisServerProcess server;
        private final Map<Character, Socket> clients = new HashMap<>();
        private final Map<Character, RespReplyReader> readers = new HashMap<>();

        Redis(RedisServerProcess server) {
            this.server = server;
            call('#', List.of("FLUSHALL".getBytes()));
        }

        @Override
        public byte[] call(char client, List<byte[]> args) {
            try {
                Socket s = clients.get(client);
                if (s == null) {
                    s = server.connect();
                    clients.put(client, s);
                    readers.put(client, new RespReplyReader(s.getInputStream()));
                }
                s.getOutputStream().write(encode(args));
                return readers.get(client).read();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        @Override
        public void sleep(long millis) {
            try {
                Thread.sleep(millis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }

        @Override
        public void close() {
            for (Socket s : clients.values()) {
                try {
                    s.close();
                } catch (IOException e) {
                    // closing anyway
                }
            }
        }
    }
}
