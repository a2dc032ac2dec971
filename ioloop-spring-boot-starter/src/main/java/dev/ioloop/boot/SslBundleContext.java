package dev.ioloop.boot;

import java.security.KeyManagementException;
import java.security.NoSuchAlgorithmException;
import java.security.Provider;
import java.security.SecureRandom;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLContextSpi;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLServerSocketFactory;
import javax.net.ssl.SSLSessionContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManager;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.ssl.SslBundle;
import org.springframework.boot.ssl.SslBundles;
import org.springframework.boot.ssl.SslOptions;

/**
 * The {@link SSLContext} of a Spring Boot {@link SslBundle}, following the bundle when it is reloaded. Each engine
 * carries the bundle's {@link SslOptions} (enabled protocols and cipher suites), so that a
 * {@link dev.ioloop.net.TCPServer}, which takes a context and makes an engine per connection, honours
 * {@code spring.ssl.bundle.*.options} as Boot's web servers do.
 *
 * <p>A {@link Provider} given (the starter's {@code ioloop.stream.tls-provider}) makes the contexts, initialised with
 * the bundle's key and trust managers; otherwise the bundle makes them ({@link SslBundle#createSslContext()}, the
 * JDK's default provider).
 *
 * <p>Reloading: {@link #update(SslBundle)} (called by {@link SslBundles} when the bundle's files change, with
 * {@code spring.ssl.bundle.*.<name>.reload-on-update=true}) makes a context of the new bundle and puts it in place
 * of the current one. Engines made from then on, so connections accepted from then on, use the new keys; a
 * connection already open keeps the engine, and so the keys, it started with. An update whose bundle cannot make a
 * context (a key that does not parse) is logged and leaves the current context in place.
 *
 * <p>Threading: updates come on Boot's file watcher thread and engines are made on the loop threads; the current
 * context is one volatile reference, so an engine is made from either the old or the new context, never a mix.
 */
final class SslBundleContext extends SSLContext {

    private static final Logger log = LoggerFactory.getLogger(SslBundleContext.class);

    private final String name;
    private final @Nullable Provider provider;
    private final Spi spi;

    private SslBundleContext(String name, @Nullable Provider provider, Spi spi) {
        super(spi, spi.current.context().getProvider(), spi.current.context().getProtocol());
        this.name = name;
        this.provider = provider;
        this.spi = spi;
    }

    /**
     * Returns the context of bundle {@code name} as it is now, of {@code provider} (the bundle's own context when
     * {@code null}), not yet following its updates.
     *
     * @throws RuntimeException if the bundle cannot make a context
     */
    static SslBundleContext of(String name, SslBundle bundle, @Nullable Provider provider) {
        return new SslBundleContext(name, provider, new Spi(Current.of(bundle, provider)));
    }

    /**
     * Returns the context of bundle {@code name} in {@code bundles}, of {@code provider} (the bundle's own context
     * when {@code null}), which follows the bundle's updates from now on.
     *
     * @throws org.springframework.boot.ssl.NoSuchSslBundleException if there is no such bundle
     * @throws RuntimeException if the bundle cannot make a context
     */
    static SslBundleContext following(SslBundles bundles, String name, @Nullable Provider provider) {
        SslBundle bundle = bundles.getBundle(name);
        SslBundleContext context = of(name, bundle, provider);
        bundles.addBundleUpdateHandler(name, context::update);
        // An update between getBundle and addBundleUpdateHandler reached no handler: catch up with it.
        SslBundle now = bundles.getBundle(name);
        if (now != bundle) {
            context.update(now);
        }
        return context;
    }

    /** Makes the engines of connections accepted from now on with {@code bundle}; any thread. */
    void update(SslBundle bundle) {
        Current next;
        try {
            next = Current.of(bundle, provider);
        } catch (RuntimeException e) {
            log.warn(
                    "SSL bundle '{}' was reloaded, but cannot make an SSLContext of it; new TLS connections keep "
                            + "using the previous one: {}",
                    name,
                    e.toString());
            return;
        }
        spi.current = next;
        log.info("SSL bundle '{}' reloaded: new TLS connections use it, open ones keep their keys", name);
    }

    /** A context of the bundle and the options its engines get. */
    private record Current(SSLContext context, @Nullable SslOptions options) {

        static Current of(SslBundle bundle, @Nullable Provider provider) {
            SslOptions options = bundle.getOptions();
            return new Current(context(bundle, provider), options != null && options.isSpecified() ? options : null);
        }

        /** The bundle's own context, or one of {@code provider} with the bundle's key and trust managers. */
        private static SSLContext context(SslBundle bundle, @Nullable Provider provider) {
            if (provider == null) {
                return bundle.createSslContext();
            }
            try {
                SSLContext context = SSLContext.getInstance(bundle.getProtocol(), provider);
                context.init(
                        bundle.getManagers().getKeyManagers(),
                        bundle.getManagers().getTrustManagers(),
                        null);
                return context;
            } catch (NoSuchAlgorithmException | KeyManagementException e) {
                throw new IllegalStateException(
                        "cannot make a " + bundle.getProtocol() + " context of provider " + provider.getName() + ": "
                                + e.getMessage(),
                        e);
            }
        }

        SSLEngine apply(SSLEngine engine) {
            if (options != null && options.getEnabledProtocols() != null) {
                engine.setEnabledProtocols(options.getEnabledProtocols());
            }
            if (options != null && options.getCiphers() != null) {
                engine.setEnabledCipherSuites(options.getCiphers());
            }
            return engine;
        }
    }

    /** Forwards to the current context; engines get its bundle's options. */
    private static final class Spi extends SSLContextSpi {

        volatile Current current;

        Spi(Current current) {
            this.current = current;
        }

        @Override
        protected void engineInit(KeyManager[] km, TrustManager[] tm, SecureRandom random)
                throws KeyManagementException {
            current.context().init(km, tm, random);
        }

        @Override
        protected SSLSocketFactory engineGetSocketFactory() {
            return current.context().getSocketFactory();
        }

        @Override
        protected SSLServerSocketFactory engineGetServerSocketFactory() {
            return current.context().getServerSocketFactory();
        }

        @Override
        protected SSLEngine engineCreateSSLEngine() {
            Current now = current; // one read: the engine and its options come from the same bundle
            return now.apply(now.context().createSSLEngine());
        }

        @Override
        protected SSLEngine engineCreateSSLEngine(String host, int port) {
            Current now = current;
            return now.apply(now.context().createSSLEngine(host, port));
        }

        @Override
        protected SSLSessionContext engineGetServerSessionContext() {
            return current.context().getServerSessionContext();
        }

        @Override
        protected SSLSessionContext engineGetClientSessionContext() {
            return current.context().getClientSessionContext();
        }
    }
}
