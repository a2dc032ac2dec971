package dev.ioloop.sample.resp;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * The hot path allocates nothing: pipelined PING, SET of an existing key with a same-sized value, GET and INCR, run
 * through the engine as the server runs them, with sixteen databases, WATCH and transactions in the engine. Measured
 * with the JVM's per-thread allocation counter after a warm-up, over 200,000 commands.
 */
class EngineAllocationTests {

    @Test
    void pipelinedPingSetGetAndIncrAllocateNothing() {
        FakeScheduler clock = new FakeScheduler(1_000_000L);
        RespEngine engine = new RespEngine(new Keyspace(clock), RespLimits.defaults(), InfoSource.none());
        RespSession session = new RespSession(1);
        ReplyBuffer out = new ReplyBuffer();
        StringBuilder batch = new StringBuilder();
        for (int i = 0; i < 10; i++) {
            batch.append(RespWire.command("PING"))
                    .append(RespWire.command("SET", "key:" + i, "value:" + i))
                    .append(RespWire.command("GET", "key:" + i))
                    .append(RespWire.command("INCR", "counter:" + i));
        }
        byte[] request = batch.toString().getBytes(StandardCharsets.ISO_8859_1);
        ByteBuffer in = ByteBuffer.allocate(request.length);
        Runnable round = () -> {
            in.clear();
            in.put(request).flip();
            engine.process(session, in, out);
            out.clear();
        };
        for (int i = 0; i < 20_000; i++) {
            round.run(); // warm-up: the keys exist, the JIT has compiled the path
        }
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long thread = Thread.currentThread().getId();
        int rounds = 5_000;
        long before = threads.getThreadAllocatedBytes(thread);
        for (int i = 0; i < rounds; i++) {
            round.run();
        }
        long allocated = threads.getThreadAllocatedBytes(thread) - before;
        System.out.printf("engine hot path: %d bytes allocated in %d commands%n", allocated, rounds * 40);
        // INCR's counters grow a digit now and then (a new array of a few bytes); nothing else may allocate.
        assertThat(allocated / (rounds * 40.0))
                .as("bytes allocated per command")
                .isLessThan(0.5);
    }

    @Test
    void anIdleSessionCostsAFewDozenBytes() {
        int n = 100_000;
        RespSession[] sessions = new RespSession[n];
        long before = usedAfterGc();
        for (int i = 0; i < n; i++) {
            sessions[i] = new RespSession(i);
        }
        long perSession = (usedAfterGc() - before) / n;
        System.out.printf("idle session: %d bytes%n", perSession);
        assertThat(sessions[n - 1].transaction()).isNull();
        // 48 bytes on a 64-bit JVM with compressed pointers: the selected database and the (absent) transaction
        // state added 8 to the 40 it was; the connection's budget for everything is 2 KiB.
        assertThat(perSession).isLessThan(100);
    }

    private static long usedAfterGc() {
        long used = Long.MAX_VALUE;
        for (int i = 0; i < 4; i++) {
            System.gc();
            used = Math.min(
                    used,
                    ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
        }
        return used;
    }
}
