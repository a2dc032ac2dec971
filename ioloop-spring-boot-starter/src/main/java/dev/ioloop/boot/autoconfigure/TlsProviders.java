package dev.ioloop.boot.autoconfigure;

import java.security.Provider;
import java.security.Security;
import org.jspecify.annotations.Nullable;

/**
 * Finds the JCA provider {@code ioloop.stream.tls-provider} names: one registered with {@link Security} by that
 * name, or Conscrypt, made from {@code org.conscrypt.Conscrypt} when it is on the class path but not registered (its
 * provider is then used for ioloop's TLS only, not installed for the whole JVM).
 */
final class TlsProviders {

    static final String PROPERTY = "ioloop.stream.tls-provider";
    private static final String CONSCRYPT = "org.conscrypt.Conscrypt";

    private TlsProviders() {}

    /**
     * Returns the provider {@code name} names, or {@code null} for a {@code null} or blank name (the SSL bundles'
     * own contexts, from the JDK's default provider).
     *
     * @throws IllegalArgumentException if there is no such provider, naming the property, the value and the fix
     */
    static @Nullable Provider find(@Nullable String name) {
        if (name == null || name.isBlank()) {
            return null;
        }
        Provider registered = Security.getProvider(name.strip());
        if (registered != null) {
            return registered;
        }
        if (!name.strip().equalsIgnoreCase("Conscrypt")) {
            throw new IllegalArgumentException(PROPERTY + "=" + name + ": no JCA provider has that name (registered: "
                    + registeredNames() + "); use Conscrypt, register the provider with "
                    + "java.security.Security.addProvider before the application starts, or leave the property unset "
                    + "for the JDK's own TLS");
        }
        Class<?> conscrypt;
        try {
            conscrypt = Class.forName(CONSCRYPT, true, TlsProviders.class.getClassLoader());
        } catch (ClassNotFoundException e) {
            throw new IllegalArgumentException(PROPERTY + "=" + name + ": Conscrypt is not on the class path; add "
                    + "the dependency org.conscrypt:conscrypt-openjdk-uber, or leave the property unset for the JDK's "
                    + "own TLS");
        }
        try {
            return (Provider) conscrypt.getMethod("newProvider").invoke(null);
        } catch (ReflectiveOperationException | LinkageError | RuntimeException e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            throw new IllegalArgumentException(
                    PROPERTY + "=" + name + ": Conscrypt cannot load its native library on this platform ("
                            + System.getProperty("os.name") + ", " + System.getProperty("os.arch") + "): " + cause
                            + "; leave the property unset for the JDK's own TLS",
                    e);
        }
    }

    private static String registeredNames() {
        StringBuilder names = new StringBuilder();
        for (Provider p : Security.getProviders()) {
            names.append(names.length() == 0 ? "" : ", ").append(p.getName());
        }
        return names.toString();
    }
}
