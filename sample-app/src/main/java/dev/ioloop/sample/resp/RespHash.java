package dev.ioloop.sample.resp;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;

/**
 * A hash value: fields in a {@link HashTable}, each node holding its field and value. It also follows the encoding
 * Redis 7.0 would use, because that decides the order HGETALL lists fields in: a {@code listpack} (insertion order)
 * while it never held more than {@value #MAX_LISTPACK_ENTRIES} fields nor was given a field or value longer than
 * {@value #MAX_LISTPACK_VALUE} bytes, a {@code hashtable} (table order) from then on; Redis never converts back.
 *
 * <p>Threading: the event-loop thread only.
 */
final class RespHash {

    /** Redis's {@code hash-max-listpack-entries} default. */
    static final int MAX_LISTPACK_ENTRIES = 128;
    /** Redis's {@code hash-max-listpack-value} default. */
    static final int MAX_LISTPACK_VALUE = 64;

    final HashTable<Field> fields = new HashTable<>();
    /** The fields in insertion order while the hash is a listpack; null once it is a hashtable. */
    private List<Field> order = new ArrayList<>(4);

    /** A field and its value. */
    static final class Field extends HashTable.Node<Field> {
        byte[] value;

        Field(byte[] key, byte[] value) {
            super(key);
            this.value = value;
        }
    }

    int size() {
        return fields.size();
    }

    Field get(byte[] b, int off, int len) {
        return fields.get(b, off, len);
    }

    /** An argument of HSET this long turns a listpack into a hashtable, whether or not it is stored. */
    void noteLength(int length) {
        if (length > MAX_LISTPACK_VALUE) {
            order = null;
        }
    }

    /** Sets the field to {@code value} (taken, not copied); returns whether the field is new. */
    boolean put(byte[] b, int off, int len, byte[] value) {
        Field f = fields.get(b, off, len);
        if (f != null) {
            f.value = value;
            return false;
        }
        f = new Field(Arrays.copyOfRange(b, off, off + len), value);
        fields.add(f);
        if (order != null) {
            order.add(f);
            if (fields.size() > MAX_LISTPACK_ENTRIES) {
                order = null;
            }
        }
        return true;
    }

    boolean remove(byte[] b, int off, int len) {
        Field f = fields.get(b, off, len);
        if (f == null) {
            return false;
        }
        fields.remove(f);
        if (order != null) {
            order.remove(f);
        }
        return true;
    }

    /** Every field, in the order Redis would list them. */
    void forEachInOrder(Consumer<Field> action) {
        if (order != null) {
            order.forEach(action);
        } else {
            fields.forEach(action);
        }
    }

    RespHash copy() {
        RespHash c = new RespHash();
        forEachInOrder(f -> {
            Field copy = new Field(f.key, f.value.clone());
            c.fields.add(copy);
            if (c.order != null) {
                c.order.add(copy);
            }
        });
        if (order == null) {
            c.order = null;
        }
        return c;
    }

    String encoding() {
        return order == null ? "hashtable" : "listpack";
    }
}
