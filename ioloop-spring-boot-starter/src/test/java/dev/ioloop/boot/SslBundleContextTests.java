package dev.ioloop.boot;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import dev.ioloop.testsupport.RootLogCapture;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Queue;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.ssl.DefaultSslBundleRegistry;
import org.springframework.boot.ssl.SslBundle;
import org.springframework.boot.ssl.SslBundles;
import org.springframework.boot.ssl.SslManagerBundle;
import org.springframework.boot.ssl.SslOptions;
import org.springframework.boot.ssl.SslStoreBundle;

/**
 * {@link SslBundleContext} without sockets: which bundle the engines come from, told by the protocols each bundle's
 * options enable, before and after updates.
 */
class SslBundleContextTests {

    private final RootLogCapture log = new RootLogCapture();

    @BeforeEach
    void capture() {
        log.start();
    }

    @AfterEach
    void release() {
        log.stop();
    }

    @Test
    void enginesCarryTheOptionsOfTheBundle() {
        SSLContext context = SslBundleContext.of("server", bundle("TLSv1.3"), null);

        assertThat(context.createSSLEngine().getEnabledProtocols()).containsExactly("TLSv1.3");
        assertThat(context.createSSLEngine("localhost", 443).getEnabledProtocols())
                .containsExactly("TLSv1.3");
    }

    @Test
    void enginesMadeAfterAnUpdateComeFromTheNewBundleAndTheUpdateIsLoggedOnce() {
        SslBundleContext context = SslBundleContext.of("server", bundle("TLSv1.3"), null);
        SSLEngine before = context.createSSLEngine();

        context.update(bundle("TLSv1.2"));

        assertThat(context.createSSLEngine().getEnabledProtocols()).containsExactly("TLSv1.2");
        assertThat(before.getEnabledProtocols()).as("an engine made before").containsExactly("TLSv1.3");
        assertThat(messages(Level.INFO))
                .containsExactly("SSL bundle 'server' reloaded: new TLS connections use it, open ones keep their keys");
    }

    @Test
    void anUpdateThatCannotMakeAContextKeepsThePreviousOneAndSaysWhy() {
        SslBundleContext context = SslBundleContext.of("server", bundle("TLSv1.3"), null);

        context.update(broken());

        assertThat(context.createSSLEngine().getEnabledProtocols()).containsExactly("TLSv1.3");
        assertThat(messages(Level.WARN))
                .singleElement()
                .asString()
                .contains("SSL bundle 'server' was reloaded, but cannot make an SSLContext of it")
                .contains("keep using the previous one")
                .contains("no keys today");
        assertThat(messages(Level.INFO)).isEmpty();
    }

    @Test
    void aContextFollowingARegistryTakesEachUpdateOfItsBundleOnly() {
        DefaultSslBundleRegistry registry = new DefaultSslBundleRegistry();
        registry.registerBundle("server", bundle("TLSv1.3"));
        registry.registerBundle("other", bundle("TLSv1.3"));
        registry.addBundleUpdateHandler("other", (other) -> {});
        SSLContext context = SslBundleContext.following(registry, "server", null);

        registry.updateBundle("other", bundle("TLSv1.2"));
        assertThat(context.createSSLEngine().getEnabledProtocols()).containsExactly("TLSv1.3");

        registry.updateBundle("server", bundle("TLSv1.2"));
        assertThat(context.createSSLEngine().getEnabledProtocols()).containsExactly("TLSv1.2");
    }

    @Test
    void anUpdateBeforeTheHandlerWasAddedIsCaughtUpWith() {
        // The bundle changes between the context's first look and its subscription to updates.
        Queue<SslBundle> lookups = new ArrayDeque<>(List.of(bundle("TLSv1.3"), bundle("TLSv1.2")));
        SslBundles bundles = new SslBundles() {
            @Override
            public SslBundle getBundle(String name) {
                return lookups.size() > 1 ? lookups.poll() : lookups.peek();
            }

            @Override
            public void addBundleUpdateHandler(String name, Consumer<SslBundle> updateHandler) {}

            @Override
            public void addBundleRegisterHandler(BiConsumer<String, SslBundle> registerHandler) {}

            @Override
            public List<String> getBundleNames() {
                return List.of("server");
            }
        };

        SSLContext context = SslBundleContext.following(bundles, "server", null);

        assertThat(context.createSSLEngine().getEnabledProtocols()).containsExactly("TLSv1.2");
    }

    /** A bundle without keys (engines can still be made) whose options enable one protocol. */
    private static SslBundle bundle(String protocol) {
        return SslBundle.of(SslStoreBundle.NONE, null, SslOptions.of(null, new String[] {protocol}));
    }

    private static SslBundle broken() {
        SslManagerBundle managers = new SslManagerBundle() {
            @Override
            public KeyManagerFactory getKeyManagerFactory() {
                throw new IllegalStateException("no keys today");
            }

            @Override
            public TrustManagerFactory getTrustManagerFactory() {
                throw new IllegalStateException("no keys today");
            }
        };
        return SslBundle.of(SslStoreBundle.NONE, null, SslOptions.NONE, SslBundle.DEFAULT_PROTOCOL, managers);
    }

    private List<String> messages(Level level) {
        return log.events().stream()
                .filter(e -> e.getLevel() == level && e.getLoggerName().equals(SslBundleContext.class.getName()))
                .map(ILoggingEvent::getFormattedMessage)
                .toList();
    }
}
