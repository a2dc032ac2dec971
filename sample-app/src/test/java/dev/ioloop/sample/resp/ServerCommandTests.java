package dev.ioloop.sample.resp;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ServerCommandTests {

    private final EngineHarness h = new EngineHarness();

    @Test
    void pingAnswersPongOrEchoesItsArgument() {
        assertThat(h.call("PING")).isEqualTo("+PONG\r\n");
        assertThat(h.call("PING", "hi there")).isEqualTo("$8\r\nhi there\r\n");
        assertThat(h.call("PING", "a", "b")).isEqualTo("-ERR wrong number of arguments for 'ping' command\r\n");
    }

    @Test
    void echoRepliesWithItsArgument() {
        assertThat(h.call("ECHO", "")).isEqualTo("$0\r\n\r\n");
        assertThat(h.call("ECHO", "x y")).isEqualTo("$3\r\nx y\r\n");
        assertThat(h.call("ECHO")).isEqualTo("-ERR wrong number of arguments for 'echo' command\r\n");
    }

    @Test
    void unknownCommandsAreNamedWithTheirFirstArgumentsQuoted() {
        assertThat(h.call("FROB", "list", "a b"))
                .isEqualTo("-ERR unknown command 'FROB', with args beginning with: 'list' 'a b' \r\n");
        assertThat(h.call("NOPE")).isEqualTo("-ERR unknown command 'NOPE', with args beginning with: \r\n");
        assertThat(h.send("foo\r\n")).isEqualTo("-ERR unknown command 'foo', with args beginning with: \r\n");
    }

    @Test
    void unknownCommandTextIsCutAndKeptOnOneLine() {
        String reply = h.call("X\r\nY", "a".repeat(100), "b".repeat(100), "c");
        assertThat(reply)
                .isEqualTo("-ERR unknown command 'X  Y', with args beginning with: '" + "a".repeat(100) + "' '"
                        + "b".repeat(25) + "' \r\n");
        assertThat(h.call("c".repeat(200)))
                .isEqualTo("-ERR unknown command '" + "c".repeat(128) + "', with args beginning with: \r\n");
    }

    @Test
    void quitAsksForTheConnectionToBeClosed() {
        assertThat(h.call("QUIT")).isEqualTo("+OK\r\n");
        assertThat(h.session.closeRequested()).isTrue();
    }

    @Test
    void infoReportsServerClientsStatsKeyspaceAndTheExtraSections() {
        Map<String, Map<String, String>> extra = new LinkedHashMap<>();
        extra.put("ioloop", Map.of("loop_iterations", "42"));
        extra.put("server", Map.of("tcp_port", "6380"));
        InfoSource source = new InfoSource() {
            @Override
            public Map<String, Map<String, String>> sections() {
                return extra;
            }

            @Override
            public long connectedClients() {
                return 3;
            }

            @Override
            public long totalConnections() {
                return 17;
            }
        };
        EngineHarness h = new EngineHarness(RespLimits.defaults(), source, false);
        h.call("SET", "a", "1", "EX", "100");
        h.call("SET", "b", "2");
        h.scheduler.advance(5_000);
        String info = h.call("INFO");
        assertThat(info)
                .startsWith("$")
                .contains("\r\n# Server\r\nredis_version:7.0.15\r\n")
                .contains(
                        "redis_mode:standalone\r\n",
                        "process_id:" + ProcessHandle.current().pid() + "\r\n",
                        "uptime_in_seconds:5\r\n",
                        "tcp_port:6380\r\n",
                        "\r\n\r\n# Clients\r\nconnected_clients:3\r\n",
                        "\r\n\r\n# Stats\r\ntotal_connections_received:17\r\ntotal_commands_processed:2\r\n",
                        "\r\n\r\n# Keyspace\r\ndb0:keys=2,expires=1,avg_ttl=95000\r\n",
                        "\r\n\r\n# Ioloop\r\nloop_iterations:42\r\n");
        int declared = Integer.parseInt(info.substring(1, info.indexOf('\r')));
        assertThat(info.length() - info.indexOf('\n') - 3).isEqualTo(declared);
    }

    @Test
    void infoWithSectionNamesReportsOnlyThoseAndNothingForUnknownOnes() {
        assertThat(h.call("INFO", "CLIENTS")).isEqualTo("$32\r\n# Clients\r\nconnected_clients:0\r\n\r\n");
        assertThat(h.call("INFO", "keyspace")).isEqualTo("$12\r\n# Keyspace\r\n\r\n");
        assertThat(h.call("INFO", "nothing")).isEqualTo("$0\r\n\r\n");
        assertThat(h.call("INFO", "stats", "clients"))
                .contains("# Clients", "# Stats")
                .doesNotContain("# Server");
    }

    @Test
    void configGetAnswersNameValuePairsForMatchingParameters() {
        assertThat(h.call("CONFIG", "GET", "save")).isEqualTo("*2\r\n$4\r\nsave\r\n$0\r\n\r\n");
        assertThat(h.call("config", "get", "APPENDONLY")).isEqualTo("*2\r\n$10\r\nappendonly\r\n$2\r\nno\r\n");
        assertThat(h.call("CONFIG", "GET", "save", "appendonly")).startsWith("*4\r\n");
        assertThat(h.call("CONFIG", "GET", "no-such-thing")).isEqualTo("*0\r\n");
        assertThat(h.call("CONFIG", "GET", "*max*")).contains("maxmemory", "proto-max-bulk-len\r\n$9\r\n536870912");
    }

    @Test
    void configRejectsUnknownSubcommandsAndWrongArity() {
        assertThat(h.call("CONFIG")).isEqualTo("-ERR wrong number of arguments for 'config' command\r\n");
        assertThat(h.call("CONFIG", "GET")).isEqualTo("-ERR wrong number of arguments for 'config|get' command\r\n");
        assertThat(h.call("config", "set", "save", ""))
                .isEqualTo("-ERR unknown subcommand 'set'. Try CONFIG HELP.\r\n");
        assertThat(h.call("CONFIG", "HELP")).startsWith("*5\r\n+CONFIG <subcommand>");
    }

    @Test
    void commandDescribesTheCommandsInRedisSevenShape() {
        int count = CommandTable.ALL.size();
        assertThat(h.call("COMMAND", "COUNT")).isEqualTo(":" + count + "\r\n");
        assertThat(h.call("COMMAND")).startsWith("*" + count + "\r\n*10\r\n$4\r\nping\r\n:-1\r\n");
        assertThat(h.call("COMMAND", "INFO", "get", "nope"))
                .isEqualTo("*2\r\n*10\r\n$3\r\nget\r\n:2\r\n"
                        + "*2\r\n+readonly\r\n+fast\r\n:1\r\n:1\r\n:1\r\n*0\r\n*0\r\n*0\r\n*0\r\n$-1\r\n");
        assertThat(h.call("COMMAND", "INFO", "config|get")).startsWith("*1\r\n*10\r\n$10\r\nconfig|get\r\n:-3\r\n");
        assertThat(h.call("COMMAND", "DOCS")).isEqualTo("*0\r\n");
        assertThat(h.call("COMMAND", "DOCS", "get")).isEqualTo("*0\r\n");
        assertThat(h.call("COMMAND", "LIST")).contains("$3\r\nset\r\n", "$14\r\nclient|setname\r\n");
        assertThat(h.call("COMMAND", "COUNT", "x"))
                .isEqualTo("-ERR wrong number of arguments for 'command|count' command\r\n");
        assertThat(h.call("COMMAND", "FOO")).isEqualTo("-ERR unknown subcommand 'FOO'. Try COMMAND HELP.\r\n");
    }
}
