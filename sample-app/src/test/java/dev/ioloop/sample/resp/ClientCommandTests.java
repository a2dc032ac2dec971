package dev.ioloop.sample.resp;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ClientCommandTests {

    private static final String BAD_NAME =
            "-ERR Client names cannot contain spaces, newlines or special characters.\r\n";

    private final EngineHarness h = new EngineHarness();

    @Test
    void clientIdIsTheSessionsId() {
        assertThat(h.call("CLIENT", "ID")).isEqualTo(":7\r\n");
    }

    @Test
    void clientSetnameAndGetnameRoundTripAndAnEmptyNameClearsIt() {
        assertThat(h.call("CLIENT", "GETNAME")).isEqualTo("$-1\r\n");
        assertThat(h.call("CLIENT", "SETNAME", "worker-1")).isEqualTo("+OK\r\n");
        assertThat(h.call("client", "getname")).isEqualTo("$8\r\nworker-1\r\n");
        assertThat(h.session.name()).isEqualTo("worker-1");
        assertThat(h.call("CLIENT", "SETNAME", "")).isEqualTo("+OK\r\n");
        assertThat(h.call("CLIENT", "GETNAME")).isEqualTo("$-1\r\n");
    }

    @Test
    void clientNamesWithBlanksOrControlBytesAreRefused() {
        assertThat(h.call("CLIENT", "SETNAME", "a b")).isEqualTo(BAD_NAME);
        assertThat(h.call("CLIENT", "SETNAME", "a\nb")).isEqualTo(BAD_NAME);
        assertThat(h.call("CLIENT", "SETNAME", "caf\u00e9")).isEqualTo(BAD_NAME);
        assertThat(h.session.name()).isNull();
    }

    @Test
    void clientSetinfoAcceptsLibraryNameAndVersionOnly() {
        assertThat(h.call("CLIENT", "SETINFO", "LIB-NAME", "redis-py")).isEqualTo("+OK\r\n");
        assertThat(h.call("CLIENT", "SETINFO", "lib-ver", "5.0.1")).isEqualTo("+OK\r\n");
        assertThat(h.call("CLIENT", "SETINFO", "color", "blue")).isEqualTo("-ERR Unrecognized option 'color'\r\n");
    }

    @Test
    void clientRejectsUnknownSubcommandsAndWrongArity() {
        assertThat(h.call("CLIENT")).isEqualTo("-ERR wrong number of arguments for 'client' command\r\n");
        assertThat(h.call("CLIENT", "SETNAME"))
                .isEqualTo("-ERR wrong number of arguments for 'client|setname' command\r\n");
        assertThat(h.call("CLIENT", "ID", "x")).isEqualTo("-ERR wrong number of arguments for 'client|id' command\r\n");
        assertThat(h.call("client", "kill", "x")).isEqualTo("-ERR unknown subcommand 'kill'. Try CLIENT HELP.\r\n");
        assertThat(h.call("CLIENT", "HELP")).startsWith("*11\r\n+CLIENT <subcommand>");
    }

    private static final String HELLO_REPLY = "*14\r\n$6\r\nserver\r\n$5\r\nredis\r\n$7\r\nversion\r\n$6\r\n7.0.15\r\n"
            + "$5\r\nproto\r\n:2\r\n$2\r\nid\r\n:7\r\n$4\r\nmode\r\n$10\r\nstandalone\r\n"
            + "$4\r\nrole\r\n$6\r\nmaster\r\n$7\r\nmodules\r\n*0\r\n";

    @Test
    void helloWithoutVersionOrWithTwoDescribesTheServer() {
        assertThat(h.call("HELLO")).isEqualTo(HELLO_REPLY);
        assertThat(h.call("HELLO", "2")).isEqualTo(HELLO_REPLY);
    }

    @Test
    void helloThreeIsRefusedBecauseOnlyResp2IsSpoken() {
        assertThat(h.call("HELLO", "3")).isEqualTo("-NOPROTO sorry, this protocol version is not supported.\r\n");
        assertThat(h.call("HELLO", "4")).isEqualTo("-NOPROTO unsupported protocol version\r\n");
        assertThat(h.call("HELLO", "two")).isEqualTo("-ERR Protocol version is not an integer or out of range\r\n");
    }

    @Test
    void helloCanAuthenticateAsTheDefaultUserAndSetTheName() {
        assertThat(h.call("HELLO", "2", "AUTH", "default", "any", "SETNAME", "app"))
                .isEqualTo(HELLO_REPLY);
        assertThat(h.session.name()).isEqualTo("app");
        assertThat(h.call("HELLO", "2", "AUTH", "alice", "pw"))
                .isEqualTo("-WRONGPASS invalid username-password pair or user is disabled.\r\n");
        assertThat(h.call("HELLO", "2", "SETNAME", "a b")).isEqualTo(BAD_NAME);
        assertThat(h.call("HELLO", "2", "SETNAME")).isEqualTo("-ERR Syntax error in HELLO option 'SETNAME'\r\n");
        assertThat(h.call("HELLO", "2", "AUTH", "default")).isEqualTo("-ERR Syntax error in HELLO option 'AUTH'\r\n");
        assertThat(h.session.name()).isEqualTo("app");
    }
}
