package dev.ioloop.poller;

import java.io.IOException;

/** The contract again through a backend found by ServiceLoader (the test's wrapping provider). */
class CountingPollerTests extends PollerContractTests {

    @Override
    protected Poller open() throws IOException {
        return Pollers.create("counting");
    }

    @Override
    protected String expectedName() {
        return "counting";
    }
}
