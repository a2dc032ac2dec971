package dev.ioloop.sample.resp;

import static dev.ioloop.sample.resp.DataCommands.lookup;
import static dev.ioloop.sample.resp.DataCommands.touch;

/**
 * Hash commands: HSET, HGET, HDEL, HGETALL, HLEN, HEXISTS and HINCRBY, with Redis 7's replies and error texts. A hash
 * that loses its last field is deleted. While a hash is a {@code listpack} for Redis, HGETALL lists it in insertion
 * order, as Redis does; otherwise in the hash table's order.
 *
 * <p>Threading: the event-loop thread only.
 */
final class HashCommands {

    private static final RespHash WRONG = new RespHash();

    private static RespHash hash(Db.Entry e, ReplyBuffer out) {
        if (e == null) {
            return null;
        }
        if (e.type() != Db.HASH) {
            out.appendRaw(Replies.WRONGTYPE);
            return WRONG;
        }
        return (RespHash) ((Db.Collection) e).data;
    }

    private static RespHash hashOrCreate(Db db, Args a, ReplyBuffer out) {
        RespHash hash = hash(lookup(db, a, 1), out);
        if (hash == null) {
            hash = new RespHash();
            db.insertCollection(a.buf, a.off[1], a.len[1], hash);
        }
        return hash;
    }

    /** HSET key field value [field value ...]: how many fields were new. */
    void hset(Db db, Args a, ReplyBuffer out, CommandSpec spec) {
        if (a.count % 2 == 1) {
            out.appendError(spec.arityError);
            return;
        }
        RespHash hash = hashOrCreate(db, a, out);
        if (hash == WRONG) {
            return;
        }
        // Like Redis, the lengths of all the arguments decide the encoding before anything is added.
        for (int i = 2; i < a.count; i++) {
            hash.noteLength(a.len[i]);
        }
        int created = 0;
        for (int i = 2; i < a.count; i += 2) {
            if (hash.put(a.buf, a.off[i], a.len[i], a.copy(i + 1))) {
                created++;
            }
        }
        touch(db, a, 1);
        out.appendInteger(created);
    }

    void hget(Db db, Args a, ReplyBuffer out) {
        RespHash hash = hash(lookup(db, a, 1), out);
        if (hash == WRONG) {
            return;
        }
        RespHash.Field f = hash == null ? null : hash.get(a.buf, a.off[2], a.len[2]);
        if (f == null) {
            out.appendRaw(Replies.NULL_BULK);
        } else {
            out.appendBulk(f.value);
        }
    }

    /** HDEL key field [field ...]: how many were removed. */
    void hdel(Db db, Args a, ReplyBuffer out) {
        Db.Entry e = lookup(db, a, 1);
        RespHash hash = hash(e, out);
        if (hash == WRONG) {
            return;
        }
        int removed = 0;
        for (int i = 2; hash != null && i < a.count; i++) {
            if (hash.remove(a.buf, a.off[i], a.len[i])) {
                removed++;
                if (hash.size() == 0) {
                    db.remove(e);
                    break;
                }
            }
        }
        if (removed > 0) {
            touch(db, a, 1);
        }
        out.appendInteger(removed);
    }

    void hgetall(Db db, Args a, ReplyBuffer out) {
        RespHash hash = hash(lookup(db, a, 1), out);
        if (hash == WRONG) {
            return;
        }
        if (hash == null) {
            out.appendRaw(Replies.EMPTY_ARRAY);
            return;
        }
        out.appendArrayHeader(hash.size() * 2);
        hash.forEachInOrder(f -> {
            out.appendBulk(f.key);
            out.appendBulk(f.value);
        });
    }

    void hlen(Db db, Args a, ReplyBuffer out) {
        RespHash hash = hash(lookup(db, a, 1), out);
        if (hash != WRONG) {
            out.appendInteger(hash == null ? 0 : hash.size());
        }
    }

    void hexists(Db db, Args a, ReplyBuffer out) {
        RespHash hash = hash(lookup(db, a, 1), out);
        if (hash != WRONG) {
            out.appendRaw(hash != null && hash.get(a.buf, a.off[2], a.len[2]) != null ? Replies.ONE : Replies.ZERO);
        }
    }

    /** HINCRBY key field increment: the new value; the field must hold an integer. */
    void hincrby(Db db, Args a, ReplyBuffer out) {
        if (!a.parseLong(3)) {
            out.appendRaw(Replies.ERR_NOT_INTEGER);
            return;
        }
        long by = a.number;
        RespHash hash = hashOrCreate(db, a, out);
        if (hash == WRONG) {
            return;
        }
        RespHash.Field f = hash.get(a.buf, a.off[2], a.len[2]);
        long value = 0;
        if (f != null) {
            value = Numbers.parse(f.value, 0, f.value.length);
            if (!Numbers.valid(value, f.value, 0, f.value.length)) {
                out.appendError("ERR hash value is not an integer");
                return;
            }
        }
        if ((by < 0 && value < 0 && by < Long.MIN_VALUE - value)
                || (by > 0 && value > 0 && by > Long.MAX_VALUE - value)) {
            out.appendRaw(Replies.ERR_OVERFLOW);
            return;
        }
        value += by;
        hash.put(a.buf, a.off[2], a.len[2], Numbers.toBytes(value));
        touch(db, a, 1);
        out.appendInteger(value);
    }
}
