package dev.ioloop.boot;

import dev.ioloop.FdHandler;
import dev.ioloop.IOLoop;
import dev.ioloop.net.ClientAuth;
import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.springframework.core.annotation.AliasFor;
import org.springframework.stereotype.Component;

/**
 * Marks a bean that implements {@link FdHandler} as the handler of one channel of the application's
 * {@link IOLoop}: either a channel the starter opens ({@link #listen()}) or a channel bean the application
 * defines ({@link #channel()}). Exactly one of the two must be set.
 *
 * <p>A bean that implements {@link dev.ioloop.net.StreamHandler} instead is handed each connection accepted on that
 * channel as a {@link dev.ioloop.stream.IOStream}: the starter runs a {@link dev.ioloop.net.TCPServer} on it, with
 * the {@link dev.ioloop.stream.StreamOptions} bean (from {@code ioloop.stream.*}). Its channel must be a listening
 * TCP or Unix socket, and {@link #events()} is not used.
 *
 * <pre>{@code
 * @IoHandler(value = "upper", listen = "tcp://127.0.0.1:${upper.port:0}")
 * class UpperCaseLineServer implements StreamHandler {
 *     public void handleStream(IOStream stream, SocketAddress remote) {
 *         stream.readUntil(EOL).thenAccept(line -> {
 *             stream.write(new String(line, UTF_8).toUpperCase(Locale.ROOT).getBytes(UTF_8));
 *             handleStream(stream, remote);
 *         });
 *     }
 * }
 * }</pre>
 *
 * <p>With {@link #sslBundle()}, a {@code StreamHandler} bean serves TLS: each connection arrives as a
 * {@link dev.ioloop.stream.SSLIOStream} whose handshake is running, made with the {@code SSLContext} of that Spring
 * Boot SSL bundle ({@code spring.ssl.bundle.pem.<name>} or {@code spring.ssl.bundle.jks.<name>}):
 *
 * <pre>{@code
 * @IoHandler(value = "upper", listen = "tcp://0.0.0.0:6380", sslBundle = "server")
 * class UpperCaseLineServer implements StreamHandler { ... }
 * }</pre>
 *
 * <p>With {@link #clientAuth()} as well, clients must (or may) present a certificate that the bundle's truststore
 * trusts (mutual TLS); the handler reads it from the stream's session once the handshake is done:
 *
 * <pre>{@code
 * @IoHandler(value = "upper", listen = "tcp://0.0.0.0:6380", sslBundle = "server", clientAuth = ClientAuth.NEED)
 * class UpperCaseLineServer implements StreamHandler {
 *     public void handleStream(IOStream stream, SocketAddress remote) {
 *         ((SSLIOStream) stream).waitForHandshake().thenAccept(tls -> {
 *             X509Certificate client = (X509Certificate) tls.session().getPeerCertificates()[0];
 *             ...
 *         });
 *     }
 * }
 * }</pre>
 *
 * <p>An {@code FdHandler} bean handles the channel's events itself:
 *
 * <pre>{@code
 * @IoHandler(value = "echo", listen = "tcp://127.0.0.1:${echo.port:0}")
 * class EchoServer implements FdHandler<ServerSocketChannel> {
 *     public void handle(ServerSocketChannel server, int events) throws IOException {
 *         SocketChannel client;
 *         while ((client = server.accept()) != null) {
 *             client.configureBlocking(false);
 *             IOLoop.current().addHandler(client, new EchoConnection(), IOLoop.READ);
 *         }
 *     }
 * }
 * }</pre>
 *
 * <p>The annotation is meta-annotated with {@link Component}, so component scanning finds annotated classes.
 * The starter registers every such bean with the loop after all singletons exist and before the loop thread
 * starts; a mistake (neither or both attributes, a bean that is neither (or both) an {@code FdHandler} and a {@code StreamHandler}, a missing channel
 * bean, an unusable {@code listen} URI, an address in use, a {@code StreamHandler} on a datagram channel, an
 * {@link #sslBundle()} that does not exist or is set on an {@code FdHandler} or a datagram channel, a
 * {@link #clientAuth()} without an {@code sslBundle} or with a bundle that has no truststore) fails
 * startup with an {@link IoHandlerException}.
 * The handler runs on the loop thread and must not block, as {@link FdHandler} says. If it throws as many
 * times in a row as the loop's handler failure limit ({@code ioloop.handler-failure-limit}, default 10), the
 * loop takes its channel off the loop and closes it, whether the starter opened it or not.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Component
public @interface IoHandler {

    /**
     * Name of the bean (as {@link Component#value()}); it names the handler in metrics, the endpoint and
     * error messages, and in the {@code local.ioloop.<name>.port} property.
     *
     * @return the bean name, or empty for the generated one
     */
    @AliasFor(annotation = Component.class)
    String value() default "";

    /**
     * Address the starter opens, binds and makes non-blocking before the context finishes starting:
     * {@code tcp://host:port} (a {@code ServerSocketChannel} with {@code SO_REUSEADDR}),
     * {@code udp://host:port} (a {@code DatagramChannel}) or {@code unix:/path} (a Unix-domain
     * {@code ServerSocketChannel}; the socket file is removed on close). IPv6 literals go in brackets
     * ({@code tcp://[::1]:0}); {@code ${...}} placeholders are resolved. Port 0 picks a free port. The bound
     * port is published as the {@code local.ioloop.<beanName>.port} property. The starter closes this channel on
     * shutdown.
     *
     * @return the address to listen on, or empty when {@link #channel()} is set
     */
    String listen() default "";

    /**
     * Name of a {@code SelectableChannel} bean to handle instead of opening one. The application owns it:
     * the starter makes it non-blocking and registers it, but never closes it. If it is bound to an IP address,
     * its port is published as the {@code local.ioloop.<beanName>.port} property.
     *
     * @return the channel bean name, or empty when {@link #listen()} is set
     */
    String channel() default "";

    /**
     * Events to watch: a combination of {@link IOLoop#READ}, {@link IOLoop#WRITE} and {@link IOLoop#ERROR}.
     * {@code READ} on a server channel means a connection can be accepted.
     *
     * @return the interest set
     */
    int events() default IOLoop.READ;

    /**
     * Name of the Spring Boot SSL bundle ({@code spring.ssl.bundle.*}) to serve TLS with, for a
     * {@link dev.ioloop.net.StreamHandler} bean on a {@code tcp:} or {@code unix:} listener (or a
     * {@code ServerSocketChannel} bean): the starter's {@link dev.ioloop.net.TCPServer} gets the bundle's
     * {@code SSLContext} (its enabled protocols and cipher suites applied to each connection), and the handler gets
     * {@link dev.ioloop.stream.SSLIOStream}s. A handshake must finish within
     * {@code ioloop.stream.handshake-timeout}. When Spring Boot reloads the bundle
     * ({@code spring.ssl.bundle.pem.<name>.reload-on-update=true}, after its files change), connections accepted
     * from then on get the new keys and open ones keep theirs; each reload is logged at INFO. {@code ${...}}
     * placeholders are resolved.
     *
     * @return the bundle name, or empty for plain TCP
     */
    String sslBundle() default "";

    /**
     * Whether the TLS server of {@link #sslBundle()} asks clients for a certificate (mutual TLS, as Tomcat's
     * {@code server.ssl.client-auth}): {@link ClientAuth#NEED} refuses a client without a trusted certificate (its
     * handshake fails, quietly: the connection closes, nothing above DEBUG is logged), {@link ClientAuth#WANT}
     * asks for one and serves a client that sends none. The bundle's truststore
     * ({@code spring.ssl.bundle.pem.<name>.truststore.certificate}, or {@code spring.ssl.bundle.jks.<name>.truststore.*})
     * decides which certificates are trusted, and follows the bundle's reloads like its keys; a bundle without one
     * fails startup, as does a value other than {@code NONE} without an {@code sslBundle}. The handler reads the
     * client's certificate from {@code ((SSLIOStream) stream).session().getPeerCertificates()} after
     * {@link dev.ioloop.stream.SSLIOStream#waitForHandshake()}.
     *
     * @return whether clients must, may or need not present a certificate
     */
    ClientAuth clientAuth() default ClientAuth.NONE;

    /**
     * Length of the accept queue of a {@code tcp:} or {@code unix:} listener.
     *
     * @return the backlog
     */
    int backlog() default 128;
}
