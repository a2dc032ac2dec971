package dev.ioloop.sample.resp;

/**
 * Progress of {@link RespParser} through one request, so that parsing can stop where the bytes run
 * out and resume there when more arrive, instead of rescanning the request from its start.
 */
final class ParseState {

    static final int FRESH = 0;
    static final int MULTIBULK = 1;
    static final int INLINE = 2;

    final Args args = new Args();
    int type = FRESH;
    /** Next unparsed byte. */
    int pos;
    /** Where the search for a line end resumes; bytes before it were searched already. */
    int scan;
    /** Multibulk elements still to read; -1 until the count line is parsed. */
    int remaining = -1;
    /** Length of the bulk being read; -1 while its {@code $} line is awaited. */
    long bulkLength = -1;
    /** After {@link RespParser#NEED_MORE}: bytes known to be missing, at least 1. */
    long need;
    /** After {@link RespParser#ERROR}: Redis's text, without the "Protocol error: " prefix. */
    String error;

    void reset() {
        type = FRESH;
        args.buf = null;
        args.count = 0;
        remaining = -1;
        bulkLength = -1;
        need = 0;
        error = null;
    }

    void trim() {
        args.trim();
    }
}
