package dev.ioloop.sample.resp;

import static dev.ioloop.sample.resp.DataCommands.lookup;
import static dev.ioloop.sample.resp.DataCommands.touch;
import static dev.ioloop.sample.resp.DataCommands.wrongType;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The string commands that work on parts of a value: GETRANGE, SETRANGE, GETBIT, SETBIT, BITCOUNT and LCS, with Redis
 * 7's replies and error texts. Each method runs one command whose arity was already checked.
 *
 * <p>Threading: the event-loop thread only.
 */
final class StringRangeCommands {

    private static final byte[] EMPTY_BULK = "$0\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] BIT = Ascii.lower("bit");
    private static final byte[] BYTE = Ascii.lower("byte");
    private static final byte[] IDX = Ascii.lower("idx");
    private static final byte[] LEN = Ascii.lower("len");
    private static final byte[] WITHMATCHLEN = Ascii.lower("withmatchlen");
    private static final byte[] MINMATCHLEN = Ascii.lower("minmatchlen");
    /**
     * Cells of the LCS table (4 bytes each) above which LCS refuses with Redis's out-of-memory error: 64 MiB of
     * table, two strings of 4,000 bytes. Redis goes as far as its memory allows.
     */
    private static final long MAX_LCS_CELLS = 16L * 1024 * 1024;

    private final RespLimits limits;

    StringRangeCommands(RespLimits limits) {
        this.limits = limits;
    }

    /** GETRANGE key start end: the bytes from start to end inclusive, negative counting from the end. */
    void getrange(Db db, Args a, ReplyBuffer out) {
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
        Db.Entry e = lookup(db, a, 1);
        if (e == null) {
            out.appendRaw(EMPTY_BULK);
            return;
        }
        if (wrongType(e, out)) {
            return;
        }
        long len = e.length;
        if (start < 0 && end < 0 && start > end) {
            out.appendRaw(EMPTY_BULK);
            return;
        }
        if (start < 0) {
            start = Math.max(0, len + start);
        }
        if (end < 0) {
            end = Math.max(0, len + end);
        }
        if (end >= len) {
            end = len - 1;
        }
        if (start > end || len == 0) {
            out.appendRaw(EMPTY_BULK);
        } else {
            out.appendBulk(e.value, (int) start, (int) (end - start + 1));
        }
    }

    /** SETRANGE key offset value: overwrites from offset on, padding with zero bytes; replies the new length. */
    void setrange(Db db, Args a, ReplyBuffer out) {
        if (!a.parseLong(2)) {
            out.appendRaw(Replies.ERR_NOT_INTEGER);
            return;
        }
        long offset = a.number;
        if (offset < 0) {
            out.appendError("ERR offset is out of range");
            return;
        }
        int n = a.len[3];
        Db.Entry e = lookup(db, a, 1);
        if (e != null && wrongType(e, out)) {
            return;
        }
        if (n == 0) {
            out.appendInteger(e == null ? 0 : e.length);
            return;
        }
        if (offset + n > limits.maxBulkLength()) {
            out.appendRaw(Replies.ERR_STRING_TOO_LONG);
            return;
        }
        int end = (int) offset + n;
        if (e == null) {
            e = db.insert(a.buf, a.off[1], a.len[1], new byte[end]);
        } else if (end > e.length) {
            e.ensureCapacity(end);
            Arrays.fill(e.value, e.length, end, (byte) 0);
            e.length = end;
        }
        System.arraycopy(a.buf, a.off[3], e.value, (int) offset, n);
        touch(db, a, 1);
        out.appendInteger(e.length);
    }

    /** The bit offset in argument {@code i} ({@link Args#number}), or false after replying the error. */
    private boolean bitOffset(Args a, int i, ReplyBuffer out) {
        if (!a.parseLong(i) || a.number < 0 || (a.number >> 3) >= limits.maxBulkLength()) {
            out.appendError("ERR bit offset is not an integer or out of range");
            return false;
        }
        return true;
    }

    /** GETBIT key offset. */
    void getbit(Db db, Args a, ReplyBuffer out) {
        if (!bitOffset(a, 2, out)) {
            return;
        }
        long offset = a.number;
        Db.Entry e = lookup(db, a, 1);
        if (wrongType(e, out)) {
            return;
        }
        int byteIndex = (int) (offset >> 3);
        boolean set = e != null && byteIndex < e.length && (e.value[byteIndex] & (0x80 >> (offset & 7))) != 0;
        out.appendRaw(set ? Replies.ONE : Replies.ZERO);
    }

    /** SETBIT key offset 0|1: replies the bit's old value. */
    void setbit(Db db, Args a, ReplyBuffer out) {
        if (!bitOffset(a, 2, out)) {
            return;
        }
        long offset = a.number;
        if (!a.parseLong(3) || (a.number & ~1L) != 0) {
            out.appendError("ERR bit is not an integer or out of range");
            return;
        }
        boolean on = a.number == 1;
        Db.Entry e = lookup(db, a, 1);
        if (wrongType(e, out)) {
            return;
        }
        int byteIndex = (int) (offset >> 3);
        boolean grown = true;
        if (e == null) {
            e = db.insert(a.buf, a.off[1], a.len[1], new byte[byteIndex + 1]);
        } else if (byteIndex >= e.length) {
            e.ensureCapacity(byteIndex + 1);
            Arrays.fill(e.value, e.length, byteIndex + 1, (byte) 0);
            e.length = byteIndex + 1;
        } else {
            grown = false;
        }
        int mask = 0x80 >> (offset & 7);
        boolean was = (e.value[byteIndex] & mask) != 0;
        e.value[byteIndex] = (byte) (on ? e.value[byteIndex] | mask : e.value[byteIndex] & ~mask);
        if (grown || was != on) {
            touch(db, a, 1); // like Redis, setting a bit to the value it has changes nothing
        }
        out.appendRaw(was ? Replies.ONE : Replies.ZERO);
    }

    /** BITCOUNT key [start end [BYTE|BIT]], as Redis 7.0's bitcountCommand. */
    void bitcount(Db db, Args a, ReplyBuffer out) {
        Db.Entry e = lookup(db, a, 1);
        if (e == null) {
            out.appendRaw(Replies.ZERO);
            return;
        }
        if (wrongType(e, out)) {
            return;
        }
        long start;
        long end;
        int firstMask = 0;
        int lastMask = 0;
        if (a.count == 4 || a.count == 5) {
            long total = e.length;
            if (!a.parseLong(2)) {
                out.appendRaw(Replies.ERR_NOT_INTEGER);
                return;
            }
            start = a.number;
            if (!a.parseLong(3)) {
                out.appendRaw(Replies.ERR_NOT_INTEGER);
                return;
            }
            end = a.number;
            if (start < 0 && end < 0 && start > end) {
                out.appendRaw(Replies.ZERO);
                return;
            }
            boolean bits = false;
            if (a.count == 5) {
                if (a.is(4, BIT)) {
                    bits = true;
                } else if (!a.is(4, BYTE)) {
                    out.appendRaw(Replies.ERR_SYNTAX);
                    return;
                }
            }
            if (bits) {
                total <<= 3;
            }
            start = start < 0 ? Math.max(0, total + start) : start;
            end = end < 0 ? Math.max(0, total + end) : end;
            if (end >= total) {
                end = total - 1;
            }
            if (bits && start <= end) {
                // Mask off the bits of the edge bytes that are out of the range.
                firstMask = ~((1 << (8 - (start & 7))) - 1) & 0xff;
                lastMask = (1 << (7 - (end & 7))) - 1;
                start >>= 3;
                end >>= 3;
            }
        } else if (a.count == 2) {
            start = 0;
            end = e.length - 1;
        } else {
            out.appendRaw(Replies.ERR_SYNTAX);
            return;
        }
        if (start > end) {
            out.appendRaw(Replies.ZERO);
            return;
        }
        long count = 0;
        for (int i = (int) start; i <= end; i++) {
            count += Integer.bitCount(e.value[i] & 0xff);
        }
        count -= Integer.bitCount(e.value[(int) start] & firstMask);
        count -= Integer.bitCount(e.value[(int) end] & lastMask);
        out.appendInteger(count);
    }

    /** LCS key1 key2 [LEN] [IDX] [MINMATCHLEN n] [WITHMATCHLEN], Redis 7.0's dynamic programming, byte for byte. */
    void lcs(Db db, Args a, ReplyBuffer out) {
        Db.Entry ea = lookup(db, a, 1);
        Db.Entry eb = lookup(db, a, 2);
        if ((ea != null && ea.value == null) || (eb != null && eb.value == null)) {
            out.appendError("ERR The specified keys must contain string values");
            return;
        }
        boolean getIdx = false;
        boolean getLen = false;
        boolean withMatchLen = false;
        long minMatchLen = 0;
        for (int j = 3; j < a.count; j++) {
            boolean more = j + 1 < a.count;
            if (a.is(j, IDX)) {
                getIdx = true;
            } else if (a.is(j, LEN)) {
                getLen = true;
            } else if (a.is(j, WITHMATCHLEN)) {
                withMatchLen = true;
            } else if (a.is(j, MINMATCHLEN) && more) {
                if (!a.parseLong(j + 1)) {
                    out.appendRaw(Replies.ERR_NOT_INTEGER);
                    return;
                }
                minMatchLen = Math.max(0, a.number);
                j++;
            } else {
                out.appendRaw(Replies.ERR_SYNTAX);
                return;
            }
        }
        if (getIdx && getLen) {
            out.appendError("ERR If you want both the length and indexes, please just use IDX.");
            return;
        }
        byte[] sa = ea == null ? new byte[0] : Arrays.copyOf(ea.value, ea.length);
        byte[] sb = eb == null ? new byte[0] : Arrays.copyOf(eb.value, eb.length);
        int alen = sa.length;
        int blen = sb.length;
        if ((long) (alen + 1) * (blen + 1) > MAX_LCS_CELLS) {
            out.appendError("ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len");
            return;
        }
        int w = blen + 1;
        int[] t = new int[(alen + 1) * w];
        for (int i = 1; i <= alen; i++) {
            for (int j = 1; j <= blen; j++) {
                t[i * w + j] = sa[i - 1] == sb[j - 1]
                        ? t[(i - 1) * w + j - 1] + 1
                        : Math.max(t[(i - 1) * w + j], t[i * w + j - 1]);
            }
        }
        int idx = t[alen * w + blen];
        byte[] result = new byte[idx];
        ReplyBuffer ranges = new ReplyBuffer();
        int rangeCount = 0;
        int aStart = alen;
        int aEnd = 0;
        int bStart = 0;
        int bEnd = 0;
        int i = alen;
        int j = blen;
        boolean compute = getIdx || !getLen;
        while (compute && i > 0 && j > 0) {
            boolean emit = false;
            if (sa[i - 1] == sb[j - 1]) {
                result[idx - 1] = sa[i - 1];
                if (aStart == alen) {
                    aStart = i - 1;
                    aEnd = i - 1;
                    bStart = j - 1;
                    bEnd = j - 1;
                } else if (aStart == i && bStart == j) {
                    aStart--;
                    bStart--;
                } else {
                    emit = true;
                }
                if (aStart == 0 || bStart == 0) {
                    emit = true;
                }
                idx--;
                i--;
                j--;
            } else {
                if (t[(i - 1) * w + j] > t[i * w + j - 1]) {
                    i--;
                } else {
                    j--;
                }
                if (aStart != alen) {
                    emit = true;
                }
            }
            int matchLen = aEnd - aStart + 1;
            if (emit) {
                if ((minMatchLen == 0 || matchLen >= minMatchLen) && getIdx) {
                    ranges.appendArrayHeader(withMatchLen ? 3 : 2);
                    ranges.appendArrayHeader(2);
                    ranges.appendInteger(aStart);
                    ranges.appendInteger(aEnd);
                    ranges.appendArrayHeader(2);
                    ranges.appendInteger(bStart);
                    ranges.appendInteger(bEnd);
                    if (withMatchLen) {
                        ranges.appendInteger(matchLen);
                    }
                    rangeCount++;
                }
                aStart = alen;
            }
        }
        if (getIdx) {
            out.appendArrayHeader(4);
            out.appendBulk("matches");
            out.appendArrayHeader(rangeCount);
            out.appendRaw(ranges.toByteArray());
            out.appendBulk("len");
            out.appendInteger(t[alen * w + blen]);
        } else if (getLen) {
            out.appendInteger(t[alen * w + blen]);
        } else {
            out.appendBulk(result);
        }
    }
}
