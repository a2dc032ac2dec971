package dev.ioloop.sample.resp;

import java.util.List;

/**
 * The commands this server implements, and their lookup by name straight from request bytes: an
 * open-addressed table hashed on case-folded bytes, so finding GET allocates nothing.
 */
final class CommandTable {

    static final int PING = 1;
    static final int ECHO = 2;
    static final int GET = 3;
    static final int SET = 4;
    static final int GETDEL = 5;
    static final int DEL = 6;
    static final int EXISTS = 7;
    static final int INCR = 8;
    static final int DECR = 9;
    static final int INCRBY = 10;
    static final int DECRBY = 11;
    static final int APPEND = 12;
    static final int STRLEN = 13;
    static final int MGET = 14;
    static final int MSET = 15;
    static final int EXPIRE = 16;
    static final int PEXPIRE = 17;
    static final int TTL = 18;
    static final int PTTL = 19;
    static final int PERSIST = 20;
    static final int KEYS = 21;
    static final int DBSIZE = 22;
    static final int FLUSHALL = 23;
    static final int FLUSHDB = 24;
    static final int SELECT = 25;
    static final int INFO = 26;
    static final int CONFIG = 27;
    static final int COMMAND = 28;
    static final int CLIENT = 29;
    static final int HELLO = 30;
    static final int QUIT = 31;
    static final int MOVE = 32;
    static final int SWAPDB = 33;
    static final int SETNX = 34;
    static final int SETEX = 35;
    static final int PSETEX = 36;
    static final int GETSET = 37;
    static final int GETEX = 38;
    static final int GETRANGE = 39;
    static final int SETRANGE = 40;
    static final int MSETNX = 41;
    static final int INCRBYFLOAT = 42;
    static final int GETBIT = 43;
    static final int SETBIT = 44;
    static final int BITCOUNT = 45;
    static final int LCS = 46;
    static final int RENAME = 47;
    static final int RENAMENX = 48;
    static final int TYPE = 49;
    static final int RANDOMKEY = 50;
    static final int SCAN = 51;
    static final int COPY = 52;
    static final int UNLINK = 53;
    static final int TOUCH = 54;
    static final int EXPIREAT = 55;
    static final int PEXPIREAT = 56;
    static final int EXPIRETIME = 57;
    static final int PEXPIRETIME = 58;
    static final int TIME = 59;
    static final int OBJECT = 60;
    static final int MULTI = 61;
    static final int EXEC = 62;
    static final int DISCARD = 63;
    static final int WATCH = 64;
    static final int UNWATCH = 65;
    static final int LPUSH = 66;
    static final int RPUSH = 67;
    static final int LPOP = 68;
    static final int RPOP = 69;
    static final int LLEN = 70;
    static final int LRANGE = 71;
    static final int LINDEX = 72;
    static final int SADD = 73;
    static final int SREM = 74;
    static final int SMEMBERS = 75;
    static final int SISMEMBER = 76;
    static final int SCARD = 77;
    static final int SRANDMEMBER = 78;
    static final int SPOP = 79;
    static final int HSET = 80;
    static final int HGET = 81;
    static final int HDEL = 82;
    static final int HGETALL = 83;
    static final int HLEN = 84;
    static final int HEXISTS = 85;
    static final int HINCRBY = 86;

    static final int CONFIG_GET = 101;
    static final int CONFIG_HELP = 102;
    static final int COMMAND_COUNT = 111;
    static final int COMMAND_DOCS = 112;
    static final int COMMAND_INFO = 113;
    static final int COMMAND_LIST = 114;
    static final int COMMAND_HELP = 115;
    static final int CLIENT_ID = 121;
    static final int CLIENT_GETNAME = 122;
    static final int CLIENT_SETNAME = 123;
    static final int CLIENT_SETINFO = 124;
    static final int CLIENT_HELP = 125;
    static final int OBJECT_ENCODING = 131;
    static final int OBJECT_FREQ = 132;
    static final int OBJECT_IDLETIME = 133;
    static final int OBJECT_REFCOUNT = 134;
    static final int OBJECT_HELP = 135;

    private static final List<String> READ_FAST = List.of("readonly", "fast");
    private static final List<String> READONLY = List.of("readonly");
    private static final List<String> WRITE = List.of("write");
    private static final List<String> WRITE_FAST = List.of("write", "fast");
    private static final List<String> WRITE_DENYOOM = List.of("write", "denyoom");
    private static final List<String> WRITE_DENYOOM_FAST = List.of("write", "denyoom", "fast");
    private static final List<String> STALE = List.of("loading", "stale");
    private static final List<String> STALE_FAST = List.of("loading", "stale", "fast");
    private static final List<String> CONN = List.of("noscript", "loading", "stale", "fast");

    /** Top-level commands, in the order COMMAND lists them. */
    static final List<CommandSpec> ALL = List.of(
            top(PING, "ping", -1, List.of("fast"), 0, 0, 0),
            top(ECHO, "echo", 2, List.of("fast"), 0, 0, 0),
            top(GET, "get", 2, READ_FAST, 1, 1, 1),
            top(SET, "set", -3, WRITE_DENYOOM, 1, 1, 1),
            top(GETDEL, "getdel", 2, WRITE_FAST, 1, 1, 1),
            top(DEL, "del", -2, WRITE, 1, -1, 1),
            top(EXISTS, "exists", -2, READ_FAST, 1, -1, 1),
            top(INCR, "incr", 2, WRITE_DENYOOM_FAST, 1, 1, 1),
            top(DECR, "decr", 2, WRITE_DENYOOM_FAST, 1, 1, 1),
            top(INCRBY, "incrby", 3, WRITE_DENYOOM_FAST, 1, 1, 1),
            top(DECRBY, "decrby", 3, WRITE_DENYOOM_FAST, 1, 1, 1),
            top(APPEND, "append", 3, WRITE_DENYOOM, 1, 1, 1),
            top(STRLEN, "strlen", 2, READ_FAST, 1, 1, 1),
            top(SETNX, "setnx", 3, WRITE_DENYOOM_FAST, 1, 1, 1),
            top(SETEX, "setex", 4, WRITE_DENYOOM, 1, 1, 1),
            top(PSETEX, "psetex", 4, WRITE_DENYOOM, 1, 1, 1),
            top(GETSET, "getset", 3, WRITE_DENYOOM_FAST, 1, 1, 1),
            top(GETEX, "getex", -2, WRITE_FAST, 1, 1, 1),
            top(GETRANGE, "getrange", 4, READONLY, 1, 1, 1),
            top(SETRANGE, "setrange", 4, WRITE_DENYOOM, 1, 1, 1),
            top(MSETNX, "msetnx", -3, WRITE_DENYOOM, 1, -1, 2),
            top(INCRBYFLOAT, "incrbyfloat", 3, WRITE_DENYOOM_FAST, 1, 1, 1),
            top(GETBIT, "getbit", 3, READ_FAST, 1, 1, 1),
            top(SETBIT, "setbit", 4, WRITE_DENYOOM, 1, 1, 1),
            top(BITCOUNT, "bitcount", -2, READONLY, 1, 1, 1),
            top(LCS, "lcs", -3, READONLY, 1, 2, 1),
            top(MGET, "mget", -2, READ_FAST, 1, -1, 1),
            top(MSET, "mset", -3, WRITE_DENYOOM, 1, -1, 2),
            top(EXPIRE, "expire", -3, WRITE_FAST, 1, 1, 1),
            top(PEXPIRE, "pexpire", -3, WRITE_FAST, 1, 1, 1),
            top(TTL, "ttl", 2, READ_FAST, 1, 1, 1),
            top(PTTL, "pttl", 2, READ_FAST, 1, 1, 1),
            top(PERSIST, "persist", 2, WRITE_FAST, 1, 1, 1),
            top(KEYS, "keys", 2, List.of("readonly"), 0, 0, 0),
            top(RENAME, "rename", 3, WRITE, 1, 2, 1),
            top(RENAMENX, "renamenx", 3, WRITE_FAST, 1, 2, 1),
            top(TYPE, "type", 2, READ_FAST, 1, 1, 1),
            top(RANDOMKEY, "randomkey", 1, READONLY, 0, 0, 0),
            top(SCAN, "scan", -2, READONLY, 0, 0, 0),
            top(COPY, "copy", -3, WRITE_DENYOOM, 1, 2, 1),
            top(UNLINK, "unlink", -2, WRITE_FAST, 1, -1, 1),
            top(TOUCH, "touch", -2, READ_FAST, 1, -1, 1),
            top(EXPIREAT, "expireat", -3, WRITE_FAST, 1, 1, 1),
            top(PEXPIREAT, "pexpireat", -3, WRITE_FAST, 1, 1, 1),
            top(EXPIRETIME, "expiretime", 2, READ_FAST, 1, 1, 1),
            top(PEXPIRETIME, "pexpiretime", 2, READ_FAST, 1, 1, 1),
            top(TIME, "time", 1, STALE_FAST, 0, 0, 0),
            container(
                    OBJECT,
                    "object",
                    -2,
                    List.of(
                            sub(OBJECT_ENCODING, "object", "encoding", 3, READONLY),
                            sub(OBJECT_FREQ, "object", "freq", 3, READONLY),
                            sub(OBJECT_IDLETIME, "object", "idletime", 3, READONLY),
                            sub(OBJECT_REFCOUNT, "object", "refcount", 3, READONLY),
                            sub(OBJECT_HELP, "object", "help", 2, STALE))),
            top(DBSIZE, "dbsize", 1, READ_FAST, 0, 0, 0),
            top(FLUSHALL, "flushall", -1, WRITE, 0, 0, 0),
            top(FLUSHDB, "flushdb", -1, WRITE, 0, 0, 0),
            top(SELECT, "select", 2, STALE_FAST, 0, 0, 0),
            top(MOVE, "move", 3, WRITE_FAST, 1, 1, 1),
            top(SWAPDB, "swapdb", 3, WRITE_FAST, 0, 0, 0),
            top(INFO, "info", -1, STALE, 0, 0, 0),
            container(
                    CONFIG,
                    "config",
                    -2,
                    List.of(
                            sub(CONFIG_GET, "config", "get", -3, List.of("admin", "noscript", "loading", "stale")),
                            sub(CONFIG_HELP, "config", "help", 2, STALE))),
            container(
                    COMMAND,
                    "command",
                    -1,
                    List.of(
                            sub(COMMAND_COUNT, "command", "count", 2, STALE),
                            sub(COMMAND_DOCS, "command", "docs", -2, STALE),
                            sub(COMMAND_INFO, "command", "info", -2, STALE),
                            sub(COMMAND_LIST, "command", "list", -2, STALE),
                            sub(COMMAND_HELP, "command", "help", 2, STALE))),
            container(
                    CLIENT,
                    "client",
                    -2,
                    List.of(
                            sub(CLIENT_ID, "client", "id", 2, CONN),
                            sub(CLIENT_GETNAME, "client", "getname", 2, CONN),
                            sub(CLIENT_SETNAME, "client", "setname", 3, CONN),
                            sub(CLIENT_SETINFO, "client", "setinfo", 4, CONN),
                            sub(CLIENT_HELP, "client", "help", 2, CONN))),
            top(LPUSH, "lpush", -3, WRITE_DENYOOM_FAST, 1, 1, 1),
            top(RPUSH, "rpush", -3, WRITE_DENYOOM_FAST, 1, 1, 1),
            top(LPOP, "lpop", -2, WRITE_FAST, 1, 1, 1),
            top(RPOP, "rpop", -2, WRITE_FAST, 1, 1, 1),
            top(LLEN, "llen", 2, READ_FAST, 1, 1, 1),
            top(LRANGE, "lrange", 4, READONLY, 1, 1, 1),
            top(LINDEX, "lindex", 3, READONLY, 1, 1, 1),
            top(SADD, "sadd", -3, WRITE_DENYOOM_FAST, 1, 1, 1),
            top(SREM, "srem", -3, WRITE_FAST, 1, 1, 1),
            top(SMEMBERS, "smembers", 2, READONLY, 1, 1, 1),
            top(SISMEMBER, "sismember", 3, READ_FAST, 1, 1, 1),
            top(SCARD, "scard", 2, READ_FAST, 1, 1, 1),
            top(SRANDMEMBER, "srandmember", -2, READONLY, 1, 1, 1),
            top(SPOP, "spop", -2, WRITE_FAST, 1, 1, 1),
            top(HSET, "hset", -4, WRITE_DENYOOM_FAST, 1, 1, 1),
            top(HGET, "hget", 3, READ_FAST, 1, 1, 1),
            top(HDEL, "hdel", -3, WRITE_FAST, 1, 1, 1),
            top(HGETALL, "hgetall", 2, READONLY, 1, 1, 1),
            top(HLEN, "hlen", 2, READ_FAST, 1, 1, 1),
            top(HEXISTS, "hexists", 3, READ_FAST, 1, 1, 1),
            top(HINCRBY, "hincrby", 4, WRITE_DENYOOM_FAST, 1, 1, 1),
            top(MULTI, "multi", 1, List.of("noscript", "loading", "stale", "fast", "allow_busy"), 0, 0, 0),
            top(EXEC, "exec", 1, List.of("noscript", "loading", "stale", "skip_slowlog"), 0, 0, 0),
            top(DISCARD, "discard", 1, List.of("noscript", "loading", "stale", "fast", "allow_busy"), 0, 0, 0),
            top(WATCH, "watch", -2, List.of("noscript", "loading", "stale", "fast", "allow_busy"), 1, -1, 1),
            top(UNWATCH, "unwatch", 1, List.of("noscript", "loading", "stale", "fast", "allow_busy"), 0, 0, 0),
            top(HELLO, "hello", -1, CONN, 0, 0, 0),
            top(QUIT, "quit", -1, CONN, 0, 0, 0));

    private static final int MASK = 255;
    private static final CommandSpec[] TABLE = new CommandSpec[MASK + 1];

    static {
        for (CommandSpec c : ALL) {
            int i = hash(c.lowerName, 0, c.lowerName.length) & MASK;
            while (TABLE[i] != null) {
                i = (i + 1) & MASK;
            }
            TABLE[i] = c;
        }
    }

    private CommandTable() {}

    /** The top-level command named by {@code b[off, off+len)}, ignoring ASCII case, or null. */
    static CommandSpec lookup(byte[] b, int off, int len) {
        if (len == 0 || len > 16) {
            return null;
        }
        int i = hash(b, off, len) & MASK;
        CommandSpec c;
        while ((c = TABLE[i]) != null) {
            if (Ascii.equalsIgnoreCase(b, off, len, c.lowerName)) {
                return c;
            }
            i = (i + 1) & MASK;
        }
        return null;
    }

    /** Hash over case-folded bytes: folding with | 0x20 may merge some non-letters, which is harmless here. */
    private static int hash(byte[] b, int off, int len) {
        int h = len;
        for (int i = off, end = off + len; i < end; i++) {
            h = h * 31 + (b[i] | 0x20);
        }
        return h ^ (h >>> 7);
    }

    private static CommandSpec top(int id, String name, int arity, List<String> flags, int first, int last, int step) {
        return new CommandSpec(id, null, name, arity, flags, first, last, step, List.of());
    }

    private static CommandSpec container(int id, String name, int arity, List<CommandSpec> subs) {
        return new CommandSpec(id, null, name, arity, List.of(), 0, 0, 0, subs);
    }

    private static CommandSpec sub(int id, String parent, String name, int arity, List<String> flags) {
        return new CommandSpec(id, parent, name, arity, flags, 0, 0, 0, List.of());
    }
}
