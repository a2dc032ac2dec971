package dev.ioloop.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.net.UnixDomainSocketAddress;
import org.junit.jupiter.api.Test;

class ListenAddressTests {

    @Test
    void parsesTcpAndUdpHostsAndPorts() {
        ListenAddress tcp = ListenAddress.parse("tcp://127.0.0.1:8080");
        assertThat(tcp.scheme()).isEqualTo("tcp");
        assertThat(tcp.address()).isEqualTo(new InetSocketAddress("127.0.0.1", 8080));
        assertThat(ListenAddress.parse("udp://0.0.0.0:0").address()).isEqualTo(new InetSocketAddress("0.0.0.0", 0));
    }

    @Test
    void parsesBracketedIpv6Literals() {
        InetSocketAddress address =
                (InetSocketAddress) ListenAddress.parse("tcp://[::1]:0").address();
        assertThat(address.getAddress()).isInstanceOf(Inet6Address.class);
        assertThat(address.getAddress().isLoopbackAddress()).isTrue();
    }

    @Test
    void takesUnixPathsVerbatimWithOrWithoutSlashes() {
        assertThat(ListenAddress.parse("unix:/tmp/my app.sock").address())
                .isEqualTo(UnixDomainSocketAddress.of("/tmp/my app.sock"));
        assertThat(ListenAddress.parse("unix:///run/x.sock").socketFile()).hasToString("/run/x.sock");
    }

    @Test
    void rejectsWhatItCannotOpenSayingWhatIsAllowed() {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> ListenAddress.parse("localhost:80"))
                .withMessageContaining("unknown scheme 'localhost'")
                .withMessageContaining("unix:/path");
        assertThatIllegalArgumentException()
                .isThrownBy(() -> ListenAddress.parse("127.0.0.1:80"))
                .withMessageContaining("is malformed")
                .withMessageContaining("unix:/path");
        assertThatIllegalArgumentException()
                .isThrownBy(() -> ListenAddress.parse("tcp://127.0.0.1"))
                .withMessageContaining("must be tcp://host:port");
        assertThatIllegalArgumentException()
                .isThrownBy(() -> ListenAddress.parse("tcp://127.0.0.1:80/path"))
                .withMessageContaining("must be tcp://host:port");
        assertThatIllegalArgumentException()
                .isThrownBy(() -> ListenAddress.parse("udp://127.0.0.1:70000"))
                .withMessageContaining("port out of range");
        assertThatIllegalArgumentException()
                .isThrownBy(() -> ListenAddress.parse("unix:"))
                .withMessageContaining("has no socket path");
        assertThatIllegalArgumentException()
                .isThrownBy(() -> ListenAddress.parse("tcp://no-such-host.invalid:1"))
                .withMessageContaining("cannot resolve host 'no-such-host.invalid'");
    }
}
