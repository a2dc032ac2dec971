package dev.ioloop.sample.resp;

import static dev.ioloop.sample.resp.DataCommands.lookup;
import static dev.ioloop.sample.resp.DataCommands.touch;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Set commands: SADD, SREM, SMEMBERS, SISMEMBER, SCARD, SRANDMEMBER and SPOP, with Redis 7's replies and error texts.
 * A set that loses its last member is deleted. While a set is an {@code intset} for Redis (integers only), its
 * members are listed in ascending order, as Redis lists an intset; otherwise in the hash table's order.
 *
 * <p>Threading: the event-loop thread only.
 */
final class SetCommands {

    private static final RespSet WRONG = new RespSet();
    /** Most members SRANDMEMBER returns with a negative count (a reply of at least 7 bytes each, under 2 GiB). */
    static final long MAX_REPEATED_MEMBERS = 1L << 26;

    /** The set of the entry, null if absent; {@code WRONG} after replying WRONGTYPE. */
    private static RespSet set(Db.Entry e, ReplyBuffer out) {
        if (e == null) {
            return null;
        }
        if (e.type() != Db.SET) {
            out.appendRaw(Replies.WRONGTYPE);
            return WRONG;
        }
        return (RespSet) ((Db.Collection) e).data;
    }

    /** SADD key member [member ...]: how many were new. */
    void sadd(Db db, Args a, ReplyBuffer out) {
        RespSet set = set(lookup(db, a, 1), out);
        if (set == WRONG) {
            return;
        }
        if (set == null) {
            set = new RespSet();
            db.insertCollection(a.buf, a.off[1], a.len[1], set);
        }
        int added = 0;
        for (int i = 2; i < a.count; i++) {
            if (set.add(a.buf, a.off[i], a.len[i])) {
                added++;
            }
        }
        if (added > 0) {
            touch(db, a, 1);
        }
        out.appendInteger(added);
    }

    /** SREM key member [member ...]: how many were removed. */
    void srem(Db db, Args a, ReplyBuffer out) {
        Db.Entry e = lookup(db, a, 1);
        RespSet set = set(e, out);
        if (set == WRONG) {
            return;
        }
        int removed = 0;
        for (int i = 2; set != null && i < a.count; i++) {
            if (set.remove(a.buf, a.off[i], a.len[i])) {
                removed++;
                if (set.size() == 0) {
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

    void smembers(Db db, Args a, ReplyBuffer out) {
        RespSet set = set(lookup(db, a, 1), out);
        if (set == WRONG) {
            return;
        }
        if (set == null) {
            out.appendRaw(Replies.EMPTY_ARRAY);
            return;
        }
        List<byte[]> members = set.members();
        out.appendArrayHeader(members.size());
        members.forEach(out::appendBulk);
    }

    void sismember(Db db, Args a, ReplyBuffer out) {
        RespSet set = set(lookup(db, a, 1), out);
        if (set != WRONG) {
            out.appendRaw(set != null && set.contains(a.buf, a.off[2], a.len[2]) ? Replies.ONE : Replies.ZERO);
        }
    }

    void scard(Db db, Args a, ReplyBuffer out) {
        RespSet set = set(lookup(db, a, 1), out);
        if (set != WRONG) {
            out.appendInteger(set == null ? 0 : set.size());
        }
    }

    /**
     * SRANDMEMBER key [count]: one member; or with a positive count up to count distinct members; or with a negative
     * one exactly -count members, possibly repeated.
     */
    void srandmember(Db db, Args a, ReplyBuffer out, CommandSpec spec) {
        if (a.count > 3) {
            out.appendRaw(Replies.ERR_SYNTAX);
            return;
        }
        long count = 0;
        if (a.count == 3) {
            if (!a.parseLong(2)) {
                out.appendRaw(Replies.ERR_NOT_INTEGER);
                return;
            }
            if (a.number == Long.MIN_VALUE) {
                out.appendError("ERR value is out of range, value must between -9223372036854775807 and "
                        + "9223372036854775807");
                return;
            }
            count = a.number;
        }
        RespSet set = set(lookup(db, a, 1), out);
        if (set == WRONG) {
            return;
        }
        if (a.count == 2) {
            if (set == null) {
                out.appendRaw(Replies.NULL_BULK);
            } else {
                out.appendBulk(set.members.random().key);
            }
            return;
        }
        if (set == null || count == 0) {
            out.appendRaw(Replies.EMPTY_ARRAY);
            return;
        }
        if (count < 0) {
            // Repeats allowed: each one drawn independently. Redis would build a reply of any size; here a count
            // whose reply could not fit a reply buffer is refused rather than failing halfway.
            long n = -count;
            if (n > MAX_REPEATED_MEMBERS) {
                out.appendError(
                        "ERR value is out of range, must be at most " + MAX_REPEATED_MEMBERS + " repeated members");
                return;
            }
            out.appendArrayHeader((int) n);
            for (long i = 0; i < n; i++) {
                out.appendBulk(set.members.random().key);
            }
            return;
        }
        List<byte[]> picked = distinct(set, (int) Math.min(count, set.size()));
        out.appendArrayHeader(picked.size());
        picked.forEach(out::appendBulk);
    }

    /** {@code n} distinct members at random: a partial shuffle of the members. */
    private static List<byte[]> distinct(RespSet set, int n) {
        List<byte[]> all = new ArrayList<>(set.size());
        set.members.forEach(m -> all.add(m.key));
        ThreadLocalRandom r = ThreadLocalRandom.current();
        for (int i = 0; i < n; i++) {
            int j = i + r.nextInt(all.size() - i);
            byte[] t = all.get(i);
            all.set(i, all.get(j));
            all.set(j, t);
        }
        return all.subList(0, n);
    }

    /** SPOP key [count]: removes and returns one member, or up to count members as an array. */
    void spop(Db db, Args a, ReplyBuffer out) {
        if (a.count > 3) {
            out.appendRaw(Replies.ERR_SYNTAX);
            return;
        }
        long count = 1;
        if (a.count == 3) {
            if (!a.parseLong(2) || a.number < 0) {
                out.appendError("ERR value is out of range, must be positive");
                return;
            }
            count = a.number;
        }
        Db.Entry e = lookup(db, a, 1);
        RespSet set = set(e, out);
        if (set == WRONG) {
            return;
        }
        if (set == null) {
            out.appendRaw(a.count == 3 ? Replies.EMPTY_ARRAY : Replies.NULL_BULK);
            return;
        }
        if (a.count == 2) {
            RespSet.Member m = set.members.random();
            set.members.remove(m);
            out.appendBulk(m.key);
        } else {
            if (count == 0) {
                out.appendRaw(Replies.EMPTY_ARRAY);
                return;
            }
            List<byte[]> picked = distinct(set, (int) Math.min(count, set.size()));
            out.appendArrayHeader(picked.size());
            for (byte[] m : picked) {
                set.remove(m, 0, m.length);
                out.appendBulk(m);
            }
        }
        if (set.size() == 0) {
            db.remove(e);
        }
        touch(db, a, 1);
    }
}
