package dev.ioloop.sample.resp;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A set value: members in a {@link HashTable}, a member costing one small node and its bytes. It also follows the
 * encoding Redis 7.0 would use, because that decides the order SMEMBERS lists members in: an {@code intset}
 * (ascending numbers) while every member ever added was an integer and there were at most
 * {@value #MAX_INTSET_ENTRIES}, a {@code hashtable} (table order) from the first member that broke that rule on;
 * Redis never converts back.
 *
 * <p>Threading: the event-loop thread only.
 */
final class RespSet {

    /** Redis's {@code set-max-intset-entries} default. */
    static final int MAX_INTSET_ENTRIES = 512;

    final HashTable<Member> members = new HashTable<>();
    private boolean hashtable;

    /** A set member. */
    static final class Member extends HashTable.Node<Member> {
        Member(byte[] key) {
            super(key);
        }
    }

    int size() {
        return members.size();
    }

    boolean contains(byte[] b, int off, int len) {
        return members.get(b, off, len) != null;
    }

    /** Adds a copy of {@code b[off, off+len)}; false if it was a member already. */
    boolean add(byte[] b, int off, int len) {
        if (members.get(b, off, len) != null) {
            return false;
        }
        if (!hashtable
                && (members.size() >= MAX_INTSET_ENTRIES || !Numbers.valid(Numbers.parse(b, off, len), b, off, len))) {
            hashtable = true;
        }
        members.add(new Member(Arrays.copyOfRange(b, off, off + len)));
        return true;
    }

    boolean remove(byte[] b, int off, int len) {
        Member m = members.get(b, off, len);
        return m != null && members.remove(m);
    }

    /** The members in the order Redis would list them: ascending numbers for an intset. */
    List<byte[]> members() {
        List<byte[]> all = new ArrayList<>(members.size());
        members.forEach(m -> all.add(m.key));
        if (!hashtable) {
            all.sort((x, y) -> Long.compare(Numbers.parse(x, 0, x.length), Numbers.parse(y, 0, y.length)));
        }
        return all;
    }

    RespSet copy() {
        RespSet c = new RespSet();
        members.forEach(m -> c.members.add(new Member(m.key)));
        c.hashtable = hashtable;
        return c;
    }

    String encoding() {
        return hashtable ? "hashtable" : "intset";
    }
}
