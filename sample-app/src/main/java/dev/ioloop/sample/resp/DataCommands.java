package dev.ioloop.sample.resp;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;

/**
 * The string commands, with Redis 7's replies and error texts. Each method runs one command
 * whose arity was already checked; argument 0 is the command name.
 *
 * <p>Threading: the event-loop thread only, like the {@link Keyspace} it works on.
 */
final class DataCommands {

    private static final byte[] NX = Ascii.lower("nx");
    private static final byte[] XX = Ascii.lower("xx");
    private static final byte[] GET = Ascii.lower("get");
    private static final byte[] KEEPTTL = Ascii.lower("keepttl");
    private static final byte[] EX = Ascii.lower("ex");
    private static final byte[] PX = Ascii.lower("px");
    private static final byte[] EXAT = Ascii.lower("exat");
    private static final byte[] PXAT = Ascii.lower("pxat");
    private static final byte[] PERSIST = Ascii.lower("persist");

    private static final int NO_UNIT = 0;
    static final int UNIT_EX = 1;
    static final int UNIT_PX = 2;
    private static final int UNIT_EXAT = 3;
    private static final int UNIT_PXAT = 4;

    private final RespLimits limits;

    DataCommands(RespLimits limits) {
        this.limits = limits;
    }

    static Db.Entry lookup(Db db, Args a, int i) {
        return db.lookup(a.buf, a.off[i], a.len[i]);
    }

    /** Tells watchers that the key in argument {@code i} changed. */
    static void touch(Db db, Args a, int i) {
        db.touch(a.buf, a.off[i], a.len[i]);
    }

    /** The string value as a bulk reply, or the null bulk; the caller checked the type. */
    private static void bulkOrNull(Db.Entry e, ReplyBuffer out) {
        if (e == null) {
            out.appendRaw(Replies.NULL_BULK);
        } else {
            out.appendBulk(e.value, 0, e.length);
        }
    }

    /** Whether the entry is a list, set or hash, after replying WRONGTYPE if so. */
    static boolean wrongType(Db.Entry e, ReplyBuffer out) {
        if (e != null && e.value == null) {
            out.appendRaw(Replies.WRONGTYPE);
            return true;
        }
        return false;
    }

    void get(Db db, Args a, ReplyBuffer out) {
        Db.Entry e = lookup(db, a, 1);
        if (!wrongType(e, out)) {
            bulkOrNull(e, out);
        }
    }

    /** SET key value [NX|XX] [GET] [EX s|PX ms|EXAT s|PXAT ms|KEEPTTL], option rules as Redis 7. */
    void set(Db db, Args a, ReplyBuffer out) {
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
            deadline = deadline(db, a, expireArg, unit, "set", out);
            if (deadline == Keyspace.NO_EXPIRY) {
                return;
            }
        }
        setGeneric(db, a, 2, nx, xx, get, keepTtl, deadline, Replies.OK, Replies.NULL_BULK, out);
    }

    /**
     * Redis's {@code setGenericCommand}: stores argument {@code valueArg} under argument 1 unless NX or XX say no,
     * replying {@code ok} or {@code abort}, or the old value with GET.
     */
    private void setGeneric(
            Db db,
            Args a,
            int valueArg,
            boolean nx,
            boolean xx,
            boolean get,
            boolean keepTtl,
            long deadline,
            byte[] ok,
            byte[] abort,
            ReplyBuffer out) {
        Db.Entry e = lookup(db, a, 1);
        if (get) {
            if (wrongType(e, out)) {
                return;
            }
            bulkOrNull(e, out);
        }
        if ((nx && e != null) || (xx && e == null)) {
            if (!get) {
                out.appendRaw(abort);
            }
            return;
        }
        e = db.put(e, a.buf, a.off[1], a.len[1], a.buf, a.off[valueArg], a.len[valueArg], keepTtl);
        if (deadline != Keyspace.NO_EXPIRY) {
            db.expireAt(e, deadline);
        }
        touch(db, a, 1);
        if (!get) {
            out.appendRaw(ok);
        }
    }

    /**
     * The absolute deadline in milliseconds that argument {@code arg} gives in {@code unit}, as Redis's
     * {@code getExpireMillisecondsOrReply}; after replying the error, {@link Keyspace#NO_EXPIRY} if it is not a
     * positive integer or overflows.
     */
    static long deadline(Db db, Args a, int arg, int unit, String command, ReplyBuffer out) {
        if (!a.parseLong(arg)) {
            out.appendRaw(Replies.ERR_NOT_INTEGER);
            return Keyspace.NO_EXPIRY;
        }
        long ms = a.number;
        boolean seconds = unit == UNIT_EX || unit == UNIT_EXAT;
        if (ms <= 0 || (seconds && ms > Long.MAX_VALUE / 1000)) {
            invalidExpireTime(out, command);
            return Keyspace.NO_EXPIRY;
        }
        if (seconds) {
            ms *= 1000;
        }
        if (unit == UNIT_EX || unit == UNIT_PX) {
            // Redis tests the sum for <= 0; testing for overflow itself also suits a clock that
            // is not wall time and may be negative (a monotonic one).
            long now = db.nowMillis();
            if (now > 0 && ms > Long.MAX_VALUE - now) {
                invalidExpireTime(out, command);
                return Keyspace.NO_EXPIRY;
            }
            ms += now;
        }
        return ms;
    }

    /** SETNX key value: 1 if set, 0 if the key existed. */
    void setnx(Db db, Args a, ReplyBuffer out) {
        setGeneric(db, a, 2, true, false, false, false, Keyspace.NO_EXPIRY, Replies.ONE, Replies.ZERO, out);
    }

    /** SETEX key seconds value and PSETEX key milliseconds value. */
    void setex(Db db, Args a, ReplyBuffer out, boolean seconds) {
        long deadline = deadline(db, a, 2, seconds ? UNIT_EX : UNIT_PX, seconds ? "setex" : "psetex", out);
        if (deadline != Keyspace.NO_EXPIRY) {
            setGeneric(db, a, 3, false, false, false, false, deadline, Replies.OK, Replies.NULL_BULK, out);
        }
    }

    /** GETSET key value: the old value; the new one has no TTL. */
    void getset(Db db, Args a, ReplyBuffer out) {
        setGeneric(db, a, 2, false, false, true, false, Keyspace.NO_EXPIRY, Replies.OK, Replies.NULL_BULK, out);
    }

    /** GETEX key [EX s|PX ms|EXAT s|PXAT ms|PERSIST]: the value, and its TTL changed. */
    void getex(Db db, Args a, ReplyBuffer out) {
        boolean persist = false;
        int unit = NO_UNIT;
        int expireArg = -1;
        for (int j = 2; j < a.count; j++) {
            if (a.is(j, PERSIST) && unit == NO_UNIT) {
                persist = true;
            } else {
                int u = j + 1 < a.count && !persist ? expireUnit(a, j, unit) : NO_UNIT;
                if (u == NO_UNIT) {
                    out.appendRaw(Replies.ERR_SYNTAX);
                    return;
                }
                unit = u;
                expireArg = ++j;
            }
        }
        Db.Entry e = lookup(db, a, 1);
        if (e == null) {
            out.appendRaw(Replies.NULL_BULK);
            return;
        }
        if (wrongType(e, out)) {
            return;
        }
        long deadline = Keyspace.NO_EXPIRY;
        if (expireArg > 0) {
            deadline = deadline(db, a, expireArg, unit, "getex", out);
            if (deadline == Keyspace.NO_EXPIRY) {
                return;
            }
        }
        bulkOrNull(e, out);
        if (deadline != Keyspace.NO_EXPIRY) {
            db.expireAt(e, deadline); // a deadline already past deletes the key
            touch(db, a, 1);
        } else if (persist && db.persist(e)) {
            touch(db, a, 1);
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

    static void invalidExpireTime(ReplyBuffer out, String command) {
        out.appendError("ERR invalid expire time in '" + command + "' command");
    }

    void getdel(Db db, Args a, ReplyBuffer out) {
        Db.Entry e = lookup(db, a, 1);
        if (wrongType(e, out)) {
            return;
        }
        bulkOrNull(e, out);
        if (e != null) {
            db.remove(e);
            touch(db, a, 1);
        }
    }

    /** INCR and DECR (by=±1); INCRBY and DECRBY parse their argument first. */
    void incrBy(Db db, Args a, ReplyBuffer out, long by) {
        Db.Entry e = lookup(db, a, 1);
        if (wrongType(e, out)) {
            return;
        }
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
            db.insert(a.buf, a.off[1], a.len[1], Numbers.toBytes(result));
        } else {
            // In place: a counter's digits almost always fit the array they replace.
            int n = Numbers.length(result);
            if (e.value.length < n) {
                e.value = new byte[n];
            }
            Numbers.write(e.value, 0, result);
            e.length = n;
        }
        touch(db, a, 1);
        out.appendInteger(result);
    }

    void incrByArg(Db db, Args a, ReplyBuffer out, boolean decrement) {
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
        incrBy(db, a, out, by);
    }

    void append(Db db, Args a, ReplyBuffer out) {
        Db.Entry e = lookup(db, a, 1);
        if (wrongType(e, out)) {
            return;
        }
        if (e == null) {
            db.insert(a.buf, a.off[1], a.len[1], a.copy(2));
            touch(db, a, 1);
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
        touch(db, a, 1);
        out.appendInteger(total);
    }

    void strlen(Db db, Args a, ReplyBuffer out) {
        Db.Entry e = lookup(db, a, 1);
        if (!wrongType(e, out)) {
            out.appendInteger(e == null ? 0 : e.length);
        }
    }

    void mget(Db db, Args a, ReplyBuffer out) {
        out.appendArrayHeader(a.count - 1);
        for (int i = 1; i < a.count; i++) {
            Db.Entry e = lookup(db, a, i);
            // MGET answers nil for a key of another type, as Redis does.
            bulkOrNull(e == null || e.value == null ? null : e, out);
        }
    }

    void mset(Db db, Args a, ReplyBuffer out, CommandSpec spec) {
        if (a.count % 2 == 0) {
            out.appendError(spec.arityError);
            return;
        }
        for (int i = 1; i < a.count; i += 2) {
            db.put(lookup(db, a, i), a.buf, a.off[i], a.len[i], a.buf, a.off[i + 1], a.len[i + 1], false);
            touch(db, a, i);
        }
        out.appendRaw(Replies.OK);
    }

    /** MSETNX key value [key value ...]: sets them all, or none if any exists. */
    void msetnx(Db db, Args a, ReplyBuffer out, CommandSpec spec) {
        if (a.count % 2 == 0) {
            out.appendError(spec.arityError);
            return;
        }
        for (int i = 1; i < a.count; i += 2) {
            if (lookup(db, a, i) != null) {
                out.appendRaw(Replies.ZERO);
                return;
            }
        }
        for (int i = 1; i < a.count; i += 2) {
            db.put(lookup(db, a, i), a.buf, a.off[i], a.len[i], a.buf, a.off[i + 1], a.len[i + 1], false);
            touch(db, a, i);
        }
        out.appendRaw(Replies.ONE);
    }

    /** INCRBYFLOAT key increment, in {@link LongDouble} arithmetic as Redis; the key keeps its TTL. */
    void incrByFloat(Db db, Args a, ReplyBuffer out) {
        Db.Entry e = lookup(db, a, 1);
        if (wrongType(e, out)) {
            return;
        }
        BigDecimal value = e == null ? BigDecimal.ZERO : LongDouble.parse(e.value, 0, e.length);
        BigDecimal incr = value == null ? null : LongDouble.parse(a.buf, a.off[2], a.len[2]);
        if (incr == null) {
            out.appendError("ERR value is not a valid float");
            return;
        }
        BigDecimal sum = LongDouble.add(value, incr);
        if (sum == null) {
            out.appendError("ERR increment would produce NaN or Infinity");
            return;
        }
        byte[] text = LongDouble.format(sum).getBytes(StandardCharsets.US_ASCII);
        if (e == null) {
            db.insert(a.buf, a.off[1], a.len[1], text);
        } else {
            e.replaceValue(text, 0, text.length);
        }
        touch(db, a, 1);
        out.appendBulk(text);
    }
}
