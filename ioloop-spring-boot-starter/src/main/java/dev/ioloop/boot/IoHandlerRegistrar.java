package dev.ioloop.boot;

import dev.ioloop.FdHandler;
import dev.ioloop.IOLoop;
import dev.ioloop.IOLoopGroup;
import dev.ioloop.net.ClientAuth;
import dev.ioloop.net.StreamHandler;
import dev.ioloop.net.TCPServer;
import dev.ioloop.stream.StreamOptions;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.channels.NetworkChannel;
import java.nio.channels.SelectableChannel;
import java.nio.channels.ServerSocketChannel;
import java.security.Provider;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import javax.net.ssl.SSLContext;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.boot.ssl.NoSuchSslBundleException;
import org.springframework.boot.ssl.SslBundles;
import org.springframework.core.ResolvableType;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.PropertySource;
import org.springframework.util.ClassUtils;

/**
 * Registers every {@link IoHandler} bean with the loop once all singletons exist (the loop is not running
 * yet, so this thread may call {@code addHandler}), and closes the channels it opened.
 *
 * <p>For a {@code listen} address it opens and binds a non-blocking channel; a channel bean it makes
 * non-blocking. It registers the channel and, if the channel is bound to an IP address, publishes its port as
 * {@code local.ioloop.<beanName>.port} in the {@link ConfigurableEnvironment} (a property source named
 * {@value #PORTS_PROPERTY_SOURCE}, first in line). A {@code StreamHandler} bean with an {@code sslBundle} is served
 * TLS with that bundle, looked up in the {@link SslBundles} bean (Spring Boot's SSL auto-configuration); when the
 * bundle is reloaded, connections accepted from then on use the new one. With a {@code clientAuth}, its server asks
 * for client certificates, trusted by the bundle's truststore. Each failure throws an {@link IoHandlerException}.
 */
public class IoHandlerRegistrar implements SmartInitializingSingleton, DisposableBean {

    /** Name of the property source holding the {@code local.ioloop.<beanName>.port} properties. */
    public static final String PORTS_PROPERTY_SOURCE = "ioloop.ports";

    private static final Logger log = LoggerFactory.getLogger(IoHandlerRegistrar.class);

    private final IOLoop loop;
    private final ListableBeanFactory beanFactory;
    private final ConfigurableEnvironment environment;
    private final StreamOptions streamOptions;
    private final @Nullable IOLoopGroup group;
    private final List<IoHandlerRegistration> registrations = new ArrayList<>();
    private final List<Consumer<? super IoHandlerRegistration>> listeners = new ArrayList<>();
    private final Map<String, SSLContext> sslContexts = new HashMap<>();
    private @Nullable Provider tlsProvider;

    /**
     * Creates a registrar.
     *
     * @param loop the loop to register with
     * @param beanFactory where to find {@code @IoHandler} and channel beans
     * @param environment where placeholders resolve and ports are published
     */
    public IoHandlerRegistrar(IOLoop loop, ListableBeanFactory beanFactory, ConfigurableEnvironment environment) {
        this(loop, beanFactory, environment, StreamOptions.defaults());
    }

    /**
     * Creates a registrar whose {@link StreamHandler} beans' connections get {@code streamOptions}.
     *
     * @param loop the loop to register with
     * @param beanFactory where to find {@code @IoHandler} and channel beans
     * @param environment where placeholders resolve and ports are published
     * @param streamOptions the options of the streams of {@code StreamHandler} beans
     */
    public IoHandlerRegistrar(
            IOLoop loop,
            ListableBeanFactory beanFactory,
            ConfigurableEnvironment environment,
            StreamOptions streamOptions) {
        this(loop, beanFactory, environment, streamOptions, null);
    }

    /**
     * Creates a registrar whose {@link StreamHandler} beans' connections get {@code streamOptions} and, with a
     * {@code group}, spread over its loops ({@code loop} accepts: it must be the group's loop 0).
     *
     * @param loop the loop to register with
     * @param beanFactory where to find {@code @IoHandler} and channel beans
     * @param environment where placeholders resolve and ports are published
     * @param streamOptions the options of the streams of {@code StreamHandler} beans
     * @param group the loops {@code StreamHandler} beans' connections spread over, or {@code null} for {@code loop}
     */
    public IoHandlerRegistrar(
            IOLoop loop,
            ListableBeanFactory beanFactory,
            ConfigurableEnvironment environment,
            StreamOptions streamOptions,
            @Nullable IOLoopGroup group) {
        if (group != null && group.loops().get(0) != loop) {
            throw new IllegalArgumentException("the loop " + loop + " is not loop 0 of " + group);
        }
        this.loop = loop;
        this.beanFactory = beanFactory;
        this.environment = environment;
        this.streamOptions = streamOptions;
        this.group = group;
    }

    /**
     * Sets the JCA provider of the TLS contexts made of SSL bundles for {@code @IoHandler(sslBundle = ...)} beans
     * (the starter's {@code ioloop.stream.tls-provider}); {@code null}, the default, uses each bundle's own context
     * (the JDK's default provider). Takes effect for the beans registered after it, so call it before the context
     * has instantiated its singletons.
     *
     * @param provider the provider, initialised with each bundle's key and trust managers, or {@code null}
     */
    public synchronized void setTlsProvider(@Nullable Provider provider) {
        this.tlsProvider = provider;
    }

    @Override
    public void afterSingletonsInstantiated() {
        for (String beanName : beanFactory.getBeanNamesForAnnotation(IoHandler.class)) {
            register(beanName, beanFactory.findAnnotationOnBean(beanName, IoHandler.class));
        }
    }

    /** Returns the registrations made so far. */
    public synchronized List<IoHandlerRegistration> registrations() {
        return List.copyOf(registrations);
    }

    /** Returns the registration of {@code channel}, or {@code null} if no {@code @IoHandler} handles it. */
    public synchronized @Nullable IoHandlerRegistration registration(SelectableChannel channel) {
        return registrations.stream()
                .filter(r -> r.channel() == channel)
                .findFirst()
                .orElse(null);
    }

    /** Calls {@code action} for every registration made so far and for each one made later. */
    public synchronized void whenRegistered(Consumer<? super IoHandlerRegistration> action) {
        registrations.forEach(action);
        listeners.add(action);
    }

    /**
     * Removes the channels the starter opened from the loop and closes them: the loop stops accepting. Call it
     * on the loop thread while the loop runs (through {@code addCallback}), or while it does not run.
     */
    public void closeListeners() {
        for (IoHandlerRegistration registration : registrations()) {
            TCPServer server = registration.streamServer();
            if (server != null) {
                server.pause(); // stop() would close a channel bean the application owns
            }
            if (registration.ownsChannel()) {
                loop.removeHandler(registration.channel());
                registration.closeOwnedChannel();
            }
        }
    }

    /**
     * Takes every {@code @IoHandler} channel off the loop, leaving it open (bound): the loop stops accepting
     * until {@link #resumeListeners()}. Call it on the loop thread (through {@code addCallback}) while the loop
     * runs, or while it does not run.
     */
    public void pauseListeners() {
        for (IoHandlerRegistration registration : registrations()) {
            TCPServer server = registration.streamServer();
            if (server != null) {
                server.pause();
            } else {
                loop.removeHandler(registration.channel());
            }
        }
    }

    /**
     * Puts back on the loop every {@code @IoHandler} channel that is open and not registered (after
     * {@link #pauseListeners()}); call it while the loop does not run.
     */
    public void resumeListeners() {
        Set<SelectableChannel> registered = Collections.newSetFromMap(new IdentityHashMap<>());
        loop.handlers().forEach(h -> registered.add(h.channel()));
        for (IoHandlerRegistration registration : registrations()) {
            SelectableChannel channel = registration.channel();
            TCPServer server = registration.streamServer();
            if (server != null) {
                server.resume();
            } else if (channel.isOpen() && !registered.contains(channel)) {
                loop.addHandler(channel, registration.handler(), registration.events());
            }
        }
    }

    /** Returns how many connections the servers of the {@code StreamHandler} beans have open now; any thread. */
    public int openConnections() {
        return streamServers().stream().mapToInt(TCPServer::openStreams).sum();
    }

    /**
     * Drains every server of a {@code StreamHandler} bean ({@link TCPServer#drain}): each open connection is asked to
     * finish on its loop; those still open after {@code timeout} are closed. Call it after
     * {@link #pauseListeners()}, while the loops run; any thread.
     *
     * @param timeout how long the connections have to close on their own
     * @return completes with whether every connection closed on its own within {@code timeout}
     */
    public CompletableFuture<Boolean> drainServers(Duration timeout) {
        List<CompletableFuture<Boolean>> drains =
                streamServers().stream().map(server -> server.drain(timeout)).toList();
        return CompletableFuture.allOf(drains.toArray(CompletableFuture[]::new))
                .thenApply(v -> drains.stream().allMatch(CompletableFuture::join));
    }

    /** The servers the starter runs for {@code StreamHandler} beans. */
    private List<TCPServer> streamServers() {
        List<TCPServer> servers = new ArrayList<>();
        for (IoHandlerRegistration registration : registrations()) {
            TCPServer server = registration.streamServer();
            if (server != null) {
                servers.add(server);
            }
        }
        return servers;
    }

    /** Closes the channels the starter opened (also after a failed startup); the loop may be in any state. */
    @Override
    public void destroy() {
        registrations().forEach(IoHandlerRegistration::closeOwnedChannel);
    }

    private void register(String beanName, IoHandler annotation) {
        Object bean = beanFactory.getBean(beanName);
        boolean fd = bean instanceof FdHandler<?>;
        if (fd == bean instanceof StreamHandler) {
            throw new IoHandlerException(
                    beanName,
                    bean.getClass().getName()
                            + (fd ? " implements both " : " implements neither ")
                            + FdHandler.class.getName()
                            + (fd ? " and " : " nor ")
                            + StreamHandler.class.getName(),
                    "Make the class of bean '" + beanName + "' implement FdHandler (to handle the channel's "
                            + "events) or StreamHandler (to be handed each connection as a stream), not both, or "
                            + "remove @IoHandler from it.",
                    null);
        }
        FdHandler<?> handler = fd ? (FdHandler<?>) bean : null;
        String sslBundle = sslBundleName(beanName, annotation);
        ClientAuth clientAuth = annotation.clientAuth();
        if (clientAuth != ClientAuth.NONE && sslBundle == null) {
            throw new IoHandlerException(
                    beanName,
                    "clientAuth " + clientAuth + " is set, but sslBundle is not: client certificates are asked for "
                            + "only on TLS connections",
                    "Set the sslBundle of the @IoHandler of bean '" + beanName + "' to an SSL bundle whose "
                            + "truststore holds the client certificates (or CAs) to trust, such as "
                            + "spring.ssl.bundle.pem.<bundle>.truststore.certificate, or remove its clientAuth.",
                    null);
        }
        if (fd && sslBundle != null) {
            throw new IoHandlerException(
                    beanName,
                    "sslBundle '" + sslBundle + "' is set, but the bean is an FdHandler: the starter serves TLS "
                            + "only to StreamHandler beans",
                    "Make the class of bean '" + beanName + "' implement StreamHandler (its connections then "
                            + "arrive as SSLIOStreams), or remove sslBundle from its @IoHandler.",
                    null);
        }
        boolean listen = !annotation.listen().isBlank();
        if (listen == !annotation.channel().isBlank()) {
            throw new IoHandlerException(
                    beanName,
                    (listen ? "both listen and channel are set" : "neither listen " + "nor channel is set"),
                    "Set exactly one of listen (an address the starter opens, such as "
                            + "tcp://127.0.0.1:0) or channel (the name of a SelectableChannel bean) on the @IoHandler of bean '"
                            + beanName + "'.",
                    null);
        }
        IoHandlerRegistration registration =
                listen ? open(beanName, annotation, handler) : channelBean(beanName, annotation.channel(), handler);
        try {
            if (fd) {
                checkChannelType(beanName, bean, registration.channel());
                addHandler(beanName, annotation.events(), registration);
            } else {
                serveStreams(beanName, (StreamHandler) bean, registration, sslBundle, clientAuth);
            }
        } catch (RuntimeException e) {
            registration.closeOwnedChannel();
            throw e;
        }
        synchronized (this) {
            registrations.add(registration);
            publishPort(registration);
            if (registration.listen() != null) {
                IoHandlerRegistration.Tls tls = registration.tls();
                log.info(
                        "@IoHandler '{}' listening on {}{}",
                        beanName,
                        boundAddress(registration),
                        tls == null ? "" : " (" + tls + ")");
            }
            listeners.forEach(listener -> listener.accept(registration));
        }
    }

    /**
     * Runs a {@link TCPServer} for a {@code StreamHandler} bean on its listening channel, over TLS with a bundle,
     * asking for client certificates as {@code clientAuth} says.
     */
    private void serveStreams(
            String beanName,
            StreamHandler handler,
            IoHandlerRegistration registration,
            @Nullable String sslBundle,
            ClientAuth clientAuth) {
        if (sslBundle != null && !(registration.channel() instanceof ServerSocketChannel)) {
            throw new IoHandlerException(
                    beanName,
                    "sslBundle '" + sslBundle + "' needs a TCP or Unix listener, but the channel is a "
                            + registration.channel().getClass().getName()
                            + " (TLS runs over a stream; DTLS is not supported)",
                    "Change the listen of the @IoHandler of bean '" + beanName
                            + "' to tcp://host:port or unix:/path, or remove its sslBundle.",
                    null);
        }
        if (!(registration.channel() instanceof ServerSocketChannel socket)) {
            throw new IoHandlerException(
                    beanName,
                    "a StreamHandler needs a listening TCP or Unix socket, but its channel is a "
                            + registration.channel().getClass().getName(),
                    "Change the listen of the @IoHandler of bean '" + beanName
                            + "' to tcp://host:port or unix:/path (or point channel at a ServerSocketChannel bean).",
                    null);
        }
        SSLContext tls = sslBundle == null ? null : sslContext(beanName, sslBundle);
        if (clientAuth != ClientAuth.NONE) {
            checkTrustStore(beanName, sslBundle, clientAuth);
        }
        TCPServer server = group != null
                ? new TCPServer(group, handler, streamOptions, tls, clientAuth)
                : new TCPServer(loop, handler, streamOptions, tls, clientAuth);
        server.addSockets(socket);
        registration.streamServer(
                server,
                tls == null || sslBundle == null
                        ? null
                        : new IoHandlerRegistration.Tls(
                                sslBundle, tls.getProvider().getName(), clientAuth));
    }

    /** The {@code sslBundle} of the annotation with its placeholders resolved, or {@code null} if none is set. */
    private @Nullable String sslBundleName(String beanName, IoHandler annotation) {
        if (annotation.sslBundle().isBlank()) {
            return null;
        }
        try {
            return environment.resolveRequiredPlaceholders(annotation.sslBundle());
        } catch (IllegalArgumentException e) {
            throw new IoHandlerException(
                    beanName,
                    "cannot resolve sslBundle '" + annotation.sslBundle() + "': " + e.getMessage(),
                    "Define the missing property, or give the placeholder a default "
                            + "(${name:default}), in the sslBundle of the @IoHandler of bean '" + beanName + "'.",
                    e);
        }
    }

    /**
     * The SSL context of bundle {@code name}, with the bundle's protocols and cipher suites, following its reloads;
     * one per bundle, shared by the beans that name it.
     */
    private SSLContext sslContext(String beanName, String name) {
        String define = "Define the SSL bundle '" + name + "' (spring.ssl.bundle.pem." + name
                + ".keystore.certificate and .private-key, or spring.ssl.bundle.jks." + name
                + ".keystore.location), or change the sslBundle of the @IoHandler of bean '" + beanName + "'.";
        SslBundles bundles = beanFactory.getBeanProvider(SslBundles.class).getIfAvailable();
        if (bundles == null) {
            throw new IoHandlerException(
                    beanName,
                    "sslBundle '" + name + "' is set, but there is no SslBundles bean (Spring Boot's "
                            + "SslAutoConfiguration is excluded)",
                    define + " Spring Boot's SSL auto-configuration must be on.",
                    null);
        }
        SSLContext known = sslContexts.get(name);
        if (known != null) {
            return known;
        }
        try {
            SSLContext context = SslBundleContext.following(bundles, name, tlsProvider);
            sslContexts.put(name, context);
            return context;
        } catch (NoSuchSslBundleException e) {
            throw new IoHandlerException(
                    beanName, "SSL bundle '" + name + "' does not exist: " + e.getMessage(), define, null);
        } catch (RuntimeException e) {
            throw new IoHandlerException(
                    beanName,
                    "cannot make an SSLContext of SSL bundle '" + name + "': " + e.getMessage(),
                    "Check the keys and certificates of spring.ssl.bundle.*." + name
                            + " (a certificate with its private key, in PEM or a key store) used by bean '"
                            + beanName + "'.",
                    e);
        }
    }

    /**
     * Fails unless bundle {@code name} has a truststore: without one its {@code SSLContext} would trust the client
     * certificates of every CA the JDK trusts, which is never what client authentication is for.
     */
    private void checkTrustStore(String beanName, String name, ClientAuth clientAuth) {
        SslBundles bundles = beanFactory.getBean(SslBundles.class); // sslContext found it
        if (bundles.getBundle(name).getStores().getTrustStore() == null) {
            throw new IoHandlerException(
                    beanName,
                    "clientAuth " + clientAuth + " is set, but SSL bundle '" + name + "' has no truststore: client "
                            + "certificates would be checked against the JDK's default CAs",
                    "Give the SSL bundle '" + name + "' the client certificates (or CAs) to trust, as "
                            + "spring.ssl.bundle.pem." + name + ".truststore.certificate or spring.ssl.bundle.jks."
                            + name + ".truststore.location, or remove the clientAuth of the @IoHandler of bean '"
                            + beanName + "'.",
                    null);
        }
    }

    private void addHandler(String beanName, int events, IoHandlerRegistration registration) {
        registration.events(events);
        try {
            loop.addHandler(registration.channel(), registration.handler(), events);
        } catch (IllegalArgumentException | IllegalStateException e) {
            throw new IoHandlerException(
                    beanName,
                    "cannot register " + registration.channel() + " for events " + IOLoop.eventNames(events) + ": "
                            + e.getMessage(),
                    "Change the events of the @IoHandler of bean '"
                            + beanName + "' to ones its channel supports (READ for server and datagram channels), and "
                            + "register each channel only once.",
                    e);
        }
    }

    private IoHandlerRegistration open(String beanName, IoHandler annotation, @Nullable FdHandler<?> handler) {
        String listen;
        try {
            listen = environment.resolveRequiredPlaceholders(annotation.listen());
        } catch (IllegalArgumentException e) {
            throw new IoHandlerException(
                    beanName,
                    "cannot resolve listen '" + annotation.listen() + "': " + e.getMessage(),
                    "Define the missing property, or give the placeholder a default "
                            + "(${name:default}), in the listen of the @IoHandler of bean '" + beanName + "'.",
                    e);
        }
        ListenAddress address;
        try {
            address = ListenAddress.parse(listen);
        } catch (IllegalArgumentException e) {
            throw new IoHandlerException(
                    beanName,
                    e.getMessage(),
                    "Change the listen of the @IoHandler of bean '" + beanName
                            + "' to tcp://host:port, udp://host:port or unix:/path.",
                    null);
        }
        try {
            SelectableChannel channel = address.open(annotation.backlog());
            return new IoHandlerRegistration(beanName, channel, listen, address.socketFile(), handler);
        } catch (IOException | RuntimeException e) {
            throw new IoHandlerException(
                    beanName,
                    "cannot listen on " + listen + ": " + e.getMessage(),
                    "Stop the "
                            + "process that uses " + listen + ", or change the listen of the @IoHandler of bean '"
                            + beanName
                            + "' (port 0 picks a free port).",
                    e);
        }
    }

    private IoHandlerRegistration channelBean(String beanName, String channelName, @Nullable FdHandler<?> handler) {
        if (!beanFactory.containsBean(channelName)) {
            throw new IoHandlerException(
                    beanName,
                    "channel bean '" + channelName + "' does not exist",
                    "Define a "
                            + "SelectableChannel bean named '" + channelName
                            + "', or change the channel of the @IoHandler of "
                            + "bean '" + beanName + "'.",
                    null);
        }
        Object bean = beanFactory.getBean(channelName);
        if (!(bean instanceof SelectableChannel channel)) {
            throw new IoHandlerException(
                    beanName,
                    "channel bean '" + channelName + "' is a " + bean.getClass().getName() + ", not a "
                            + SelectableChannel.class.getName(),
                    "Point the channel of the @IoHandler of bean '" + beanName + "' at a SelectableChannel bean.",
                    null);
        }
        try {
            channel.configureBlocking(false);
        } catch (IOException e) {
            throw new IoHandlerException(
                    beanName,
                    "cannot make channel bean '" + channelName + "' non-blocking: " + e.getMessage(),
                    "Give the @IoHandler of bean '" + beanName + "' an open channel.",
                    e);
        }
        return new IoHandlerRegistration(beanName, channel, null, null, handler);
    }

    /** Fails early, instead of a ClassCastException on the loop, when the bean declares another channel type. */
    private static void checkChannelType(String beanName, Object bean, SelectableChannel channel) {
        Class<?> accepted = ResolvableType.forClass(ClassUtils.getUserClass(bean))
                .as(FdHandler.class)
                .getGeneric(0)
                .resolve();
        if (accepted != null && !accepted.isInstance(channel)) {
            throw new IoHandlerException(
                    beanName,
                    "it handles " + accepted.getName() + " but its channel is a "
                            + channel.getClass().getName(),
                    "Change the type argument of FdHandler in bean '" + beanName
                            + "' to match its channel, or change its @IoHandler listen or channel.",
                    null);
        }
    }

    /** The listen address with the port the system chose when it was 0, for the startup log. */
    private static String boundAddress(IoHandlerRegistration registration) {
        String listen = registration.listen();
        try {
            if (registration.channel() instanceof NetworkChannel network
                    && network.getLocalAddress() instanceof InetSocketAddress inet) {
                return listen.substring(0, listen.indexOf("://") + 3) + inet.getHostString() + ":" + inet.getPort();
            }
        } catch (IOException e) {
            // closed meanwhile: the configured address will do
        }
        return listen;
    }

    @SuppressWarnings("unchecked")
    private void publishPort(IoHandlerRegistration registration) {
        SocketAddress local;
        try {
            local = registration.channel() instanceof NetworkChannel network ? network.getLocalAddress() : null;
        } catch (IOException e) {
            return; // closed: nothing to publish
        }
        if (!(local instanceof InetSocketAddress inet)) {
            return;
        }
        PropertySource<?> source = environment.getPropertySources().get(PORTS_PROPERTY_SOURCE);
        if (source == null) {
            source = new MapPropertySource(PORTS_PROPERTY_SOURCE, new HashMap<>());
            environment.getPropertySources().addFirst(source);
        }
        ((Map<String, Object>) source.getSource())
                .put("local.ioloop." + registration.beanName() + ".port", inet.getPort());
    }
}
