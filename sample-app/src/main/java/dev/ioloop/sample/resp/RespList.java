package dev.ioloop.sample.resp;

/**
 * A list value: a ring of byte strings, so pushes and pops at both ends are O(1) and LINDEX and LRANGE index it
 * directly. An element costs its array and a slot of the ring.
 *
 * <p>Threading: the event-loop thread only.
 */
final class RespList {

    private static final byte[][] EMPTY = new byte[0][];

    private byte[][] ring = EMPTY;
    private int head;
    private int size;

    int size() {
        return size;
    }

    /** Element {@code i}, 0 the head; the caller checks the range. */
    byte[] get(int i) {
        return ring[(head + i) & (ring.length - 1)];
    }

    void addFirst(byte[] v) {
        grow();
        head = (head - 1) & (ring.length - 1);
        ring[head] = v;
        size++;
    }

    void addLast(byte[] v) {
        grow();
        ring[(head + size) & (ring.length - 1)] = v;
        size++;
    }

    byte[] pollFirst() {
        byte[] v = ring[head];
        ring[head] = null;
        head = (head + 1) & (ring.length - 1);
        size--;
        shrink();
        return v;
    }

    byte[] pollLast() {
        int i = (head + size - 1) & (ring.length - 1);
        byte[] v = ring[i];
        ring[i] = null;
        size--;
        shrink();
        return v;
    }

    private void grow() {
        if (size < ring.length) {
            return;
        }
        resize(Math.max(4, ring.length * 2));
    }

    private void shrink() {
        if (ring.length > 16 && size < ring.length / 4) {
            resize(ring.length / 2);
        }
    }

    private void resize(int capacity) {
        byte[][] next = new byte[capacity][];
        for (int i = 0; i < size; i++) {
            next[i] = get(i);
        }
        ring = next;
        head = 0;
    }

    RespList copy() {
        RespList c = new RespList();
        for (int i = 0; i < size; i++) {
            c.addLast(get(i).clone());
        }
        return c;
    }

    @Override
    public String toString() {
        return "RespList[size=" + size + ", capacity=" + ring.length + "]";
    }
}
