package dev.ioloop.sample.resp;

import java.nio.charset.StandardCharsets;

/** Pre-encoded replies the hot path copies as they are, and Redis's shared error texts. */
final class Replies {

    static final byte[] OK = encoded("+OK\r\n");
    static final byte[] PONG = encoded("+PONG\r\n");
    static final byte[] NULL_BULK = encoded("$-1\r\n");
    static final byte[] ZERO = encoded(":0\r\n");
    static final byte[] ONE = encoded(":1\r\n");
    static final byte[] MINUS_ONE = encoded(":-1\r\n");
    static final byte[] MINUS_TWO = encoded(":-2\r\n");
    static final byte[] EMPTY_ARRAY = encoded("*0\r\n");

    static final byte[] ERR_SYNTAX = encoded("-ERR syntax error\r\n");
    static final byte[] ERR_NOT_INTEGER = encoded("-ERR value is not an integer or out of range\r\n");
    static final byte[] ERR_OVERFLOW = encoded("-ERR increment or decrement would overflow\r\n");
    static final byte[] ERR_DECREMENT_OVERFLOW = encoded("-ERR decrement would overflow\r\n");
    static final byte[] WRONGTYPE = encoded("-WRONGTYPE Operation against a key holding the wrong kind of value\r\n");
    static final byte[] ERR_OUT_OF_RANGE_DB = encoded("-ERR DB index is out of range\r\n");
    static final byte[] ERR_NO_SUCH_KEY = encoded("-ERR no such key\r\n");
    static final byte[] QUEUED = encoded("+QUEUED\r\n");
    static final byte[] NULL_ARRAY = encoded("*-1\r\n");
    static final byte[] EXECABORT = encoded("-EXECABORT Transaction discarded because of previous errors.\r\n");
    static final byte[] ERR_STRING_TOO_LONG =
            encoded("-ERR string exceeds maximum allowed size (proto-max-bulk-len)\r\n");

    private Replies() {}

    static byte[] encoded(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
