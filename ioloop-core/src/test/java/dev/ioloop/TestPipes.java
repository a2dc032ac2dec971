package dev.ioloop;

import java.io.IOException;
import java.nio.channels.Pipe;
import java.util.List;

/** Non-blocking pipes for tests, whose two ends are added to the test's list of things to close. */
public final class TestPipes {

    private TestPipes() {}

    /** Opens a pipe with both ends non-blocking, and adds both ends to {@code resources}. */
    public static Pipe open(List<AutoCloseable> resources) throws IOException {
        Pipe pipe = Pipe.open();
        resources.add(pipe.source());
        resources.add(pipe.sink());
        pipe.source().configureBlocking(false);
        pipe.sink().configureBlocking(false);
        return pipe;
    }
}
