package dev.ioloop.poller;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;

/**
 * Finds poller backends by name: the built-in {@code "selector"} ({@link SelectorPoller}) and every
 * {@link PollerProvider} on the class path whose {@link PollerProvider#isAvailable()} is {@code true}. The first
 * provider of a name wins, and none replaces {@code "selector"}.
 */
public final class Pollers {

    /** The name of the default backend, the JDK selector. */
    public static final String DEFAULT = SelectorPoller.NAME;

    private Pollers() {}

    /** Returns the names of the backends available here, the default first. */
    public static List<String> available() {
        return new ArrayList<>(providers().keySet());
    }

    /**
     * Opens a poller of the named backend.
     *
     * @param name a backend name, for example {@code "selector"}
     * @return a new poller
     * @throws IllegalArgumentException if no available backend has this name; the message lists those that do
     * @throws UncheckedIOException if the backend cannot be opened
     */
    public static Poller create(String name) {
        PollerProvider provider = providers().get(name);
        if (provider == null) {
            throw new IllegalArgumentException("unknown poller: '" + name + "' (available: " + available() + ")");
        }
        try {
            return provider.open();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open poller '" + name + "'", e);
        }
    }

    private static Map<String, PollerProvider> providers() {
        Map<String, PollerProvider> byName = new LinkedHashMap<>();
        byName.put(SelectorPoller.NAME, SelectorPoller.provider());
        for (PollerProvider provider : ServiceLoader.load(PollerProvider.class, Pollers.class.getClassLoader())) {
            if (provider.isAvailable()) {
                byName.putIfAbsent(provider.name(), provider);
            }
        }
        return byName;
    }
}
