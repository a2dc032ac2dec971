package dev.ioloop.boot;

import java.security.KeyManagementException;
import java.security.SecureRandom;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLContextSpi;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLServerSocketFactory;
import javax.net.ssl.SSLSessionContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManager;
import org.springframework.boot.ssl.SslBundle;
import org.springframework.boot.ssl.SslOptions;

/**
 * The {@link SSLContext} of a Spring Boot {@link SslBundle} whose engines carry the bundle's {@link SslOptions}
 * (enabled protocols and cipher suites), so that a {@link dev.ioloop.net.TCPServer}, which takes a context and
 * makes an engine per connection, honours {@code spring.ssl.bundle.*.options} as Boot's web servers do.
 */
final class SslBundleContext {

    private SslBundleContext() {}

    /** Returns the bundle's context, wrapped to apply its options to each engine when it has any. */
    static SSLContext of(SslBundle bundle) {
        SSLContext context = bundle.createSslContext();
        SslOptions options = bundle.getOptions();
        if (options == null || !options.isSpecified()) {
            return context;
        }
        return new OptionsContext(context, options);
    }

    /** Delegates to the bundle's context; engines get the options. */
    private static final class OptionsContext extends SSLContext {

        OptionsContext(SSLContext delegate, SslOptions options) {
            super(new Spi(delegate, options), delegate.getProvider(), delegate.getProtocol());
        }
    }

    private static final class Spi extends SSLContextSpi {

        private final SSLContext delegate;
        private final SslOptions options;

        Spi(SSLContext delegate, SslOptions options) {
            this.delegate = delegate;
            this.options = options;
        }

        @Override
        protected void engineInit(KeyManager[] km, TrustManager[] tm, SecureRandom random)
                throws KeyManagementException {
            delegate.init(km, tm, random);
        }

        @Override
        protected SSLSocketFactory engineGetSocketFactory() {
            return delegate.getSocketFactory();
        }

        @Override
        protected SSLServerSocketFactory engineGetServerSocketFactory() {
            return delegate.getServerSocketFactory();
        }

        @Override
        protected SSLEngine engineCreateSSLEngine() {
            return apply(delegate.createSSLEngine());
        }

        @Override
        protected SSLEngine engineCreateSSLEngine(String host, int port) {
            return apply(delegate.createSSLEngine(host, port));
        }

        @Override
        protected SSLSessionContext engineGetServerSessionContext() {
            return delegate.getServerSessionContext();
        }

        @Override
        protected SSLSessionContext engineGetClientSessionContext() {
            return delegate.getClientSessionContext();
        }

        private SSLEngine apply(SSLEngine engine) {
            if (options.getEnabledProtocols() != null) {
                engine.setEnabledProtocols(options.getEnabledProtocols());
            }
            if (options.getCiphers() != null) {
                engine.setEnabledCipherSuites(options.getCiphers());
            }
            return engine;
        }
    }
}
