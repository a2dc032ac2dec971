package dev.ioloop.sample.resp;

/**
 * RESP2 request parser, after Redis's {@code processMultibulkBuffer} and {@code processInlineBuffer}:
 * the same framing, the same limits, the same error texts.
 *
 * <p>A request starting with {@code *} is multibulk; anything else is an inline line split like
 * {@code sdssplitargs}. Parsing works on a byte range and records its progress in a
 * {@link ParseState}, so it can stop when the range ends mid-request and resume when more bytes are
 * appended. Every announced size is checked against {@link RespLimits} before anything is allocated;
 * argument offsets grow only as arguments actually arrive.
 *
 * <p>As in Redis, the two bytes after a bulk's payload and after a header's {@code \r} are skipped
 * without being checked.
 *
 * <p>Threading: one parser per engine, used on the loop thread only.
 */
final class RespParser {

    /** The range ends before the request does. */
    static final int NEED_MORE = -1;
    /** The request is malformed; {@link ParseState#error} says how. */
    static final int ERROR = -2;

    private final RespLimits limits;
    /** Unescaped inline arguments; reused, as only one request is executed at a time. */
    private byte[] arena = new byte[256];

    RespParser(RespLimits limits) {
        this.limits = limits;
    }

    /**
     * Parses one request starting at {@code start} (or resumes the one {@code st} holds) within
     * {@code b[.., end)}, {@code start < end}. Returns the offset just past the request, with its
     * arguments in {@code st.args} (none for an empty request, which is to be skipped), or
     * {@link #NEED_MORE} or {@link #ERROR}.
     */
    int parse(byte[] b, int start, int end, ParseState st) {
        if (st.type == ParseState.FRESH) {
            st.type = b[start] == '*' ? ParseState.MULTIBULK : ParseState.INLINE;
            st.pos = start;
            st.scan = start;
            st.remaining = -1;
            st.bulkLength = -1;
            st.args.count = 0;
        }
        st.need = 0;
        return st.type == ParseState.MULTIBULK ? multibulk(b, end, st) : inline(b, end, st);
    }

    private int multibulk(byte[] b, int end, ParseState st) {
        Args args = st.args;
        // The stash may have been reallocated since the last call; offsets stay valid, the array not.
        args.buf = b;
        if (st.remaining < 0) {
            int cr = indexOf(b, Math.max(st.scan, st.pos + 1), end, (byte) '\r');
            if (cr < 0) {
                if (end - st.pos > limits.maxInlineLength()) {
                    return fail(st, "too big mbulk count string");
                }
                return needLine(st, end);
            }
            if (cr + 1 >= end) {
                return needLine(st, cr);
            }
            long n = Numbers.parse(b, st.pos + 1, cr - st.pos - 1);
            if (!Numbers.valid(n, b, st.pos + 1, cr - st.pos - 1) || n > limits.maxMultibulkLength()) {
                return fail(st, "invalid multibulk length");
            }
            st.pos = cr + 2;
            st.scan = st.pos;
            if (n <= 0) {
                return st.pos;
            }
            st.remaining = (int) n;
        }
        while (st.remaining > 0) {
            if (st.bulkLength < 0) {
                int cr = indexOf(b, Math.max(st.scan, st.pos), end, (byte) '\r');
                if (cr < 0) {
                    if (end - st.pos > limits.maxInlineLength()) {
                        return fail(st, "too big bulk count string");
                    }
                    return needLine(st, end);
                }
                if (cr + 1 >= end) {
                    return needLine(st, cr);
                }
                if (b[st.pos] != '$') {
                    return fail(st, "expected '$', got '" + (char) (b[st.pos] & 0xFF) + "'");
                }
                long n = Numbers.parse(b, st.pos + 1, cr - st.pos - 1);
                if (n < 0 || n > limits.maxBulkLength()) {
                    // INVALID is negative, so malformed digits land here too.
                    return fail(st, "invalid bulk length");
                }
                st.pos = cr + 2;
                st.bulkLength = n;
            }
            long available = end - st.pos;
            if (available < st.bulkLength + 2) {
                st.need = st.bulkLength + 2 - available;
                st.scan = st.pos;
                return NEED_MORE;
            }
            args.add(st.pos, (int) st.bulkLength);
            st.pos += (int) st.bulkLength + 2;
            st.scan = st.pos;
            st.bulkLength = -1;
            st.remaining--;
        }
        return st.pos;
    }

    private int inline(byte[] b, int end, ParseState st) {
        int nl = indexOf(b, Math.max(st.scan, st.pos), end, (byte) '\n');
        if (nl < 0) {
            if (end - st.pos > limits.maxInlineLength()) {
                return fail(st, "too big inline request");
            }
            return needLine(st, end);
        }
        int lineEnd = nl > st.pos && b[nl - 1] == '\r' ? nl - 1 : nl;
        if (!split(b, st.pos, lineEnd, st.args)) {
            return fail(st, "unbalanced quotes in request");
        }
        return nl + 1;
    }

    /**
     * {@code sdssplitargs}: blanks separate arguments; "..." understands \n \r \t \b \a \xHH and
     * \&lt;any&gt;; '...' understands \'; a closing quote must be followed by a blank or the end.
     * A NUL byte ends the line, as it ends the C string. Returns false on unbalanced quotes.
     */
    private boolean split(byte[] b, int p, int end, Args args) {
        for (int i = p; i < end; i++) {
            if (b[i] == 0) {
                end = i;
                break;
            }
        }
        if (arena.length < end - p) {
            arena = new byte[Math.max(end - p, arena.length * 2)];
        }
        byte[] out = arena;
        int w = 0;
        args.buf = out;
        args.count = 0;
        while (true) {
            while (p < end && isSpace(b[p])) {
                p++;
            }
            if (p >= end) {
                return true;
            }
            boolean inDouble = false;
            boolean inSingle = false;
            boolean done = false;
            int tokenStart = w;
            while (!done) {
                int c = at(b, p, end);
                if (inDouble) {
                    if (c == '\\' && at(b, p + 1, end) == 'x' && isHex(at(b, p + 2, end)) && isHex(at(b, p + 3, end))) {
                        out[w++] = (byte) (hex(at(b, p + 2, end)) * 16 + hex(at(b, p + 3, end)));
                        p += 3;
                    } else if (c == '\\' && at(b, p + 1, end) != 0) {
                        p++;
                        out[w++] = unescape(b[p]);
                    } else if (c == '"') {
                        int next = at(b, p + 1, end);
                        if (next != 0 && !isSpace(next)) {
                            return false;
                        }
                        done = true;
                    } else if (c == 0) {
                        return false;
                    } else {
                        out[w++] = (byte) c;
                    }
                } else if (inSingle) {
                    if (c == '\\' && at(b, p + 1, end) == '\'') {
                        p++;
                        out[w++] = '\'';
                    } else if (c == '\'') {
                        int next = at(b, p + 1, end);
                        if (next != 0 && !isSpace(next)) {
                            return false;
                        }
                        done = true;
                    } else if (c == 0) {
                        return false;
                    } else {
                        out[w++] = (byte) c;
                    }
                } else {
                    switch (c) {
                        case ' ', '\n', '\r', '\t', 0 -> done = true;
                        case '"' -> inDouble = true;
                        case '\'' -> inSingle = true;
                        default -> out[w++] = (byte) c;
                    }
                }
                if (at(b, p, end) != 0) {
                    p++;
                }
            }
            args.add(tokenStart, w - tokenStart);
        }
    }

    /** The byte at {@code i}, or 0 past the end: the C terminator the algorithm was written for. */
    private static int at(byte[] b, int i, int end) {
        return i < end ? b[i] : 0;
    }

    private static byte unescape(byte c) {
        return switch (c) {
            case 'n' -> '\n';
            case 'r' -> '\r';
            case 't' -> '\t';
            case 'b' -> '\b';
            case 'a' -> 7;
            default -> c;
        };
    }

    private static boolean isSpace(int c) {
        return c == ' ' || (c >= '\t' && c <= '\r');
    }

    private static boolean isHex(int c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    }

    private static int hex(int c) {
        return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
    }

    private static int needLine(ParseState st, int searchedUpTo) {
        st.scan = searchedUpTo;
        st.need = 1;
        return NEED_MORE;
    }

    private static int fail(ParseState st, String error) {
        st.error = error;
        return ERROR;
    }

    private static int indexOf(byte[] b, int from, int end, byte target) {
        for (int i = from; i < end; i++) {
            if (b[i] == target) {
                return i;
            }
        }
        return -1;
    }
}
