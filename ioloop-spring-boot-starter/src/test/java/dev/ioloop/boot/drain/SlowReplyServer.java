package dev.ioloop.boot.drain;

import static java.nio.charset.StandardCharsets.US_ASCII;

import dev.ioloop.boot.IoHandler;
import dev.ioloop.net.StreamHandler;
import dev.ioloop.stream.IOStream;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Answers each line {@code n} with {@code done n} after {@link #DELAY}, as a server whose replies wait for something
 * (a database, another service) does: a drain that begins while a request is in hand lets the reply go out, then
 * closes; an idle connection is drained by the default graceful close. With {@code slow.ignore-drain=true} it never
 * closes on a drain (the starter's timeout must).
 */
@IoHandler(value = "slow", listen = "tcp://127.0.0.1:0")
public class SlowReplyServer implements StreamHandler {

    static final Duration DELAY = Duration.ofMillis(300);
    private static final byte[] EOL = {'\n'};

    /** Requests read so far. */
    final AtomicInteger received = new AtomicInteger();

    private final boolean ignoreDrain;

    SlowReplyServer(@org.springframework.beans.factory.annotation.Value("${slow.ignore-drain:false}") boolean ignore) {
        this.ignoreDrain = ignore;
    }

    @Override
    public void handleStream(IOStream stream, SocketAddress remote) {
        if (ignoreDrain) {
            stream.setDrainHandler(() -> {});
        }
        next(stream);
    }

    private void next(IOStream stream) {
        stream.readUntil(EOL).thenAccept(line -> {
            received.incrementAndGet();
            stream.setDrainHandler(() -> {}); // a reply is owed: the reply below closes the stream
            stream.loop().callLater(DELAY, () -> reply(stream, new String(line, US_ASCII)));
        });
    }

    private void reply(IOStream stream, String line) {
        stream.write(("done " + line).getBytes(US_ASCII)).thenRun(() -> {
            if (stream.isDraining() && !ignoreDrain) {
                stream.close();
            } else {
                stream.setDrainHandler(ignoreDrain ? () -> {} : null); // idle again: the default drain
                next(stream);
            }
        });
    }
}
