package dev.ioloop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.Pipe;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The handler failure policy: a handler that throws on every event is stopped after
 * {@link IOLoop.Builder#handlerFailureLimit} calls in a row (its channel closed), so it cannot spin the loop,
 * while other channels keep being served. Real pipes, the loop stepped with {@code runOnce}.
 */
@Timeout(20)
class IOLoopHandlerFailureTests {

    private final List<Object> reported = new ArrayList<>();
    /** Set by {@link #loop(int)}, which every test that uses a loop calls first. */
    private SteppedLoop stepped;

    @AfterEach
    void close() {
        if (stepped != null) {
            stepped.close();
        }
    }

    private IOLoop loop(int limit) {
        stepped = TestLoops.stepped(builder ->
                builder.handlerFailureLimit(limit).errorHandler((source, e) -> reported.add(e.getMessage())));
        return stepped.loop;
    }

    private Pipe pipe() throws IOException {
        return stepped.pipe();
    }

    private static void write(Pipe pipe, String s) throws IOException {
        pipe.sink().write(ByteBuffer.wrap(s.getBytes()));
    }

    @Test
    void aHandlerThatFailsOnEveryEventHasItsChannelClosedAtTheLimitAndOthersAreStillServed() throws IOException {
        IOLoop loop = loop(5);
        Pipe bad = pipe();
        Pipe good = pipe();
        int[] badCalls = new int[1];
        loop.addHandler(
                bad.source(),
                (ch, events) -> {
                    badCalls[0]++;
                    throw new IOException("bad " + badCalls[0]);
                },
                IOLoop.READ);
        StringBuilder served = new StringBuilder();
        loop.addHandler(
                good.source(),
                (ch, events) -> {
                    ByteBuffer buf = ByteBuffer.allocate(64);
                    ch.read(buf);
                    served.append(new String(buf.array(), 0, buf.position()));
                },
                IOLoop.READ);
        write(bad, "never read");

        for (int i = 0; i < 20; i++) {
            write(good, Integer.toString(i % 10));
            loop.runOnce(Duration.ZERO);
        }

        assertThat(badCalls[0]).as("calls of the failing handler").isEqualTo(5);
        assertThat(reported).containsExactly("bad 1", "bad 2", "bad 3", "bad 4", "bad 5");
        assertThat(bad.source().isOpen())
                .as("channel of the failing handler open")
                .isFalse();
        assertThat(loop.handlers()).extracting(HandlerInfo::channel).containsExactly(good.source());
        assertThat(loop.stats().handlersClosed()).isOne();
        assertThat(loop.stats().errors()).isEqualTo(5);
        assertThat(served).hasToString("01234567890123456789");
    }

    @Test
    void aSuccessfulCallResetsTheCount() throws IOException {
        IOLoop loop = loop(3);
        Pipe pipe = pipe();
        int[] calls = new int[1];
        // Fails twice, succeeds once (without reading), fails twice, ...: never 3 failures in a row.
        loop.addHandler(
                pipe.source(),
                (ch, events) -> {
                    if (++calls[0] % 3 != 0) {
                        throw new IOException("flaky");
                    }
                },
                IOLoop.READ);
        write(pipe, "x");

        stepped.steps(30);

        assertThat(calls[0]).isEqualTo(30);
        assertThat(pipe.source().isOpen()).isTrue();
        assertThat(loop.handlers()).hasSize(1);
        assertThat(loop.stats().handlersClosed()).isZero();
        assertThat(loop.stats().errors()).isEqualTo(20);
    }

    @Test
    void withTheLimitOffAFailingHandlerIsCalledOnEveryIterationLikeTornado() throws IOException {
        IOLoop loop = loop(0);
        Pipe pipe = pipe();
        int[] calls = new int[1];
        loop.addHandler(
                pipe.source(),
                (ch, events) -> {
                    calls[0]++;
                    throw new IOException("boom");
                },
                IOLoop.READ);
        write(pipe, "x");

        stepped.steps(50);

        assertThat(calls[0]).isEqualTo(50);
        assertThat(pipe.source().isOpen()).isTrue();
        assertThat(loop.stats().handlersClosed()).isZero();
    }

    @Test
    void aHandlerThatRemovesItsOwnChannelWhileFailingIsLeftAlone() throws IOException {
        IOLoop loop = loop(1);
        Pipe pipe = pipe();
        loop.addHandler(
                pipe.source(),
                (ch, events) -> {
                    IOLoop.current().removeHandler(ch);
                    throw new IOException("gone");
                },
                IOLoop.READ);
        write(pipe, "x");

        stepped.steps(3);

        assertThat(reported).containsExactly("gone");
        assertThat(pipe.source().isOpen())
                .as("the loop closes only channels it still handles")
                .isTrue();
        assertThat(loop.stats().handlersClosed()).isZero();
    }

    @Test
    void failuresOfCallbacksAndTimeoutsNeverCloseAnything() throws IOException {
        IOLoop loop = loop(1);
        Pipe pipe = pipe();
        loop.addHandler(pipe.source(), (ch, events) -> ch.read(ByteBuffer.allocate(16)), IOLoop.READ);
        for (int i = 0; i < 5; i++) {
            loop.addCallback(() -> {
                throw new IllegalStateException("callback");
            });
        }
        stepped.steps(2);

        assertThat(reported).hasSize(5);
        assertThat(loop.handlers()).hasSize(1);
        assertThat(loop.stats().handlersClosed()).isZero();
    }

    @Test
    void aNegativeLimitIsRejectedWithTheValue() {
        assertThatThrownBy(() -> IOLoop.builder().handlerFailureLimit(-1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("-1");
    }

    @Test
    void theDefaultLimitIsTen() {
        try (IOLoop plain = new IOLoop()) {
            assertThat(plain.handlerFailureLimit())
                    .isEqualTo(IOLoop.DEFAULT_HANDLER_FAILURE_LIMIT)
                    .isEqualTo(10);
        }
    }
}
