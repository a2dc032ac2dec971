package dev.ioloop.sample.resp;

/**
 * A hash value: fields in a {@link HashTable}, each node holding its field and value. It also remembers the encoding
 * Redis 7.0 would report: {@code listpack} while it never held more than {@value #MAX_LISTPACK_ENTRIES} fields nor a
 * field or value longer than {@value #MAX_LISTPACK_VALUE} bytes, {@code hashtable} from then on.
 *
 * <p>Threading: the event-loop thread only.
 */
final class RespHash {

    /** Redis's {@code hash-max-listpack-entries} default. */
    static final int MAX_LISTPACK_ENTRIES = 128;
    /** Redis's {@code hash-max-listpack-value} default. */
    static final int MAX_LISTPACK_VALUE = 64;

    final HashTable<Field> fields = new HashTable<>();
    private boolean hashtable;

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

    /** Sets the field to {@code value} (taken, not copied); returns whether the field is new. */
    boolean put(byte[] b, int off, int len, byte[] value) {
        if (len > MAX_LISTPACK_VALUE || value.length > MAX_LISTPACK_VALUE) {
            hashtable = true;
        }
        Field f = fields.get(b, off, len);
        if (f != null) {
            f.value = value;
            return false;
        }
        fields.add(new Field(java.util.Arrays.copyOfRange(b, off, off + len), value));
        if (fields.size() > MAX_LISTPACK_ENTRIES) {
            hashtable = true;
        }
        return true;
    }

    boolean remove(byte[] b, int off, int len) {
        Field f = fields.get(b, off, len);
        return f != null && fields.remove(f);
    }

    RespHash copy() {
        RespHash c = new RespHash();
        fields.forEach(f -> c.fields.add(new Field(f.key, f.value.clone())));
        c.hashtable = hashtable;
        return c;
    }

    String encoding() {
        return hashtable ? "hashtable" : "listpack";
    }
}
