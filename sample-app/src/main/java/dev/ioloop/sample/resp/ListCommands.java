package dev.ioloop.sample.resp;

import static dev.ioloop.sample.resp.DataCommands.lookup;
import static dev.ioloop.sample.resp.DataCommands.touch;

/**
 * List commands: LPUSH, RPUSH, LPOP, RPOP (with a count), LLEN, LRANGE and LINDEX, with Redis 7's replies and error
 * texts. A list that loses its last element is deleted, as in Redis.
 *
 * <p>Threading: the event-loop thread only.
 */
final class ListCommands {

    private static final String MUST_BE_POSITIVE = "ERR value is out of range, must be positive";

    /** The list in argument 1, null if absent; {@code WRONG} after replying WRONGTYPE. */
    static RespList list(Db.Entry e, ReplyBuffer out) {
        if (e == null) {
            return null;
        }
        if (e.type() != Db.LIST) {
            out.appendRaw(Replies.WRONGTYPE);
            return WRONG;
        }
        return (RespList) ((Db.Collection) e).data;
    }

    private static final RespList WRONG = new RespList();

    /** LPUSH and RPUSH key element [element ...]: the length after the pushes. */
    void push(Db db, Args a, ReplyBuffer out, boolean head) {
        Db.Entry e = lookup(db, a, 1);
        RespList list = list(e, out);
        if (list == WRONG) {
            return;
        }
        if (list == null) {
            list = new RespList();
            db.insertCollection(a.buf, a.off[1], a.len[1], list);
        }
        for (int i = 2; i < a.count; i++) {
            if (head) {
                list.addFirst(a.copy(i));
            } else {
                list.addLast(a.copy(i));
            }
        }
        touch(db, a, 1);
        out.appendInteger(list.size());
    }

    /** LPOP and RPOP key [count]: one element as a bulk string, or with a count an array of up to count. */
    void pop(Db db, Args a, ReplyBuffer out, boolean head, CommandSpec spec) {
        if (a.count > 3) {
            out.appendError(spec.arityError);
            return;
        }
        boolean hasCount = a.count == 3;
        long count = 0;
        if (hasCount) {
            if (!a.parseLong(2) || a.number < 0) {
                out.appendError(MUST_BE_POSITIVE);
                return;
            }
            count = a.number;
        }
        Db.Entry e = lookup(db, a, 1);
        RespList list = list(e, out);
        if (list == WRONG) {
            return;
        }
        if (list == null) {
            out.appendRaw(hasCount ? Replies.NULL_ARRAY : Replies.NULL_BULK);
            return;
        }
        if (hasCount && count == 0) {
            out.appendRaw(Replies.EMPTY_ARRAY);
            return;
        }
        if (!hasCount) {
            out.appendBulk(head ? list.pollFirst() : list.pollLast());
        } else {
            int n = (int) Math.min(count, list.size());
            out.appendArrayHeader(n);
            for (int i = 0; i < n; i++) {
                out.appendBulk(head ? list.pollFirst() : list.pollLast());
            }
        }
        if (list.size() == 0) {
            db.remove(e);
        }
        touch(db, a, 1);
    }

    void llen(Db db, Args a, ReplyBuffer out) {
        RespList list = list(lookup(db, a, 1), out);
        if (list != WRONG) {
            out.appendInteger(list == null ? 0 : list.size());
        }
    }

    /** LRANGE key start stop, inclusive, negative counting from the tail. */
    void lrange(Db db, Args a, ReplyBuffer out) {
        if (!a.parseLong(2)) {
            out.appendRaw(Replies.ERR_NOT_INTEGER);
            return;
        }
        long start = a.number;
        if (!a.parseLong(3)) {
            out.appendRaw(Replies.ERR_NOT_INTEGER);
            return;
        }
        long end = a.number;
        RespList list = list(lookup(db, a, 1), out);
        if (list == WRONG) {
            return;
        }
        if (list == null) {
            out.appendRaw(Replies.EMPTY_ARRAY);
            return;
        }
        long len = list.size();
        if (start < 0) {
            start = len + start;
        }
        if (end < 0) {
            end = len + end;
        }
        if (start < 0) {
            start = 0;
        }
        if (start > end || start >= len) {
            out.appendRaw(Replies.EMPTY_ARRAY);
            return;
        }
        if (end >= len) {
            end = len - 1;
        }
        out.appendArrayHeader((int) (end - start + 1));
        for (long i = start; i <= end; i++) {
            out.appendBulk(list.get((int) i));
        }
    }

    /** LINDEX key index: the element, or nil out of range. */
    void lindex(Db db, Args a, ReplyBuffer out) {
        if (!a.parseLong(2)) {
            out.appendRaw(Replies.ERR_NOT_INTEGER);
            return;
        }
        long index = a.number;
        RespList list = list(lookup(db, a, 1), out);
        if (list == WRONG) {
            return;
        }
        if (list == null) {
            out.appendRaw(Replies.NULL_BULK);
            return;
        }
        if (index < 0) {
            index += list.size();
        }
        if (index < 0 || index >= list.size()) {
            out.appendRaw(Replies.NULL_BULK);
        } else {
            out.appendBulk(list.get((int) index));
        }
    }
}
