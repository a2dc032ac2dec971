package dev.ioloop.sample.resp;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Protocol state of one client connection: its id and name, its selected database and transaction, whether it must
 * be closed once its replies are written, and the bytes of a request that arrived only in part.
 *
 * <p>The read buffer the engine parses from is shared by every connection, so the incomplete tail of a
 * read is copied into this session's <em>stash</em>. The stash is sized to what it holds (growing as
 * more of the request arrives) and released once the request is complete, so an idle connection holds
 * no buffer at all beyond a small one.
 *
 * <p>Threading: confined to the event-loop thread.
 */
public final class RespSession {

    /** Stash storage up to this size is kept for the next split request; larger storage is released. */
    static final int RETAINED_STASH = 1024;
    /** Mirrors Redis's client-query-buffer-limit: one request may not make the stash larger than this. */
    static final int MAX_STASH = 1024 * 1024 * 1024;

    private static final byte[] EMPTY = new byte[0];

    private final long clientId;
    private byte[] name;
    private boolean closeRequested;
    private boolean protocolError;
    private boolean outputLimitReached;
    /** The selected database (SELECT). */
    int db;
    /** MULTI/EXEC and WATCH state, created by the first MULTI or WATCH. */
    private Transaction tx;

    private byte[] stash = EMPTY;
    private int stashLength;
    private ParseState resume;

    public RespSession(long clientId) {
        this.clientId = clientId;
    }

    /** The id CLIENT ID and HELLO report. */
    public long clientId() {
        return clientId;
    }

    /** The name set by CLIENT SETNAME or HELLO SETNAME, or null. */
    public String name() {
        return name == null ? null : new String(name, StandardCharsets.UTF_8);
    }

    /**
     * Whether the connection must be closed once its pending replies are written: after QUIT or a
     * protocol error. The engine ignores further input of such a session.
     */
    public boolean closeRequested() {
        return closeRequested;
    }

    /** Whether the close was requested because the client broke the protocol. */
    public boolean protocolError() {
        return protocolError;
    }

    /**
     * Whether the engine stopped executing this client's requests because its pending replies passed the
     * output limit: the connection must be closed without writing them (Redis's client-output-buffer-limit).
     */
    public boolean outputLimitReached() {
        return outputLimitReached;
    }

    /** Asks for the connection to be closed after its pending replies; further input is ignored. */
    public void requestClose() {
        closeRequested = true;
    }

    /** Bytes of an incomplete request held until the rest arrives. */
    public int stashedBytes() {
        return stashLength;
    }

    /** Size of the storage held for the stash, for monitoring and tests. */
    public int stashCapacity() {
        return stash.length;
    }

    /** The transaction state, or null if this client never used MULTI or WATCH. */
    Transaction transaction() {
        return tx;
    }

    Transaction transactionCreated(Keyspace keyspace) {
        if (tx == null) {
            tx = keyspace.newTransaction();
        }
        return tx;
    }

    /** Drops the transaction state once it holds nothing (after EXEC, DISCARD or UNWATCH), so an idle client pays none. */
    void releaseTransactionIfIdle() {
        if (tx != null && !tx.multi && tx.watches().isEmpty()) {
            tx = null;
        }
    }

    /** Whether the client is between MULTI and EXEC or DISCARD. */
    boolean inMulti() {
        return tx != null && tx.multi;
    }

    byte[] nameBytes() {
        return name;
    }

    void name(byte[] newName) {
        name = newName;
    }

    void markProtocolError() {
        protocolError = true;
        closeRequested = true;
        clearStash();
    }

    void markOutputLimitReached() {
        outputLimitReached = true;
        closeRequested = true;
        clearStash();
    }

    byte[] stash() {
        return stash;
    }

    /** Parse progress within the stash, kept across reads so a long request is not rescanned. */
    ParseState resumeState() {
        if (resume == null) {
            resume = new ParseState();
        }
        return resume;
    }

    /** Replaces the stash with a copy of {@code b[off, off+len)}, the start of a request; parsing restarts. */
    void stash(byte[] b, int off, int len) {
        if (stash.length < len) {
            stash = new byte[Math.max(len, 64)];
        }
        System.arraycopy(b, off, stash, 0, len);
        stashLength = len;
        if (resume != null) {
            resume.reset();
        }
    }

    /**
     * Appends {@code in[index, index+len)} (absolute, position untouched). {@code hint} is how many more
     * bytes the request is known to need; a large one sizes the stash exactly instead of doubling.
     * Returns false, appending nothing, if the request would outgrow {@link #MAX_STASH}.
     */
    boolean appendToStash(ByteBuffer in, int index, int len, long hint) {
        long required = (long) stashLength + len;
        if (required > MAX_STASH) {
            return false;
        }
        if (required > stash.length) {
            long grown = hint > stash.length ? stashLength + hint : 2L * stash.length;
            byte[] bigger = new byte[(int) Math.min(MAX_STASH, Math.max(required, grown))];
            System.arraycopy(stash, 0, bigger, 0, stashLength);
            stash = bigger;
        }
        in.get(index, stash, stashLength, len);
        stashLength += len;
        return true;
    }

    /** Forgets the stashed request; large storage is released. */
    void clearStash() {
        stashLength = 0;
        if (stash.length > RETAINED_STASH) {
            stash = EMPTY;
        }
        if (resume != null) {
            resume.reset();
            resume.trim();
        }
    }
}
