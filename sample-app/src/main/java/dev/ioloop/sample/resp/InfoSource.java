package dev.ioloop.sample.resp;

import java.util.Map;

/**
 * What the network layer knows and the protocol engine does not, reported by {@code INFO}.
 *
 * <p>Called on the event-loop thread, only while an {@code INFO} command runs.
 */
public interface InfoSource {

    /**
     * Extra {@code INFO} sections, by lower-case name, each an ordered map of {@code key -> value}.
     * A section named like a built-in one ({@code server}, {@code clients}, {@code stats},
     * {@code keyspace}) adds its lines to that section; any other name becomes a section of its own,
     * titled with the capitalised name ({@code "ioloop"} is printed as {@code # Ioloop}).
     */
    Map<String, Map<String, String>> sections();

    /** Client connections open now. */
    long connectedClients();

    /** Client connections accepted since the server started. */
    long totalConnections();

    /** A source with nothing to add and no connections, for tests and embedded use. */
    static InfoSource none() {
        return new InfoSource() {
            @Override
            public Map<String, Map<String, String>> sections() {
                return Map.of();
            }

            @Override
            public long connectedClients() {
                return 0;
            }

            @Override
            public long totalConnections() {
                return 0;
            }
        };
    }
}
