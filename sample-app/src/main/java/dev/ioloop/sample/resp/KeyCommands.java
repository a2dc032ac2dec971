package dev.ioloop.sample.resp;

import static dev.ioloop.sample.resp.DataCommands.lookup;
import static dev.ioloop.sample.resp.DataCommands.touch;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The commands on keys whatever their type, and on databases: DEL, UNLINK, EXISTS, TOUCH, TYPE, RENAME, RENAMENX,
 * COPY, RANDOMKEY, SCAN, OBJECT, the expiry commands, KEYS, DBSIZE, FLUSHDB, FLUSHALL, SELECT, MOVE and SWAPDB, with Redis 7's replies and error texts. Each method runs one command
 * whose arity was already checked; argument 0 is the command name.
 *
 * <p>Threading: the event-loop thread only, like the {@link Keyspace} it works on.
 */
final class KeyCommands {

    private static final byte[] NX = Ascii.lower("nx");
    private static final byte[] XX = Ascii.lower("xx");
    private static final byte[] GT = Ascii.lower("gt");
    private static final byte[] LT = Ascii.lower("lt");
    private static final byte[] SYNC = Ascii.lower("sync");
    private static final byte[] ASYNC = Ascii.lower("async");
    private static final byte[] REPLACE = Ascii.lower("replace");
    private static final byte[] DB = Ascii.lower("db");
    private static final byte[] COUNT = Ascii.lower("count");
    private static final byte[] MATCH = Ascii.lower("match");
    private static final byte[] TYPE = Ascii.lower("type");
    private static final String[] TYPE_NAMES = {"string", "list", "set", "hash"};
    private static final byte[][] TYPE_REPLIES = {
        Replies.encoded("+none\r\n"),
        Replies.encoded("+string\r\n"),
        Replies.encoded("+list\r\n"),
        Replies.encoded("+set\r\n"),
        Replies.encoded("+hash\r\n")
    };
    private static final String[] OBJECT_HELP = {
        "OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "ENCODING <key>",
        "    Return the kind of internal representation used in order to store the value",
        "    associated with a <key>.",
        "FREQ <key>",
        "    Return the access frequency index of the <key>. The returned integer is",
        "    proportional to the logarithm of the recent access frequency of the key.",
        "IDLETIME <key>",
        "    Return the idle time of the <key>, that is the approximated number of",
        "    seconds elapsed since the last access to the key.",
        "REFCOUNT <key>",
        "    Return the number of references of the value associated with the specified",
        "    <key>.",
        "HELP",
        "    Prints this help."
    };

    private static final int EXPIRE_NX = 1;
    private static final int EXPIRE_XX = 2;
    private static final int EXPIRE_GT = 4;
    private static final int EXPIRE_LT = 8;

    private final Keyspace keyspace;
    private final int databases;

    KeyCommands(Keyspace keyspace, RespLimits limits) {
        this.keyspace = keyspace;
        this.databases = limits.databases();
    }

    void del(Db db, Args a, ReplyBuffer out) {
        int deleted = 0;
        for (int i = 1; i < a.count; i++) {
            Db.Entry e = lookup(db, a, i);
            if (e != null) {
                db.remove(e);
                touch(db, a, i);
                deleted++;
            }
        }
        out.appendInteger(deleted);
    }

    void exists(Db db, Args a, ReplyBuffer out) {
        int found = 0;
        for (int i = 1; i < a.count; i++) {
            if (lookup(db, a, i) != null) {
                found++;
            }
        }
        out.appendInteger(found);
    }

    /**
     * EXPIRE, PEXPIRE, EXPIREAT and PEXPIREAT key time [NX|XX|GT|LT], as Redis 7's expireGenericCommand: a time
     * relative to now unless {@code absolute}.
     */
    void expire(Db db, Args a, ReplyBuffer out, boolean seconds, boolean absolute, String command) {
        int flags = 0;
        for (int j = 3; j < a.count; j++) {
            if (a.is(j, NX)) {
                flags |= EXPIRE_NX;
            } else if (a.is(j, XX)) {
                flags |= EXPIRE_XX;
            } else if (a.is(j, GT)) {
                flags |= EXPIRE_GT;
            } else if (a.is(j, LT)) {
                flags |= EXPIRE_LT;
            } else {
                out.appendError("ERR Unsupported option " + a.latin1(j));
                return;
            }
        }
        if ((flags & EXPIRE_NX) != 0 && (flags & (EXPIRE_XX | EXPIRE_GT | EXPIRE_LT)) != 0) {
            out.appendError("ERR NX and XX, GT or LT options at the same time are not compatible");
            return;
        }
        if ((flags & EXPIRE_GT) != 0 && (flags & EXPIRE_LT) != 0) {
            out.appendError("ERR GT and LT options at the same time are not compatible");
            return;
        }
        if (!a.parseLong(2)) {
            out.appendRaw(Replies.ERR_NOT_INTEGER);
            return;
        }
        long when = a.number;
        if (seconds) {
            if (when > Long.MAX_VALUE / 1000 || when < Long.MIN_VALUE / 1000) {
                DataCommands.invalidExpireTime(out, command);
                return;
            }
            when *= 1000;
        }
        long now = absolute ? 0 : db.nowMillis();
        if ((now > 0 && when > Long.MAX_VALUE - now) || (now < 0 && when < Long.MIN_VALUE - now)) {
            DataCommands.invalidExpireTime(out, command);
            return;
        }
        when += now;
        Db.Entry e = lookup(db, a, 1);
        if (e == null) {
            out.appendRaw(Replies.ZERO);
            return;
        }
        if (flags != 0) {
            boolean hasTtl = e.isVolatile();
            long current = e.expireAt;
            boolean refused = ((flags & EXPIRE_NX) != 0 && hasTtl)
                    || ((flags & EXPIRE_XX) != 0 && !hasTtl)
                    // No TTL counts as an infinite one: never lower than a new deadline.
                    || ((flags & EXPIRE_GT) != 0 && (!hasTtl || when <= current))
                    || ((flags & EXPIRE_LT) != 0 && hasTtl && when >= current);
            if (refused) {
                out.appendRaw(Replies.ZERO);
                return;
            }
        }
        db.expireAt(e, when);
        touch(db, a, 1);
        out.appendRaw(Replies.ONE);
    }

    /** TTL, PTTL, and with {@code absolute} EXPIRETIME and PEXPIRETIME (the deadline as a Unix time). */
    void ttl(Db db, Args a, ReplyBuffer out, boolean millis, boolean absolute) {
        Db.Entry e = lookup(db, a, 1);
        if (e == null) {
            out.appendRaw(Replies.MINUS_TWO);
        } else if (!e.isVolatile()) {
            out.appendRaw(Replies.MINUS_ONE);
        } else {
            long ttl = Math.max(0, absolute ? e.expireAt : e.expireAt - db.nowMillis());
            out.appendInteger(millis ? ttl : (ttl + 500) / 1000);
        }
    }

    void persist(Db db, Args a, ReplyBuffer out) {
        Db.Entry e = lookup(db, a, 1);
        if (e != null && db.persist(e)) {
            touch(db, a, 1);
            out.appendRaw(Replies.ONE);
        } else {
            out.appendRaw(Replies.ZERO);
        }
    }

    /** TOUCH key [key ...]: how many exist; nothing tracks access times here. */
    void touchKeys(Db db, Args a, ReplyBuffer out) {
        exists(db, a, out);
    }

    /** TYPE key: string, list, set, hash or none. */
    void type(Db db, Args a, ReplyBuffer out) {
        Db.Entry e = lookup(db, a, 1);
        out.appendRaw(e == null ? TYPE_REPLIES[0] : TYPE_REPLIES[e.type() + 1]);
    }

    /** RENAME and RENAMENX key newkey: the value and its TTL move to the new name. */
    void rename(Db db, Args a, ReplyBuffer out, boolean nx) {
        Db.Entry e = lookup(db, a, 1);
        if (e == null) {
            out.appendRaw(Replies.ERR_NO_SUCH_KEY);
            return;
        }
        if (sameArgument(a, 1, 2)) {
            out.appendRaw(nx ? Replies.ZERO : Replies.OK);
            return;
        }
        Db.Entry target = lookup(db, a, 2);
        if (target != null) {
            if (nx) {
                out.appendRaw(Replies.ZERO);
                return;
            }
            db.remove(target);
        }
        long deadline = e.expireAt;
        db.remove(e);
        Db.Entry renamed = db.adopt(e, a.copy(2));
        if (deadline != Keyspace.NO_EXPIRY) {
            db.expireAt(renamed, deadline);
        }
        touch(db, a, 1);
        touch(db, a, 2);
        out.appendRaw(nx ? Replies.ONE : Replies.OK);
    }

    /** COPY source destination [DB n] [REPLACE]: a deep copy, with the TTL. */
    void copy(RespSession session, Db db, Args a, ReplyBuffer out) {
        boolean replace = false;
        int target = session.db;
        for (int j = 3; j < a.count; j++) {
            if (a.is(j, REPLACE)) {
                replace = true;
            } else if (a.is(j, DB) && j + 1 < a.count) {
                if (!parseInt(a, j + 1, out)) {
                    return;
                }
                if (a.number < 0 || a.number >= databases) {
                    out.appendRaw(Replies.ERR_OUT_OF_RANGE_DB);
                    return;
                }
                target = (int) a.number;
                j++;
            } else {
                out.appendRaw(Replies.ERR_SYNTAX);
                return;
            }
        }
        if (target == session.db && sameArgument(a, 1, 2)) {
            out.appendError("ERR source and destination objects are the same");
            return;
        }
        Db.Entry e = lookup(db, a, 1);
        if (e == null) {
            out.appendRaw(Replies.ZERO);
            return;
        }
        Db dst = keyspace.db(target);
        Db.Entry existing = dst.lookup(a.buf, a.off[2], a.len[2]);
        if (existing != null) {
            if (!replace) {
                out.appendRaw(Replies.ZERO);
                return;
            }
            dst.remove(existing);
        }
        Db.Entry copy = e.value != null
                ? dst.insert(a.buf, a.off[2], a.len[2], Arrays.copyOf(e.value, e.length))
                : dst.insertCollection(a.buf, a.off[2], a.len[2], Db.copyOf(((Db.Collection) e).data));
        if (e.isVolatile()) {
            dst.expireAt(copy, e.expireAt);
        }
        touch(dst, a, 2);
        out.appendRaw(Replies.ONE);
    }

    /** RANDOMKEY: a live key picked at random, or nil. */
    void randomkey(Db db, ReplyBuffer out) {
        Db.Entry e = db.random();
        if (e == null) {
            out.appendRaw(Replies.NULL_BULK);
        } else {
            out.appendBulk(e.key);
        }
    }

    /**
     * SCAN cursor [MATCH pattern] [COUNT n] [TYPE type]: Redis's algorithm, so its guarantee holds: a key present
     * from the first call to the last is returned at least once, however the keyspace grows or shrinks meanwhile.
     * A call visits whole buckets until it has COUNT keys or visited ten times COUNT buckets; the filters apply
     * afterwards, so a call may return fewer keys than COUNT, or none, before the scan is over.
     */
    void scan(Db db, Args a, ReplyBuffer out) {
        if (!parseCursor(a, 1)) {
            out.appendError("ERR invalid cursor");
            return;
        }
        long cursor = a.number;
        long count = 10;
        int pattern = -1;
        int type = -1;
        for (int i = 2; i < a.count; i += 2) {
            boolean more = a.count - i >= 2;
            if (a.is(i, COUNT) && more) {
                if (!a.parseLong(i + 1)) {
                    out.appendRaw(Replies.ERR_NOT_INTEGER);
                    return;
                }
                if (a.number < 1) {
                    out.appendRaw(Replies.ERR_SYNTAX);
                    return;
                }
                count = a.number;
            } else if (a.is(i, MATCH) && more) {
                pattern = a.len[i + 1] == 1 && a.buf[a.off[i + 1]] == '*' ? -1 : i + 1;
            } else if (a.is(i, TYPE) && more) {
                type = i + 1;
            } else {
                out.appendRaw(Replies.ERR_SYNTAX);
                return;
            }
        }
        List<Db.Entry> found = new ArrayList<>();
        long maxIterations = count * 10;
        do {
            cursor = db.scan(cursor, found::add);
            // != 0 as in C, where an overflowed (negative) budget keeps going: a huge COUNT scans everything.
        } while (cursor != 0 && maxIterations-- != 0 && found.size() < count);
        List<byte[]> keys = new ArrayList<>(found.size());
        for (Db.Entry e : found) {
            byte[] k = e.key;
            if (pattern >= 0 && !Glob.matches(a.buf, a.off[pattern], a.len[pattern], k, 0, k.length, false)) {
                continue;
            }
            if (type >= 0) {
                Db.Entry live = db.lookup(k, 0, k.length);
                String name = live == null ? "none" : TYPE_NAMES[live.type()];
                if (!Ascii.equalsIgnoreCase(a.buf, a.off[type], a.len[type], Ascii.lower(name))) {
                    continue;
                }
            }
            if (db.lookup(k, 0, k.length) == null) {
                continue; // expired, and now deleted
            }
            keys.add(k);
        }
        out.appendArrayHeader(2);
        out.appendBulk(Long.toUnsignedString(cursor));
        out.appendArrayHeader(keys.size());
        for (byte[] k : keys) {
            out.appendBulk(k);
        }
    }

    private static boolean sameArgument(Args a, int i, int j) {
        return Arrays.equals(a.buf, a.off[i], a.off[i] + a.len[i], a.buf, a.off[j], a.off[j] + a.len[j]);
    }

    /**
     * Parses a cursor into {@link Args#number} as C's {@code strtoul} reads it for Redis: an optional sign (a minus
     * wraps around), decimal digits, no leading space, nothing after, within 64 bits; the empty string is 0.
     */
    static boolean parseCursor(Args a, int i) {
        int p = a.off[i];
        int end = p + a.len[i];
        a.number = 0;
        if (p == end) {
            return true;
        }
        boolean negative = false;
        if (a.buf[p] == '+' || a.buf[p] == '-') {
            negative = a.buf[p] == '-';
            p++;
        }
        if (p == end) {
            return false;
        }
        long max = Long.divideUnsigned(-1L, 10);
        long v = 0;
        for (; p < end; p++) {
            int d = a.buf[p] - '0';
            if (d < 0 || d > 9) {
                return false;
            }
            // v * 10 + d must stay below 2^64.
            if (Long.compareUnsigned(v, max) > 0 || (v == max && d > Long.remainderUnsigned(-1L, 10))) {
                return false;
            }
            v = v * 10 + d;
        }
        a.number = negative ? -v : v;
        return true;
    }

    /** OBJECT ENCODING|FREQ|IDLETIME|REFCOUNT|HELP. */
    void object(Db db, Args a, ReplyBuffer out, CommandSpec container) {
        CommandSpec sub = ServerCommands.subcommand(a, container, out);
        if (sub == null) {
            return;
        }
        if (sub.id == CommandTable.OBJECT_HELP) {
            out.appendArrayHeader(OBJECT_HELP.length);
            for (String line : OBJECT_HELP) {
                out.appendSimpleString(line);
            }
            return;
        }
        Db.Entry e = db.lookup(a.buf, a.off[2], a.len[2]);
        if (e == null) {
            out.appendRaw(Replies.NULL_BULK);
            return;
        }
        switch (sub.id) {
            case CommandTable.OBJECT_ENCODING -> out.appendBulk(encoding(e));
            case CommandTable.OBJECT_FREQ ->
                out.appendError("ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please "
                        + "note that when switching between policies at runtime LRU and LFU data will take some "
                        + "time to adjust.");
            // Access times are not tracked: every key looks just used.
            case CommandTable.OBJECT_IDLETIME -> out.appendRaw(Replies.ZERO);
            default -> out.appendInteger(sharedInteger(e) ? Integer.MAX_VALUE : 1);
        }
    }

    /**
     * The encoding Redis 7.0 would use: int for a string that is a 64-bit integer of at most 20 characters, embstr up
     * to 44 bytes, raw beyond; quicklist for lists; intset or hashtable for sets, listpack or hashtable for hashes.
     * (Redis also says raw for a short string changed in place by APPEND, SETRANGE or SETBIT; this server does not
     * track that and says int or embstr.)
     */
    static String encoding(Db.Entry e) {
        if (e.value != null) {
            if (e.length <= 20 && Numbers.valid(Numbers.parse(e.value, 0, e.length), e.value, 0, e.length)) {
                return "int";
            }
            return e.length <= 44 ? "embstr" : "raw";
        }
        Object data = ((Db.Collection) e).data;
        if (data instanceof RespList) {
            return "quicklist";
        }
        return data instanceof RespSet set ? set.encoding() : ((RespHash) data).encoding();
    }

    /** Redis shares the objects of the integers 0 to 9999, whose refcount it reports as INT_MAX. */
    private static boolean sharedInteger(Db.Entry e) {
        if (e.value == null || e.length > 4) {
            return false;
        }
        long v = Numbers.parse(e.value, 0, e.length);
        return Numbers.valid(v, e.value, 0, e.length) && v >= 0 && v < 10_000;
    }

    void keys(Db db, Args a, ReplyBuffer out) {
        List<byte[]> keys = db.keys(a.buf, a.off[1], a.len[1]);
        out.appendArrayHeader(keys.size());
        for (byte[] k : keys) {
            out.appendBulk(k);
        }
    }

    void dbsize(Db db, ReplyBuffer out) {
        out.appendInteger(db.size());
    }

    /** FLUSHDB [SYNC|ASYNC] empties the selected database, FLUSHALL every one; both at once. */
    void flush(RespSession session, Args a, ReplyBuffer out, boolean all) {
        if (a.count > 2 || (a.count == 2 && !a.is(1, SYNC) && !a.is(1, ASYNC))) {
            out.appendRaw(Replies.ERR_SYNTAX);
            return;
        }
        if (all) {
            keyspace.flushAll();
        } else {
            keyspace.flush(session.db);
        }
        out.appendRaw(Replies.OK);
    }

    void select(RespSession session, Args a, ReplyBuffer out) {
        if (!parseInt(a, 1, out)) {
            return;
        }
        if (a.number < 0 || a.number >= databases) {
            out.appendRaw(Replies.ERR_OUT_OF_RANGE_DB);
            return;
        }
        session.db = (int) a.number;
        out.appendRaw(Replies.OK);
    }

    /** MOVE key db: moves the key, its value and its TTL, unless the target has the key. */
    void move(RespSession session, Db db, Args a, ReplyBuffer out) {
        if (!parseInt(a, 2, out)) {
            return;
        }
        if (a.number < 0 || a.number >= databases) {
            out.appendRaw(Replies.ERR_OUT_OF_RANGE_DB);
            return;
        }
        int target = (int) a.number;
        if (target == session.db) {
            out.appendError("ERR source and destination objects are the same");
            return;
        }
        Db.Entry e = lookup(db, a, 1);
        Db dst = keyspace.db(target);
        if (e == null || dst.lookup(a.buf, a.off[1], a.len[1]) != null) {
            out.appendRaw(Replies.ZERO);
            return;
        }
        long deadline = e.expireAt;
        db.remove(e);
        Db.Entry moved = dst.adopt(e);
        if (deadline != Keyspace.NO_EXPIRY) {
            dst.expireAt(moved, deadline);
        }
        touch(db, a, 1);
        touch(dst, a, 1);
        out.appendRaw(Replies.ONE);
    }

    /** SWAPDB index1 index2: clients see the other database's contents from now on. */
    void swapdb(Args a, ReplyBuffer out) {
        if (!a.parseLong(1) || a.number < Integer.MIN_VALUE || a.number > Integer.MAX_VALUE) {
            out.appendError("ERR invalid first DB index");
            return;
        }
        long first = a.number;
        if (!a.parseLong(2) || a.number < Integer.MIN_VALUE || a.number > Integer.MAX_VALUE) {
            out.appendError("ERR invalid second DB index");
            return;
        }
        long second = a.number;
        if (first < 0 || first >= databases || second < 0 || second >= databases) {
            out.appendRaw(Replies.ERR_OUT_OF_RANGE_DB);
            return;
        }
        if (first != second) {
            keyspace.swap((int) first, (int) second);
        }
        out.appendRaw(Replies.OK);
    }

    /** Parses argument {@code i} as a C int into {@link Args#number}, as Redis's getIntFromObjectOrReply. */
    static boolean parseInt(Args a, int i, ReplyBuffer out) {
        if (!a.parseLong(i)) {
            out.appendRaw(Replies.ERR_NOT_INTEGER);
            return false;
        }
        if (a.number < Integer.MIN_VALUE || a.number > Integer.MAX_VALUE) {
            out.appendError("ERR value is out of range, value must between -2147483648 and 2147483647");
            return false;
        }
        return true;
    }
}
