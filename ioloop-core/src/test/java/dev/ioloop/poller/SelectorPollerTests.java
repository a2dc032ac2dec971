package dev.ioloop.poller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import org.junit.jupiter.api.Test;

/** The poller contract against the JDK selector backend, plus what is specific to it. */
class SelectorPollerTests extends PollerContractTests {

    @Override
    protected Poller open() throws IOException {
        return Pollers.create("selector");
    }

    @Override
    protected String expectedName() {
        return "selector";
    }

    @Test
    void selectorIsTheDefaultAndListedFirst() {
        assertThat(Pollers.DEFAULT).isEqualTo("selector");
        assertThat(Pollers.available()).first().isEqualTo("selector");
    }

    @Test
    void unknownNameFailsWithTheListOfAvailableOnes() {
        assertThatThrownBy(() -> Pollers.create("io_uring"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("unknown poller: 'io_uring' (available: " + Pollers.available() + ")");
    }
}
