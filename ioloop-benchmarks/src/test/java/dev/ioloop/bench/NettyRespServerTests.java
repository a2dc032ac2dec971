package dev.ioloop.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.netty.channel.epoll.Epoll;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Talks RESP to the {@link NettyRespServer} over a plain socket, on each transport. */
@Timeout(60)
class NettyRespServerTests {

    @Nested
    class OnNio extends Contract {
        @Override
        NettyTransport transport() {
            return NettyTransport.NIO;
        }
    }

    @Nested
    class OnEpoll extends Contract {
        @Override
        NettyTransport transport() {
            assumeTrue(Epoll.isAvailable(), "native epoll is not available here");
            return NettyTransport.EPOLL;
        }
    }

    abstract static class Contract {
        private NettyRespServer server;
        private Socket socket;

        abstract NettyTransport transport();

        @BeforeEach
        void start() throws Exception {
            server = NettyRespServer.start("127.0.0.1", 0, transport());
            socket = new Socket();
            socket.connect(new InetSocketAddress("127.0.0.1", server.port()), 5_000);
            socket.setSoTimeout(5_000);
            socket.setTcpNoDelay(true);
        }

        @AfterEach
        void stop() throws IOException {
            if (socket != null) {
                socket.close();
            }
            if (server != null) {
                server.close();
            }
        }

        @Test
        void pingAnswersPong() throws IOException {
            send("*1\r\n$4\r\nPING\r\n");
            expect("+PONG\r\n");
        }

        @Test
        void setThenGetReturnsTheValueAndMissingKeyIsNull() throws IOException {
            send("*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nvalue\r\n*2\r\n$3\r\nget\r\n$3\r\nkey\r\n"
                    + "*2\r\n$3\r\nGET\r\n$4\r\nnone\r\n");
            expect("+OK\r\n$5\r\nvalue\r\n$-1\r\n");
        }

        @Test
        void incrCountsFromZeroAndRefusesNonIntegers() throws IOException {
            send("*2\r\n$4\r\nINCR\r\n$1\r\nn\r\n".repeat(12) + "*3\r\n$3\r\nSET\r\n$1\r\ns\r\n$1\r\nx\r\n"
                    + "*2\r\n$4\r\nINCR\r\n$1\r\ns\r\n");
            StringBuilder counts = new StringBuilder();
            for (int i = 1; i <= 12; i++) {
                counts.append(':').append(i).append("\r\n");
            }
            expect(counts + "+OK\r\n-ERR value is not an integer or out of range\r\n");
        }

        @Test
        void commandSplitAcrossWritesIsAnsweredOnceComplete() throws Exception {
            String command = "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$3\r\nabc\r\n*2\r\n$3\r\nGET\r\n$1\r\nk\r\n";
            for (int i = 0; i < command.length(); i++) {
                // One write per byte (the client sets TCP_NODELAY): most bytes arrive in reads of their own, and
                // the replies must be the same however the kernel coalesces them.
                send(command.substring(i, i + 1));
            }
            expect("+OK\r\n$3\r\nabc\r\n");
        }

        @Test
        void largeValueArrivingInManyReadsIsStoredWhole() throws IOException {
            String value = "v".repeat(300_000);
            send("*3\r\n$3\r\nSET\r\n$3\r\nbig\r\n$" + value.length() + "\r\n" + value + "\r\n"
                    + "*2\r\n$3\r\nGET\r\n$3\r\nbig\r\n");
            expect("+OK\r\n$" + value.length() + "\r\n" + value + "\r\n");
        }

        @Test
        void inlineCommandsAreAccepted() throws IOException {
            send("PING\r\nping hello\r\n");
            expect("+PONG\r\n$5\r\nhello\r\n");
        }

        @Test
        void handshakeOfRedisToolsIsAnswered() throws IOException {
            send("*3\r\n$6\r\nCONFIG\r\n$3\r\nGET\r\n$4\r\nsave\r\n*2\r\n$7\r\nCOMMAND\r\n$4\r\nDOCS\r\n"
                    + "*4\r\n$6\r\nCLIENT\r\n$7\r\nSETINFO\r\n$8\r\nlib-name\r\n$1\r\nx\r\n"
                    + "*2\r\n$5\r\nHELLO\r\n$1\r\n3\r\n");
            expect("*2\r\n$4\r\nsave\r\n$0\r\n\r\n*0\r\n+OK\r\n"
                    + "-NOPROTO sorry, this protocol version is not supported\r\n");
        }

        @Test
        void protocolErrorIsReportedAndClosesTheConnection() throws IOException {
            send("*1\r\n#4\r\nPING\r\n");
            expect("-ERR Protocol error: expected '$', got '#'\r\n");
            assertThat(socket.getInputStream().read()).isEqualTo(-1);
        }

        private void send(String raw) throws IOException {
            OutputStream out = socket.getOutputStream();
            out.write(raw.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
        }

        private void expect(String reply) throws IOException {
            InputStream in = socket.getInputStream();
            byte[] received = in.readNBytes(reply.length());
            assertThat(new String(received, StandardCharsets.ISO_8859_1)).isEqualTo(reply);
        }
    }
}
