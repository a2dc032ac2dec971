package dev.ioloop.sample.resp;

import static dev.ioloop.sample.resp.DataCommands.lookup;
import static dev.ioloop.sample.resp.DataCommands.touch;

import java.util.List;

/**
 * The commands on keys whatever their type, and on databases: DEL, EXISTS, the expiry commands, KEYS, DBSIZE,
 * FLUSHDB, FLUSHALL, SELECT, MOVE and SWAPDB, with Redis 7's replies and error texts. Each method runs one command
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

    /** EXPIRE and PEXPIRE key time [NX|XX|GT|LT], as Redis 7's expireGenericCommand. */
    void expire(Db db, Args a, ReplyBuffer out, boolean seconds, String command) {
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
        long now = db.nowMillis();
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

    void ttl(Db db, Args a, ReplyBuffer out, boolean millis) {
        Db.Entry e = lookup(db, a, 1);
        if (e == null) {
            out.appendRaw(Replies.MINUS_TWO);
        } else if (!e.isVolatile()) {
            out.appendRaw(Replies.MINUS_ONE);
        } else {
            long ttl = Math.max(0, e.expireAt - db.nowMillis());
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
