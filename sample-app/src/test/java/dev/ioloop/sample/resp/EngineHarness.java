package dev.ioloop.sample.resp;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Drives a {@link RespEngine} the way the network layer will: every read lands in one shared buffer
 * that is scribbled over after each call, so any byte the engine kept without copying shows up as a
 * wrong reply.
 */
final class EngineHarness {

    final FakeScheduler scheduler;
    final Keyspace keyspace;
    final RespEngine engine;
    final RespSession session = new RespSession(7);
    final ReplyBuffer out = new ReplyBuffer();
    /** The output limit passed to every {@code process} call (none by default). */
    long outputLimit = Long.MAX_VALUE;

    private final ByteBuffer shared;

    EngineHarness() {
        this(RespLimits.defaults(), InfoSource.none(), false);
    }

    EngineHarness(RespLimits limits, InfoSource info, boolean direct) {
        this(limits, info, direct, 1_000_000L);
    }

    /** Another client of the same engine and keyspace, for tests of several connections (WATCH, SWAPDB). */
    RespSession newSession() {
        return new RespSession(nextClientId++);
    }

    private long nextClientId = 8;

    EngineHarness(RespLimits limits, InfoSource info, boolean direct, long clockStart) {
        scheduler = new FakeScheduler(clockStart);
        keyspace = new Keyspace(scheduler);
        engine = new RespEngine(keyspace, limits, info);
        shared = direct ? ByteBuffer.allocateDirect(1 << 16) : ByteBuffer.allocate(1 << 16);
    }

    /** Sends the bytes of {@code request} (ISO-8859-1) in one read and returns the replies written. */
    String send(String request) {
        feed(request.getBytes(StandardCharsets.ISO_8859_1));
        return drain();
    }

    /** Sends a multibulk command and returns its reply. */
    String call(String... args) {
        return send(RespWire.command(args));
    }

    /** Sends a multibulk command as {@code client} and returns its reply. */
    String call(RespSession client, String... args) {
        feed(client, RespWire.command(args).getBytes(StandardCharsets.ISO_8859_1));
        return drain();
    }

    /** Feeds {@code bytes} as successive reads of at most the shared buffer's size. */
    void feed(byte[] bytes) {
        feed(session, bytes);
    }

    /** Feeds {@code bytes} as the given client's successive reads. */
    void feed(RespSession client, byte[] bytes) {
        for (int off = 0; off < bytes.length; off += shared.capacity()) {
            feedRead(client, bytes, off, Math.min(shared.capacity(), bytes.length - off));
        }
    }

    /** One read of {@code b[off, off+len)}. */
    void feedRead(byte[] b, int off, int len) {
        feedRead(session, b, off, len);
    }

    private void feedRead(RespSession client, byte[] b, int off, int len) {
        shared.clear();
        shared.put(b, off, len).flip();
        engine.process(client, shared, out, outputLimit);
        if (shared.hasRemaining()) {
            throw new AssertionError("engine left " + shared.remaining() + " bytes unconsumed");
        }
        byte[] junk = new byte[shared.capacity()];
        Arrays.fill(junk, (byte) '#');
        shared.clear();
        shared.put(junk).clear();
    }

    /** The replies appended since the last drain, as ISO-8859-1 text. */
    String drain() {
        String s = new String(out.toByteArray(), StandardCharsets.ISO_8859_1);
        out.clear();
        return s;
    }
}
