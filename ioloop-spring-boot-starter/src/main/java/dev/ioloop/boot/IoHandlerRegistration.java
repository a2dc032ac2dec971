package dev.ioloop.boot;

import dev.ioloop.FdHandler;
import dev.ioloop.IOLoop;
import dev.ioloop.net.ClientAuth;
import dev.ioloop.net.TCPServer;
import java.io.IOException;
import java.nio.channels.SelectableChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One {@link IoHandler} bean as registered with the loop: its bean name, its channel, and how many times the
 * loop has called it. The loop sees a small counting wrapper around the bean whose {@code toString()} names
 * the bean, so the loop's error log says which bean failed. Obtain these from {@link IoHandlerRegistrar}.
 */
public final class IoHandlerRegistration {

    private static final Logger log = LoggerFactory.getLogger(IoHandlerRegistration.class);

    private final String beanName;
    private final SelectableChannel channel;
    private final @Nullable String listen;
    private final @Nullable Path socketFile;
    private final @Nullable Counting handler;
    private @Nullable TCPServer server;
    private @Nullable Tls tls;
    private int events = IOLoop.READ;

    IoHandlerRegistration(
            String beanName,
            SelectableChannel channel,
            @Nullable String listen,
            @Nullable Path socketFile,
            @Nullable FdHandler<?> bean) {
        this.beanName = beanName;
        this.channel = channel;
        this.listen = listen;
        this.socketFile = socketFile;
        this.handler = bean == null ? null : new Counting(beanName, bean);
    }

    /** Returns the name of the {@code @IoHandler} bean. */
    public String beanName() {
        return beanName;
    }

    /** Returns the channel the bean handles. */
    public SelectableChannel channel() {
        return channel;
    }

    /** Returns the resolved {@code listen} address, or {@code null} for a channel bean of the application. */
    public @Nullable String listen() {
        return listen;
    }

    /** Returns whether the starter opened the channel (from {@code listen}) and therefore closes it. */
    public boolean ownsChannel() {
        return listen != null;
    }

    /**
     * Returns how many times the loop has called an {@link FdHandler} bean (one call may carry several events), or
     * how many connections a {@link dev.ioloop.net.StreamHandler} bean was handed.
     */
    public long calls() {
        TCPServer s = server;
        return handler != null ? handler.calls : s != null ? s.counters().opened() : 0;
    }

    /**
     * Returns the {@link TCPServer} that serves a {@link dev.ioloop.net.StreamHandler} bean's connections, or
     * {@code null} for an {@link FdHandler} bean. Its {@link TCPServer#counters() counters} feed the
     * {@code ioloop.streams.*} meters.
     */
    public @Nullable TCPServer streamServer() {
        return server;
    }

    void streamServer(TCPServer server, @Nullable Tls tls) {
        this.server = server;
        this.tls = tls;
    }

    /**
     * Returns how a {@link dev.ioloop.net.StreamHandler} bean's connections are secured: its SSL bundle, the JCA
     * provider of the TLS and the client authentication; {@code null} for a plain listener or an {@link FdHandler}
     * bean.
     */
    public @Nullable Tls tls() {
        return tls;
    }

    @Nullable
    FdHandler<SelectableChannel> handler() {
        return handler;
    }

    /** Returns the events the channel was registered for (the {@code @IoHandler}'s {@code events}). */
    public int events() {
        return events;
    }

    void events(int events) {
        this.events = events;
    }

    /** Closes the channel if the starter opened it, and removes its socket file; idempotent. */
    void closeOwnedChannel() {
        if (!ownsChannel()) {
            return;
        }
        try {
            channel.close();
            if (socketFile != null) {
                Files.deleteIfExists(socketFile);
            }
        } catch (IOException e) {
            log.warn("Failed to close {} of @IoHandler bean '{}'", listen, beanName, e);
        }
    }

    @Override
    public String toString() {
        return "IoHandlerRegistration[" + beanName + ", " + (listen != null ? listen : channel) + "]";
    }

    /**
     * The TLS of a {@link dev.ioloop.net.StreamHandler} bean's listener.
     *
     * @param sslBundle the name of the Spring Boot SSL bundle ({@code sslBundle} of the {@link IoHandler})
     * @param provider the name of the JCA provider whose engines serve the connections: {@code SunJSSE} for the
     *     JDK's own TLS, {@code Conscrypt} with {@code ioloop.stream.tls-provider=Conscrypt}
     * @param clientAuth whether the server asks clients for a certificate
     */
    public record Tls(String sslBundle, String provider, ClientAuth clientAuth) {

        @Override
        public String toString() {
            return "TLS, SSL bundle '" + sslBundle + "', " + provider
                    + (clientAuth == ClientAuth.NONE ? "" : ", client auth " + clientAuth);
        }
    }

    /** What the loop calls: counts, then delegates to the bean. */
    private static final class Counting implements FdHandler<SelectableChannel> {

        private final String beanName;
        private final FdHandler<SelectableChannel> bean;
        // Written by the loop thread only, so the non-atomic increment is safe; volatile for readers.
        private volatile long calls;

        @SuppressWarnings("unchecked")
        Counting(String beanName, FdHandler<?> bean) {
            this.beanName = beanName;
            this.bean = (FdHandler<SelectableChannel>) bean;
        }

        @Override
        public void handle(SelectableChannel channel, int events) throws Exception {
            calls++;
            bean.handle(channel, events);
        }

        @Override
        public String toString() {
            return "@IoHandler '" + beanName + "' (" + bean.getClass().getName() + ")";
        }
    }
}
