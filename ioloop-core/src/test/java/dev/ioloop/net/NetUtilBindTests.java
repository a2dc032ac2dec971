package dev.ioloop.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@link NetUtil#bindSockets} and {@link NetUtil#bindUnix} on real sockets. */
class NetUtilBindTests {

    private final List<ServerSocketChannel> sockets = new ArrayList<>();

    @TempDir
    Path dir;

    @AfterEach
    void closeSockets() throws IOException {
        for (ServerSocketChannel s : sockets) {
            s.close();
        }
    }

    @Test
    void theListenBacklogIsTheSystemsLimit() throws Exception {
        java.nio.file.Path somaxconn = java.nio.file.Path.of("/proc/sys/net/core/somaxconn");
        org.junit.jupiter.api.Assumptions.assumeTrue(java.nio.file.Files.isReadable(somaxconn), "Linux only");
        String text;
        try (java.io.InputStream in = java.nio.file.Files.newInputStream(somaxconn)) {
            text = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.US_ASCII).trim();
        }
        assertThat(NetUtil.defaultListenBacklog())
                .isEqualTo(Integer.parseInt(text))
                .isGreaterThan(NetUtil.DEFAULT_BACKLOG);
    }

    @Test
    void bindOnPortZeroGetsAFreePortNonBlockingWithReuseAddress() throws IOException {
        List<ServerSocketChannel> bound = keep(NetUtil.bindSockets(0, "127.0.0.1", 16, false));

        assertThat(bound).hasSize(1);
        ServerSocketChannel s = bound.get(0);
        assertThat(s.getLocalAddress()).isEqualTo(new InetSocketAddress(Loopback.V4, Loopback.port(s)));
        assertThat(Loopback.port(s)).isPositive();
        assertThat(s.isBlocking()).isFalse();
        assertThat(s.getOption(StandardSocketOptions.SO_REUSEADDR)).isTrue();
        try (SocketChannel client = Loopback.connect(Loopback.V4, Loopback.port(s))) {
            assertThat(client.isConnected()).isTrue();
        }
    }

    @Test
    void bindWithoutHostAcceptsIpv4AndIpv6OnOnePort() throws IOException {
        List<ServerSocketChannel> bound = keep(NetUtil.bindSockets(0, null, 16, false));

        int port = Loopback.port(bound.get(0));
        assertThat(bound).allSatisfy(s -> assertThat(Loopback.port(s)).isEqualTo(port));
        try (SocketChannel v4 = Loopback.connect(Loopback.V4, port)) {
            assertThat(v4.isConnected()).isTrue();
        }
        if (Loopback.hasIpv6()) {
            assertThat(((InetSocketAddress) bound.get(0).getLocalAddress()).getAddress())
                    .as("the dual-stack wildcard")
                    .isEqualTo(InetAddress.getByName("::"));
            try (SocketChannel v6 = Loopback.connect(Loopback.V6, port)) {
                assertThat(v6.isConnected()).isTrue();
            }
        }
    }

    @Test
    void bindOnAHostNameListensOnEachOfItsAddresses() throws IOException {
        List<ServerSocketChannel> bound = keep(NetUtil.bindSockets(0, "localhost", 16, false));

        List<InetAddress> addresses = new ArrayList<>();
        for (ServerSocketChannel s : bound) {
            addresses.add(((InetSocketAddress) s.getLocalAddress()).getAddress());
        }
        assertThat(addresses).containsExactlyInAnyOrder(InetAddress.getAllByName("localhost"));
    }

    @Test
    void bindOnSeveralAddressesWithPortZeroUsesTheFirstPortForAll() throws IOException {
        assumeTrue(Loopback.hasIpv6(), "no IPv6 loopback");

        List<ServerSocketChannel> bound =
                keep(NetUtil.bindAll(0, List.of(Loopback.V4, Loopback.V6, Loopback.V4), 16, false));

        assertThat(bound).as("duplicates bound once").hasSize(2);
        int port = Loopback.port(bound.get(0));
        assertThat(Loopback.port(bound.get(1))).isEqualTo(port);
        try (SocketChannel v4 = Loopback.connect(Loopback.V4, port);
                SocketChannel v6 = Loopback.connect(Loopback.V6, port)) {
            assertThat(v4.isConnected()).isTrue();
            assertThat(v6.isConnected()).isTrue();
        }
    }

    @Test
    void bindOnAPortInUseFailsNamingTheAddress() throws IOException {
        int port = Loopback.port(
                keep(NetUtil.bindSockets(0, "127.0.0.1", 16, false)).get(0));

        assertThatThrownBy(() -> NetUtil.bindSockets(port, "127.0.0.1", 16, false))
                .isInstanceOf(BindException.class)
                .hasMessageContaining("127.0.0.1:" + port);
    }

    @Test
    void aFailedBindClosesTheSocketsBoundBeforeIt() throws IOException {
        assumeTrue(Loopback.hasIpv6(), "no IPv6 loopback");
        int port = Loopback.port(keep(NetUtil.bindSockets(0, "::1", 16, false)).get(0));

        assertThatThrownBy(() -> NetUtil.bindAll(port, List.of(Loopback.V4, Loopback.V6), 16, false))
                .isInstanceOf(BindException.class);

        assertThat(keep(NetUtil.bindSockets(port, "127.0.0.1", 16, false)))
                .as("the IPv4 socket of the failed call was closed")
                .hasSize(1);
    }

    @Test
    void bindWithReusePortLetsTwoSocketsListenOnOnePort() throws IOException {
        try (ServerSocketChannel probe = ServerSocketChannel.open()) {
            assumeTrue(probe.supportedOptions().contains(StandardSocketOptions.SO_REUSEPORT), "no SO_REUSEPORT");
        }
        ServerSocketChannel first =
                keep(NetUtil.bindSockets(0, "127.0.0.1", 16, true)).get(0);
        ServerSocketChannel second = keep(NetUtil.bindSockets(Loopback.port(first), "127.0.0.1", 16, true))
                .get(0);

        assertThat(second.getOption(StandardSocketOptions.SO_REUSEPORT)).isTrue();
        assertThat(Loopback.port(second)).isEqualTo(Loopback.port(first));
    }

    @Test
    void badArgumentsFailWithTheValueInTheMessage() {
        assertThatThrownBy(() -> NetUtil.bindSockets(-1, null, 16, false))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("-1");
        assertThatThrownBy(() -> NetUtil.bindSockets(65536, null, 16, false))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("65536");
        assertThatThrownBy(() -> NetUtil.bindSockets(0, null, 0, false))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("backlog must be > 0: 0");
        assertThatThrownBy(() -> NetUtil.bindUnix(null, 16))
                .isInstanceOf(NullPointerException.class)
                .hasMessage("path");
    }

    @Test
    void bindUnixCreatesTheSocketFileAndReplacesAStaleOne() throws IOException {
        Path path = dir.resolve("s.sock");
        ServerSocketChannel first = NetUtil.bindUnix(path, 16);
        first.close();
        assertThat(path).as("closing does not remove the file").exists();

        ServerSocketChannel second = keep(List.of(NetUtil.bindUnix(path, 16))).get(0);

        assertThat(second.isBlocking()).isFalse();
        try (SocketChannel client = SocketChannel.open(second.getLocalAddress())) {
            assertThat(client.isConnected()).isTrue();
        }
    }

    @Test
    void bindUnixRefusesToReplaceAFileThatIsNotASocket() throws IOException {
        Path path = Files.writeString(dir.resolve("data"), "keep me");

        assertThatThrownBy(() -> NetUtil.bindUnix(path, 16))
                .isInstanceOf(FileAlreadyExistsException.class)
                .hasMessageContaining(path.toString());
        assertThat(path).hasContent("keep me");
    }

    /**
     * A JVM without IPv6 (here: started with {@code java.net.preferIPv4Stack}) binds the IPv4 wildcard alone. The
     * child runs {@link BindWildcardMain} and prints what it bound.
     */
    @Test
    @Timeout(60)
    void bindWithoutHostInAJvmWithoutIpv6BindsIpv4Only() throws Exception {
        String java = ProcessHandle.current().info().command().orElse("java");
        Process child = new ProcessBuilder(
                        java,
                        "-Djava.net.preferIPv4Stack=true",
                        "-cp",
                        System.getProperty("java.class.path"),
                        BindWildcardMain.class.getName())
                .redirectErrorStream(true)
                .start();
        try {
            String out = new String(child.getInputStream().readAllBytes());
            assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(child.exitValue()).as(out).isZero();
            assertThat(out.trim()).matches("/0\\.0\\.0\\.0:\\d+");
        } finally {
            child.destroyForcibly();
        }
    }

    private List<ServerSocketChannel> keep(List<ServerSocketChannel> bound) {
        sockets.addAll(bound);
        return bound;
    }
}
