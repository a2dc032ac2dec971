package dev.ioloop.sample.resp;

import java.util.List;

/**
 * The string and key commands, with Redis 7's replies and error texts. Each method runs one command
 * whose arity was already checked; argument 0 is the command name.
 *
 * <p>Threading: the event-loop thread only, like the {@link Keyspace} it works on.
 */
final class DataCommands {

    private static final byte[] NX = Ascii.lower("nx");
    private static final byte[] XX = Ascii.lower("xx");
    private static final byte[] GT = Ascii.lower("gt");
    private static final byte[] LT = Ascii.lower("lt");
    private static final byte[] GET = Ascii.lower("get");
    private static final byte[] KEEPTTL = Ascii.lower("keepttl");
    private static final byte[] EX = Ascii.lower("ex");
    private static final byte[] PX = Ascii.lower("px");
    private static final byte[] EXAT = Ascii.lower("exat");
    private static final byte[] PXAT = Ascii.lower("pxat");
    private static final byte[] SYNC = Ascii.lower("sync");
    private static final byte[] ASYNC = Ascii.lower("async");

    private static final int NO_UNIT = 0;
    private static final int UNIT_EX = 1;
    private static final int UNIT_PX = 2;
    private static final int UNIT_EXAT = 3;
    private static final int UNIT_PXAT = 4;

    private static final int EXPIRE_NX = 1;
    private static final int EXPIRE_XX = 2;
    private static final int EXPIRE_GT = 4;
    private static final int EXPIRE_LT = 8;

    private final Keyspace keyspace;
    private final RespLimits limits;

    DataCommands(Keyspace keyspace, RespLimits limits) {
        this.keyspace = keyspace;
        this.limits = limits;
    }

    private Keyspace.Entry lookup(Args a, int i) {
        return keyspace.lookup(a.buf, a.off[i], a.len[i]);
    }

    private static void bulkOrNull(Keyspace.Entry e, ReplyBuffer out) {
        if (e == null) {
            out.appendRaw(Replies.NULL_BULK);
        } else {
            out.appendBulk(e.value, 0, e.length);
        }
    }

    void get(Args a, ReplyBuffer out) {
        bulkOrNull(lookup(a, 1), out);
    }

    /** SET key value [NX|XX] [GET] [EX s|PX ms|EXAT s|PXAT ms|KEEPTTL], option rules as Redis 7. */
    void set(Args a, ReplyBuffer out) {
        boolean nx = false;
        boolean xx = false;
        boolean get = false;
        boolean keepTtl = false;
        int unit = NO_UNIT;
        int expireArg = -1;
        for (int j = 3; j < a.count; j++) {
            boolean hasNext = j + 1 < a.count;
            if (a.is(j, NX) && !xx) {
                nx = true;
            } else if (a.is(j, XX) && !nx) {
                xx = true;
            } else if (a.is(j, GET)) {
                get = true;
            } else if (a.is(j, KEEPTTL) && unit == NO_UNIT) {
                keepTtl = true;
            } else {
                int u = hasNext && !keepTtl ? expireUnit(a, j, unit) : NO_UNIT;
                if (u == NO_UNIT) {
                    out.appendRaw(Replies.ERR_SYNTAX);
                    return;
                }
                unit = u;
                expireArg = ++j;
            }
        }
        long deadline = Keyspace.NO_EXPIRY;
        if (expireArg > 0) {
            if (!a.parseLong(expireArg)) {
                out.appendRaw(Replies.ERR_NOT_INTEGER);
                return;
            }
            long ms = a.number;
            boolean seconds = unit == UNIT_EX || unit == UNIT_EXAT;
            if (ms <= 0 || (seconds && ms > Long.MAX_VALUE / 1000)) {
                invalidExpireTime(out, "set");
                return;
            }
            if (seconds) {
                ms *= 1000;
            }
            if (unit == UNIT_EX || unit == UNIT_PX) {
                // Redis tests the sum for <= 0; testing for overflow itself also suits a clock that
                // is not wall time and may be negative (a monotonic one).
                long now = keyspace.nowMillis();
                if (now > 0 && ms > Long.MAX_VALUE - now) {
                    invalidExpireTime(out, "set");
                    return;
                }
                ms += now;
            }
            deadline = ms;
        }
        Keyspace.Entry e = lookup(a, 1);
        if (get) {
            bulkOrNull(e, out);
        }
        if ((nx && e != null) || (xx && e == null)) {
            if (!get) {
                out.appendRaw(Replies.NULL_BULK);
            }
            return;
        }
        e = keyspace.put(e, a.buf, a.off[1], a.len[1], a.buf, a.off[2], a.len[2], keepTtl);
        if (deadline != Keyspace.NO_EXPIRY) {
            keyspace.expireAt(e, deadline);
        }
        if (!get) {
            out.appendRaw(Replies.OK);
        }
    }

    /** The unit argument {@code j} names, if allowed after {@code current}; NO_UNIT otherwise. */
    private static int expireUnit(Args a, int j, int current) {
        int unit;
        if (a.is(j, EX)) {
            unit = UNIT_EX;
        } else if (a.is(j, PX)) {
            unit = UNIT_PX;
        } else if (a.is(j, EXAT)) {
            unit = UNIT_EXAT;
        } else if (a.is(j, PXAT)) {
            unit = UNIT_PXAT;
        } else {
            return NO_UNIT;
        }
        // Redis lets an option repeat (the last value wins) but not mix with another unit.
        return current == NO_UNIT || current == unit ? unit : NO_UNIT;
    }

    private static void invalidExpireTime(ReplyBuffer out, String command) {
        out.appendError("ERR invalid expire time in '" + command + "' command");
    }

    void getdel(Args a, ReplyBuffer out) {
        Keyspace.Entry e = lookup(a, 1);
        bulkOrNull(e, out);
        if (e != null) {
            keyspace.remove(e);
        }
    }

    void del(Args a, ReplyBuffer out) {
        int deleted = 0;
        for (int i = 1; i < a.count; i++) {
            Keyspace.Entry e = lookup(a, i);
            if (e != null) {
                keyspace.remove(e);
                deleted++;
            }
        }
        out.appendInteger(deleted);
    }

    void exists(Args a, ReplyBuffer out) {
        int found = 0;
        for (int i = 1; i < a.count; i++) {
            if (lookup(a, i) != null) {
                found++;
            }
        }
        out.appendInteger(found);
    }

    /** INCR and DECR (by=±1); INCRBY and DECRBY parse their argument first. */
    void incrBy(Args a, ReplyBuffer out, long by) {
        Keyspace.Entry e = lookup(a, 1);
        long value = 0;
        if (e != null) {
            value = Numbers.parse(e.value, 0, e.length);
            if (!Numbers.valid(value, e.value, 0, e.length)) {
                out.appendRaw(Replies.ERR_NOT_INTEGER);
                return;
            }
        }
        if ((by < 0 && value < 0 && by < Long.MIN_VALUE - value)
                || (by > 0 && value > 0 && by > Long.MAX_VALUE - value)) {
            out.appendRaw(Replies.ERR_OVERFLOW);
            return;
        }
        long result = value + by;
        if (e == null) {
            keyspace.insert(a.buf, a.off[1], a.len[1], Numbers.toBytes(result));
        } else {
            // In place: a counter's digits almost always fit the array they replace.
            int n = Numbers.length(result);
            if (e.value.length < n) {
                e.value = new byte[n];
            }
            Numbers.write(e.value, 0, result);
            e.length = n;
        }
        out.appendInteger(result);
    }

    void incrByArg(Args a, ReplyBuffer out, boolean decrement) {
        if (!a.parseLong(2)) {
            out.appendRaw(Replies.ERR_NOT_INTEGER);
            return;
        }
        long by = a.number;
        if (decrement) {
            if (by == Long.MIN_VALUE) {
                out.appendRaw(Replies.ERR_DECREMENT_OVERFLOW);
                return;
            }
            by = -by;
        }
        incrBy(a, out, by);
    }

    void append(Args a, ReplyBuffer out) {
        Keyspace.Entry e = lookup(a, 1);
        if (e == null) {
            keyspace.insert(a.buf, a.off[1], a.len[1], a.copy(2));
            out.appendInteger(a.len[2]);
            return;
        }
        long total = (long) e.length + a.len[2];
        if (total > limits.maxBulkLength()) {
            out.appendRaw(Replies.ERR_STRING_TOO_LONG);
            return;
        }
        e.ensureCapacity((int) total);
        System.arraycopy(a.buf, a.off[2], e.value, e.length, a.len[2]);
        e.length = (int) total;
        out.appendInteger(total);
    }

    void strlen(Args a, ReplyBuffer out) {
        Keyspace.Entry e = lookup(a, 1);
        out.appendInteger(e == null ? 0 : e.length);
    }

    void mget(Args a, ReplyBuffer out) {
        out.appendArrayHeader(a.count - 1);
        for (int i = 1; i < a.count; i++) {
            bulkOrNull(lookup(a, i), out);
        }
    }

    void mset(Args a, ReplyBuffer out, CommandSpec spec) {
        if (a.count % 2 == 0) {
            out.appendError(spec.arityError);
            return;
        }
        for (int i = 1; i < a.count; i += 2) {
            keyspace.put(lookup(a, i), a.buf, a.off[i], a.len[i], a.buf, a.off[i + 1], a.len[i + 1], false);
        }
        out.appendRaw(Replies.OK);
    }

    /** EXPIRE and PEXPIRE key time [NX|XX|GT|LT], as Redis 7's expireGenericCommand. */
    void expire(Args a, ReplyBuffer out, boolean seconds, String command) {
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
                invalidExpireTime(out, command);
                return;
            }
            when *= 1000;
        }
        long now = keyspace.nowMillis();
        if ((now > 0 && when > Long.MAX_VALUE - now) || (now < 0 && when < Long.MIN_VALUE - now)) {
            invalidExpireTime(out, command);
            return;
        }
        when += now;
        Keyspace.Entry e = lookup(a, 1);
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
        keyspace.expireAt(e, when);
        out.appendRaw(Replies.ONE);
    }

    void ttl(Args a, ReplyBuffer out, boolean millis) {
        Keyspace.Entry e = lookup(a, 1);
        if (e == null) {
            out.appendRaw(Replies.MINUS_TWO);
        } else if (!e.isVolatile()) {
            out.appendRaw(Replies.MINUS_ONE);
        } else {
            long ttl = Math.max(0, e.expireAt - keyspace.nowMillis());
            out.appendInteger(millis ? ttl : (ttl + 500) / 1000);
        }
    }

    void persist(Args a, ReplyBuffer out) {
        Keyspace.Entry e = lookup(a, 1);
        out.appendRaw(e != null && keyspace.persist(e) ? Replies.ONE : Replies.ZERO);
    }

    void keys(Args a, ReplyBuffer out) {
        List<ByteKey> keys = keyspace.keys(a.buf, a.off[1], a.len[1]);
        out.appendArrayHeader(keys.size());
        for (ByteKey k : keys) {
            out.appendBulk(k.array(), k.offset(), k.length());
        }
    }

    void dbsize(ReplyBuffer out) {
        out.appendInteger(keyspace.size());
    }

    /** FLUSHALL and FLUSHDB [SYNC|ASYNC]: both flush at once, there being a single database. */
    void flush(Args a, ReplyBuffer out) {
        if (a.count > 2 || (a.count == 2 && !a.is(1, SYNC) && !a.is(1, ASYNC))) {
            out.appendRaw(Replies.ERR_SYNTAX);
            return;
        }
        keyspace.clear();
        out.appendRaw(Replies.OK);
    }

    void select(Args a, ReplyBuffer out) {
        if (!a.parseLong(1) || a.number > Integer.MAX_VALUE || a.number < Integer.MIN_VALUE) {
            out.appendRaw(Replies.ERR_NOT_INTEGER);
        } else if (a.number != 0) {
            out.appendError("ERR DB index is out of range");
        } else {
            out.appendRaw(Replies.OK);
        }
    }
}
