package dev.ioloop.sample.resp;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Connection and server commands: PING, ECHO, TIME, INFO, CONFIG, COMMAND, CLIENT, HELLO, QUIT. Enough of
 * each for redis-cli, redis-benchmark and the common client libraries to connect and introspect.
 *
 * <p>Threading: the event-loop thread only.
 */
final class ServerCommands {

    /** The Redis version this server claims to be compatible with. */
    static final String REDIS_VERSION = "7.0.15";

    private static final byte[] AUTH = Ascii.lower("auth");
    private static final byte[] SETNAME = Ascii.lower("setname");
    private static final byte[] DEFAULT_USER = "default".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    private static final byte[] LIB_NAME = Ascii.lower("lib-name");
    private static final byte[] LIB_VER = Ascii.lower("lib-ver");
    private static final List<String> BUILT_IN_SECTIONS = List.of("server", "clients", "stats", "keyspace");

    private final Keyspace keyspace;
    private final InfoSource info;
    private final long startMillis;
    private final Map<String, String> config = new LinkedHashMap<>();
    /** Commands executed, for INFO's total_commands_processed. */
    long commandsProcessed;

    ServerCommands(Keyspace keyspace, RespLimits limits, InfoSource info) {
        this.keyspace = keyspace;
        this.info = info;
        this.startMillis = keyspace.nowMillis();
        // What redis-benchmark and redis-cli ask for; the values describe this server truthfully.
        config.put("save", "");
        config.put("appendonly", "no");
        config.put("databases", Integer.toString(limits.databases()));
        config.put("maxmemory", "0");
        config.put("proto-max-bulk-len", Integer.toString(limits.maxBulkLength()));
    }

    void ping(Args a, ReplyBuffer out, CommandSpec spec) {
        if (a.count > 2) {
            out.appendError(spec.arityError);
        } else if (a.count == 1) {
            out.appendRaw(Replies.PONG);
        } else {
            out.appendBulk(a.buf, a.off[1], a.len[1]);
        }
    }

    /** TIME: the Unix time in seconds and microseconds, from the keyspace's clock (millisecond resolution). */
    void time(ReplyBuffer out) {
        long now = keyspace.nowMillis();
        out.appendArrayHeader(2);
        out.appendBulk(Long.toString(Math.floorDiv(now, 1000)));
        out.appendBulk(Long.toString(Math.floorMod(now, 1000) * 1000));
    }

    void echo(Args a, ReplyBuffer out) {
        out.appendBulk(a.buf, a.off[1], a.len[1]);
    }

    void quit(RespSession session, ReplyBuffer out) {
        out.appendRaw(Replies.OK);
        session.requestClose();
    }

    /** The subcommand in argument 1 of a container command, or null after replying with the error. */
    static CommandSpec subcommand(Args a, CommandSpec container, ReplyBuffer out) {
        CommandSpec sub = container.subcommand(a.buf, a.off[1], a.len[1]);
        if (sub == null) {
            out.appendError("ERR unknown subcommand '" + a.latin1(1, 128) + "'. Try "
                    + a.latin1(0).toUpperCase(Locale.ROOT) + " HELP.");
            return null;
        }
        if (!sub.arityAccepts(a.count)) {
            out.appendError(sub.arityError);
            return null;
        }
        return sub;
    }

    private static void help(ReplyBuffer out, String command, String... lines) {
        out.appendArrayHeader(lines.length + 3);
        out.appendSimpleString(command + " <subcommand> [<arg> [value] [opt] ...]. Subcommands are:");
        for (String line : lines) {
            out.appendSimpleString(line);
        }
        out.appendSimpleString("HELP");
        out.appendSimpleString("    Print this help.");
    }

    void info(Args a, ReplyBuffer out) {
        boolean all = a.count == 1;
        List<String> wanted = new ArrayList<>();
        for (int i = 1; i < a.count; i++) {
            String name = a.latin1(i).toLowerCase(Locale.ROOT);
            if (name.equals("all") || name.equals("default") || name.equals("everything")) {
                all = true;
            } else {
                wanted.add(name);
            }
        }
        Map<String, Map<String, String>> extra = info.sections();
        StringBuilder sb = new StringBuilder(512);
        for (String name : BUILT_IN_SECTIONS) {
            if (all || wanted.contains(name)) {
                Map<String, String> lines = new LinkedHashMap<>(builtIn(name));
                Map<String, String> more = extra.get(name);
                if (more != null) {
                    lines.putAll(more);
                }
                section(sb, name, lines);
            }
        }
        for (Map.Entry<String, Map<String, String>> s : extra.entrySet()) {
            String name = s.getKey().toLowerCase(Locale.ROOT);
            if (!BUILT_IN_SECTIONS.contains(name) && (all || wanted.contains(name))) {
                section(sb, name, s.getValue());
            }
        }
        out.appendBulk(sb.toString());
    }

    private Map<String, String> builtIn(String section) {
        Map<String, String> m = new LinkedHashMap<>();
        switch (section) {
            case "server" -> {
                long uptime = Math.max(0, keyspace.nowMillis() - startMillis) / 1000;
                m.put("redis_version", REDIS_VERSION);
                m.put("redis_git_sha1", "00000000");
                m.put("redis_git_dirty", "0");
                m.put("redis_mode", "standalone");
                m.put(
                        "os",
                        System.getProperty("os.name") + " " + System.getProperty("os.version") + " "
                                + System.getProperty("os.arch"));
                m.put("arch_bits", System.getProperty("sun.arch.data.model", "64"));
                m.put("process_id", Long.toString(ProcessHandle.current().pid()));
                m.put("uptime_in_seconds", Long.toString(uptime));
                m.put("uptime_in_days", Long.toString(uptime / 86400));
            }
            case "clients" -> m.put("connected_clients", Long.toString(info.connectedClients()));
            case "stats" -> {
                m.put("total_connections_received", Long.toString(info.totalConnections()));
                m.put("total_commands_processed", Long.toString(commandsProcessed));
            }
            case "keyspace" -> {
                // Like Redis, an empty database gets no line. avg_ttl is exact here; Redis estimates it by sampling.
                for (int i = 0; i < keyspace.databasesInUse(); i++) {
                    Db db = keyspace.existing(i);
                    if (db != null && db.size() > 0) {
                        int expires = db.volatileKeys();
                        long avgTtl = expires == 0 ? 0 : db.totalTtlMillis() / expires;
                        m.put("db" + i, "keys=" + db.size() + ",expires=" + expires + ",avg_ttl=" + avgTtl);
                    }
                }
            }
            default -> throw new IllegalArgumentException(section);
        }
        return m;
    }

    private static void section(StringBuilder sb, String name, Map<String, String> lines) {
        if (sb.length() > 0) {
            sb.append("\r\n");
        }
        sb.append("# ")
                .append(Character.toUpperCase(name.charAt(0)))
                .append(name, 1, name.length())
                .append("\r\n");
        for (Map.Entry<String, String> line : lines.entrySet()) {
            sb.append(line.getKey()).append(':').append(line.getValue()).append("\r\n");
        }
    }

    void config(Args a, ReplyBuffer out, CommandSpec container) {
        CommandSpec sub = subcommand(a, container, out);
        if (sub == null) {
            return;
        }
        if (sub.id == CommandTable.CONFIG_HELP) {
            help(
                    out,
                    "CONFIG",
                    "GET <pattern>",
                    "    Return parameters matching the glob-like <pattern> and their values.");
            return;
        }
        List<String> matched = new ArrayList<>();
        for (String name : config.keySet()) {
            byte[] n = name.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
            for (int i = 2; i < a.count; i++) {
                if (Glob.matches(a.buf, a.off[i], a.len[i], n, 0, n.length, true)) {
                    matched.add(name);
                    break;
                }
            }
        }
        out.appendArrayHeader(matched.size() * 2);
        for (String name : matched) {
            out.appendBulk(name);
            out.appendBulk(config.get(name));
        }
    }

    void command(Args a, ReplyBuffer out, CommandSpec container) {
        if (a.count == 1) {
            out.appendArrayHeader(CommandTable.ALL.size());
            for (CommandSpec c : CommandTable.ALL) {
                commandEntry(c, out);
            }
            return;
        }
        CommandSpec sub = subcommand(a, container, out);
        if (sub == null) {
            return;
        }
        switch (sub.id) {
            case CommandTable.COMMAND_COUNT -> out.appendInteger(CommandTable.ALL.size());
            // Redis answers a map of documentation; an empty one makes redis-cli use its built-in hints.
            case CommandTable.COMMAND_DOCS -> out.appendRaw(Replies.EMPTY_ARRAY);
            case CommandTable.COMMAND_INFO -> {
                out.appendArrayHeader(a.count - 2);
                for (int i = 2; i < a.count; i++) {
                    CommandSpec c = byFullName(a, i);
                    if (c == null) {
                        out.appendRaw(Replies.NULL_BULK);
                    } else {
                        commandEntry(c, out);
                    }
                }
            }
            case CommandTable.COMMAND_LIST -> {
                if (a.count > 2) {
                    out.appendRaw(Replies.ERR_SYNTAX);
                    return;
                }
                List<String> names = new ArrayList<>();
                for (CommandSpec c : CommandTable.ALL) {
                    names.add(c.fullName);
                    c.subcommands.forEach(s -> names.add(s.fullName));
                }
                out.appendArrayHeader(names.size());
                names.forEach(out::appendBulk);
            }
            default ->
                help(
                        out,
                        "COMMAND",
                        "(no subcommand)",
                        "    Return details about all commands.",
                        "COUNT",
                        "    Return the total number of commands in this server.",
                        "DOCS",
                        "    Return documentation (none on this server).",
                        "INFO <command-name> [<command-name> ...]",
                        "    Return details about the given commands.",
                        "LIST",
                        "    Return the names of all commands.");
        }
    }

    private static CommandSpec byFullName(Args a, int i) {
        for (CommandSpec c : CommandTable.ALL) {
            if (Ascii.equalsIgnoreCase(a.buf, a.off[i], a.len[i], c.lowerFullName)) {
                return c;
            }
            for (CommandSpec s : c.subcommands) {
                if (Ascii.equalsIgnoreCase(a.buf, a.off[i], a.len[i], s.lowerFullName)) {
                    return s;
                }
            }
        }
        return null;
    }

    /** Redis 7's ten-element command description; ACL categories, tips and key specs are left empty. */
    private static void commandEntry(CommandSpec c, ReplyBuffer out) {
        out.appendArrayHeader(10);
        out.appendBulk(c.fullName);
        out.appendInteger(c.arity);
        out.appendArrayHeader(c.flags.size());
        c.flags.forEach(out::appendSimpleString);
        out.appendInteger(c.firstKey);
        out.appendInteger(c.lastKey);
        out.appendInteger(c.keyStep);
        out.appendRaw(Replies.EMPTY_ARRAY);
        out.appendRaw(Replies.EMPTY_ARRAY);
        out.appendRaw(Replies.EMPTY_ARRAY);
        out.appendArrayHeader(c.subcommands.size());
        for (CommandSpec s : c.subcommands) {
            commandEntry(s, out);
        }
    }

    void client(RespSession session, Args a, ReplyBuffer out, CommandSpec container) {
        CommandSpec sub = subcommand(a, container, out);
        if (sub == null) {
            return;
        }
        switch (sub.id) {
            case CommandTable.CLIENT_ID -> out.appendInteger(session.clientId());
            case CommandTable.CLIENT_GETNAME -> {
                byte[] name = session.nameBytes();
                if (name == null) {
                    out.appendRaw(Replies.NULL_BULK);
                } else {
                    out.appendBulk(name);
                }
            }
            case CommandTable.CLIENT_SETNAME -> {
                if (setName(session, a, 2, out)) {
                    out.appendRaw(Replies.OK);
                }
            }
            case CommandTable.CLIENT_SETINFO -> {
                // Accepted and not kept: nothing on this server reports library names.
                if (a.is(2, LIB_NAME) || a.is(2, LIB_VER)) {
                    out.appendRaw(Replies.OK);
                } else {
                    out.appendError("ERR Unrecognized option '" + a.latin1(2) + "'");
                }
            }
            default ->
                help(
                        out,
                        "CLIENT",
                        "GETNAME",
                        "    Return the name of the current connection.",
                        "ID",
                        "    Return the ID of the current connection.",
                        "SETINFO <option> <value>",
                        "    Set client meta attr (LIB-NAME or LIB-VER).",
                        "SETNAME <name>",
                        "    Assign the name <name> to the current connection.");
        }
    }

    /** Sets the name in argument {@code i}, empty clearing it; replies with the error and returns false if invalid. */
    private static boolean setName(RespSession session, Args a, int i, ReplyBuffer out) {
        for (int k = a.off[i], end = k + a.len[i]; k < end; k++) {
            if (a.buf[k] < '!' || a.buf[k] > '~') {
                out.appendError("ERR Client names cannot contain spaces, newlines or special characters.");
                return false;
            }
        }
        session.name(a.len[i] == 0 ? null : a.copy(i));
        return true;
    }

    /** HELLO [protover [AUTH user pass] [SETNAME name]]: RESP2 only, so 3 is refused. */
    void hello(RespSession session, Args a, ReplyBuffer out) {
        int next = 1;
        if (a.count >= 2) {
            if (!a.parseLong(1)) {
                out.appendError("ERR Protocol version is not an integer or out of range");
                return;
            }
            next = 2;
            if (a.number == 3) {
                out.appendError("NOPROTO sorry, this protocol version is not supported.");
                return;
            }
            if (a.number != 2) {
                out.appendError("NOPROTO unsupported protocol version");
                return;
            }
        }
        int nameArg = -1;
        for (int j = next; j < a.count; j++) {
            int more = a.count - 1 - j;
            if (a.is(j, AUTH) && more >= 2) {
                // No password is configured, so like Redis's nopass default user any password passes.
                if (!Ascii.equals(a.buf, a.off[j + 1], a.len[j + 1], DEFAULT_USER)) {
                    out.appendError("WRONGPASS invalid username-password pair or user is disabled.");
                    return;
                }
                j += 2;
            } else if (a.is(j, SETNAME) && more >= 1) {
                nameArg = ++j;
            } else {
                out.appendError("ERR Syntax error in HELLO option '" + a.latin1(j) + "'");
                return;
            }
        }
        if (nameArg > 0 && !setName(session, a, nameArg, out)) {
            return;
        }
        out.appendArrayHeader(14);
        out.appendBulk("server");
        out.appendBulk("redis");
        out.appendBulk("version");
        out.appendBulk(REDIS_VERSION);
        out.appendBulk("proto");
        out.appendInteger(2);
        out.appendBulk("id");
        out.appendInteger(session.clientId());
        out.appendBulk("mode");
        out.appendBulk("standalone");
        out.appendBulk("role");
        out.appendBulk("master");
        out.appendBulk("modules");
        out.appendRaw(Replies.EMPTY_ARRAY);
    }
}
