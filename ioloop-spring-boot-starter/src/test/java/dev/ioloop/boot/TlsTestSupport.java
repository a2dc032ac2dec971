package dev.ioloop.boot;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ioloop.IOLoop;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;

/**
 * What the starter's TLS tests share: a blocking client that checks the server's name, one-line exchanges, and the
 * check of a startup that an {@code @IoHandler} failed.
 */
final class TlsTestSupport {

    private TlsTestSupport() {}

    /**
     * Connects to {@code port} on loopback with {@code context}, checking that the certificate names
     * {@code localhost} (HTTPS endpoint identification); reads time out after 10 s. The handshake runs on first use.
     */
    static SSLSocket connect(SSLContext context, int port) throws IOException {
        Socket plain = new Socket(InetAddress.getLoopbackAddress(), port);
        plain.setSoTimeout(10_000);
        SSLSocket client = (SSLSocket) context.getSocketFactory().createSocket(plain, "localhost", port, true);
        SSLParameters parameters = client.getSSLParameters();
        parameters.setEndpointIdentificationAlgorithm("HTTPS");
        client.setSSLParameters(parameters);
        return client;
    }

    /** Sends {@code line} and a newline, and returns the line the server answers. */
    static String exchange(Socket socket, String line) throws IOException {
        socket.getOutputStream().write((line + "\n").getBytes(StandardCharsets.US_ASCII));
        socket.getOutputStream().flush();
        return readLine(socket);
    }

    /**
     * Reads one line; the reader's buffer of one character leaves whatever follows the line in the socket for the
     * next read.
     */
    static String readLine(Socket socket) throws IOException {
        return new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII), 1)
                .readLine();
    }

    /**
     * Asserts that the context failed to start because of bean {@code beanName}'s {@code @IoHandler}: an
     * {@link IoHandlerException} naming the bean, which the failure analyzer describes with {@code problem} and an
     * action that names the bean, and no loop left installed; returns the analysis for more checks.
     */
    static FailureAnalysis assertStartupFailure(AssertableApplicationContext context, String beanName, String problem) {
        assertThat(context).hasFailed();
        Throwable failure = context.getStartupFailure();
        while (!(failure instanceof IoHandlerException) && failure.getCause() != null) {
            failure = failure.getCause();
        }
        assertThat(failure).isInstanceOf(IoHandlerException.class);
        assertThat(((IoHandlerException) failure).beanName()).isEqualTo(beanName);
        FailureAnalysis analysis = new IoHandlerFailureAnalyzer().analyze(context.getStartupFailure());
        assertThat(analysis).isNotNull();
        assertThat(analysis.getDescription()).contains("'" + beanName + "'").contains(problem);
        assertThat(analysis.getAction()).contains("bean '" + beanName + "'");
        assertThat(IOLoop.initialized()).isFalse();
        return analysis;
    }
}
