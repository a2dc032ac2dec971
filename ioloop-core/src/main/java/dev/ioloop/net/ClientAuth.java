package dev.ioloop.net;

import javax.net.ssl.SSLEngine;

/**
 * Whether a TLS {@link TCPServer} asks its clients for a certificate (Netty's {@code ClientAuth}, Tomcat's
 * {@code client-auth}): mutual TLS. The server's {@link javax.net.ssl.SSLContext} decides which certificates it
 * trusts (its trust managers; with none given to {@code SSLContext.init}, the JDK's default CAs).
 *
 * <pre>{@code
 * TCPServer server = new TCPServer(loop, (stream, remote) -> {
 *     SSLIOStream tls = (SSLIOStream) stream;
 *     tls.waitForHandshake().thenAccept(s -> {
 *         X509Certificate client = (X509Certificate) s.session().getPeerCertificates()[0];
 *         serve(s, client.getSubjectX500Principal());
 *     });
 * }, StreamOptions.defaults(), context, ClientAuth.NEED);
 * }</pre>
 */
public enum ClientAuth {

    /** The server does not ask for a certificate; the engine keeps the context's default (no client auth). */
    NONE,

    /**
     * The server asks for a certificate and checks it if one is sent, but serves a client that sends none: its
     * session then has no peer certificates ({@link javax.net.ssl.SSLSession#getPeerCertificates()} throws
     * {@link javax.net.ssl.SSLPeerUnverifiedException}). A certificate that is sent and not trusted fails the
     * handshake.
     */
    WANT,

    /** The server requires a trusted certificate: a client without one, or with an untrusted one, fails the handshake. */
    NEED;

    /** Sets this mode on a server engine; {@link #NONE} leaves the engine as the context made it. */
    void applyTo(SSLEngine engine) {
        switch (this) {
            case WANT -> engine.setWantClientAuth(true);
            case NEED -> engine.setNeedClientAuth(true);
            case NONE -> {}
        }
    }
}
