package dev.ioloop.boot.faults;

import static dev.ioloop.boot.faults.FaultsTestSupport.occurrences;
import static dev.ioloop.boot.faults.FaultsTestSupport.read;
import static dev.ioloop.boot.faults.FaultsTestSupport.send;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.Socket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.test.annotation.DirtiesContext;

/**
 * Hardening, faulty handler: a connection whose handler throws on every event (without reading, so the
 * level-triggered loop calls it again each iteration) is closed after {@code ioloop.handler-failure-limit}
 * failures in a row; its repeated identical errors are logged once; a bystander connection is served all along.
 */
@SpringBootTest(
        classes = FaultsApplication.class,
        webEnvironment = WebEnvironment.RANDOM_PORT,
        properties = {
            "ioloop.handler-failure-limit=10",
            "management.endpoints.web.exposure.include=health,metrics,ioloop"
        })
@ExtendWith(OutputCaptureExtension.class)
@DirtiesContext
@Timeout(60)
class FaultyHandlerTests {

    @Value("${local.server.port}")
    private int httpPort;

    @Value("${local.ioloop.faulty.port}")
    private int port;

    @Test
    void aHandlerFailingOnEveryEventCostsOnlyItsOwnConnectionAndIsLoggedOnce(CapturedOutput output) throws IOException {
        FaultsTestSupport app = new FaultsTestSupport(httpPort, port);
        try (Socket bystander = app.connect();
                Socket first = app.connect();
                Socket second = app.connect()) {
            send(bystander, "echo..");
            assertThat(read(bystander, 6)).isEqualTo("echo..");

            // "poison" makes the handler throw; "remain" keeps the channel readable, so it is called again.
            send(first, "poisonremain");
            assertThat(first.getInputStream().read())
                    .as("the server closed the poisoned connection")
                    .isEqualTo(-1);
            for (int i = 0; i < 50; i++) {
                send(bystander, "echo" + (i % 10) + ".");
                assertThat(read(bystander, 6)).isEqualTo("echo" + (i % 10) + ".");
            }
            send(second, "poisonremain");
            assertThat(second.getInputStream().read()).isEqualTo(-1);
            send(bystander, "after.");
            assertThat(read(bystander, 6)).isEqualTo("after.");
        }

        assertThat(app.counter("ioloop.errors")).as("each failure is counted").isEqualTo(20.0);
        assertThat(app.counter("ioloop.handlers.closed")).isEqualTo(2.0);
        String log = output.getOut();
        assertThat(occurrences(log, "WARN  [ioloop] dev.ioloop.IOLoop - Exception in FaultyServer.Connection"))
                .as("20 identical failures within 10 s are logged once:%n%s", log)
                .isOne();
        assertThat(occurrences(log, "failed 10 times in a row"))
                .as("the second close within 10 s is counted, not logged:%n%s", log)
                .isOne();
    }
}
