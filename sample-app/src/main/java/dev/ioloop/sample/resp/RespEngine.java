package dev.ioloop.sample.resp;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.Locale;

/**
 * The protocol engine: turns the bytes a client sent into commands, runs them against the
 * {@link Keyspace} and appends the replies to the client's {@link ReplyBuffer}. It knows nothing of
 * sockets or event loops, so it is driven and tested with plain byte buffers.
 *
 * <p>The caller reads from a socket into a buffer shared by all connections and calls
 * {@link #process} with it; the engine keeps whatever it needs of an incomplete request in the
 * {@link RespSession}, so the caller never stashes anything itself. Requests are parsed in place
 * (from the buffer's array, or from one engine-wide copy for a direct buffer), command names are
 * matched without building Strings, and the common replies are copied from pre-encoded bytes, so
 * pipelined PING/SET/GET/INCR allocate nothing beyond the stored data itself.
 *
 * <p>Threading: one engine per server, used from the event-loop thread only, like the keyspace and
 * every session and reply buffer it is given.
 */
public final class RespEngine {

    /** Bytes of a new read appended at least to a stashed request, so a split header completes at once. */
    private static final int MIN_STASH_APPEND = 256;

    private final RespParser parser;
    private final ParseState state = new ParseState();
    private final Keyspace keyspace;
    private final DataCommands data;
    private final KeyCommands keys;
    private final StringRangeCommands ranges;
    private final ListCommands lists = new ListCommands();
    private final SetCommands sets = new SetCommands();
    private final HashCommands hashes = new HashCommands();
    private final ServerCommands server;
    /** Copy of a direct read buffer, which has no array to parse in place; reused for every read. */
    private byte[] scratch = new byte[0];

    public RespEngine(Keyspace keyspace, RespLimits limits, InfoSource info) {
        if (keyspace == null || limits == null || info == null) {
            throw new NullPointerException("keyspace, limits and info are required");
        }
        this.parser = new RespParser(limits);
        this.keyspace = keyspace;
        this.data = new DataCommands(limits);
        this.keys = new KeyCommands(keyspace, limits);
        this.ranges = new StringRangeCommands(limits);
        this.server = new ServerCommands(keyspace, limits, info);
    }

    /** Commands executed so far (INFO's total_commands_processed). */
    public long commandsProcessed() {
        return server.commandsProcessed;
    }

    /**
     * Executes every complete request in {@code in} (position to limit), appending the replies to
     * {@code out}, and returns with {@code in} fully consumed.
     *
     * <p>A request cut off by the end of {@code in} is copied into the session's stash and completed
     * by the bytes of later calls; {@code in} may be overwritten as soon as this returns. On malformed
     * input the engine appends {@code -ERR Protocol error: <what>}, marks the session
     * {@linkplain RespSession#closeRequested() to be closed} and drops the rest of the input, as Redis
     * does; after QUIT the rest of the input is dropped too. A session already marked to close
     * ignores its input.
     */
    public void process(RespSession session, ByteBuffer in, ReplyBuffer out) {
        process(session, in, out, Long.MAX_VALUE);
    }

    /**
     * As {@link #process(RespSession, ByteBuffer, ReplyBuffer)}, but stops executing once {@code out} holds
     * more than {@code outputLimit} bytes while requests remain: the session is then marked
     * {@linkplain RespSession#outputLimitReached() over the output limit} (and to be closed) and the rest of the
     * input is dropped. Without this, one read of pipelined requests from a client that never reads could make
     * the server build gigabytes of replies in one go (64 KB of {@code GET big} is about 2,800 replies), holding
     * the loop and its memory, before the limit is ever checked. The request whose reply crosses the limit is
     * still executed, so a single large reply is judged by the caller after writing, as before.
     */
    public void process(RespSession session, ByteBuffer in, ReplyBuffer out, long outputLimit) {
        if (session.closeRequested()) {
            in.position(in.limit());
            session.clearStash();
            return;
        }
        if (session.stashedBytes() > 0 && !completeStashedRequest(session, in, out)) {
            return;
        }
        if (!in.hasRemaining()) {
            return;
        }
        if (out.pending() > outputLimit) {
            session.markOutputLimitReached();
            in.position(in.limit());
            return;
        }
        byte[] b;
        int pos;
        int end;
        if (in.hasArray()) {
            b = in.array();
            pos = in.arrayOffset() + in.position();
            end = in.arrayOffset() + in.limit();
        } else {
            int n = in.remaining();
            if (scratch.length < n) {
                scratch = new byte[n];
            }
            in.get(in.position(), scratch, 0, n);
            b = scratch;
            pos = 0;
            end = n;
        }
        in.position(in.limit());
        ParseState st = state;
        while (pos < end) {
            st.reset();
            int next = parser.parse(b, pos, end, st);
            if (next == RespParser.NEED_MORE) {
                session.stash(b, pos, end - pos);
                break;
            }
            if (next == RespParser.ERROR) {
                protocolError(session, st, out);
                break;
            }
            pos = next;
            if (st.args.count > 0) {
                execute(session, st.args, out);
                if (session.closeRequested()) {
                    break;
                }
                if (pos < end && out.pending() > outputLimit) {
                    session.markOutputLimitReached();
                    break;
                }
            }
        }
        st.args.buf = null;
        st.trim();
    }

    /**
     * Feeds the start of {@code in} to the stashed request until it is complete. Takes from {@code in}
     * only as much as needed to find out, and gives back any bytes past the request's end, so the
     * requests after it are parsed straight from {@code in}. Returns false if {@code in} ran out first
     * or the session must close.
     */
    private boolean completeStashedRequest(RespSession session, ByteBuffer in, ReplyBuffer out) {
        ParseState st = session.resumeState();
        while (in.hasRemaining()) {
            int before = session.stashedBytes();
            long want = Math.max(MIN_STASH_APPEND, Math.max(before, st.need));
            int take = (int) Math.min(in.remaining(), want);
            // A big 'need' is the rest of a bulk payload: size the stash for it exactly.
            long hint = st.bulkLength >= 0 ? st.need : 0;
            if (!session.appendToStash(in, in.position(), take, hint)) {
                // Over the query buffer limit: Redis closes such a client without a reply.
                session.requestClose();
                session.clearStash();
                in.position(in.limit());
                return false;
            }
            int next = parser.parse(session.stash(), 0, session.stashedBytes(), st);
            if (next == RespParser.NEED_MORE) {
                in.position(in.position() + take);
                continue;
            }
            if (next == RespParser.ERROR) {
                in.position(in.limit());
                protocolError(session, st, out);
                return false;
            }
            in.position(in.position() + (next - before));
            if (st.args.count > 0) {
                execute(session, st.args, out);
            }
            session.clearStash();
            if (session.closeRequested()) {
                in.position(in.limit());
                return false;
            }
            return true;
        }
        return false;
    }

    private void protocolError(RespSession session, ParseState st, ReplyBuffer out) {
        out.appendError("ERR Protocol error: " + st.error);
        session.markProtocolError();
    }

    private void execute(RespSession session, Args a, ReplyBuffer out) {
        CommandSpec cmd = CommandTable.lookup(a.buf, a.off[0], a.len[0]);
        if (cmd == null) {
            unknownCommand(a, out);
            refusedWhileQueuing(session);
            return;
        }
        if (!cmd.arityAccepts(a.count)) {
            if (cmd.id == CommandTable.EXEC) {
                // Redis answers a refused EXEC with EXECABORT, and ends the transaction if there is one.
                out.appendError("EXECABORT Transaction discarded because of: " + cmd.arityError.substring(4));
                if (session.inMulti()) {
                    session.transaction().discard(keyspace);
                    session.releaseTransactionIfIdle();
                }
                return;
            }
            out.appendError(cmd.arityError);
            refusedWhileQueuing(session);
            return;
        }
        if (session.inMulti() && !cmd.runsInMulti) {
            queue(session, cmd, a, out);
            return;
        }
        run(session, cmd, a, out);
        // Counted after the command, so INFO does not count itself, as in Redis.
        server.commandsProcessed++;
    }

    /** A command refused before it ran (unknown, wrong arity): inside MULTI, EXEC will answer EXECABORT. */
    private static void refusedWhileQueuing(RespSession session) {
        if (session.inMulti()) {
            session.transaction().dirtyExec = true;
        }
    }

    /**
     * Queues a command between MULTI and EXEC, after the checks Redis makes before queuing: a container command's
     * subcommand must exist and accept its arity. Everything else is found out when EXEC runs it.
     */
    private void queue(RespSession session, CommandSpec cmd, Args a, ReplyBuffer out) {
        if (!cmd.subcommands.isEmpty() && a.count >= 2) {
            CommandSpec sub = cmd.subcommand(a.buf, a.off[1], a.len[1]);
            if (sub == null) {
                out.appendError("ERR unknown subcommand '" + a.latin1(1, 128) + "'. Try "
                        + a.latin1(0).toUpperCase(Locale.ROOT) + " HELP.");
                refusedWhileQueuing(session);
                return;
            }
            if (!sub.arityAccepts(a.count)) {
                out.appendError(sub.arityError);
                refusedWhileQueuing(session);
                return;
            }
        }
        session.transaction().queue(a);
        out.appendRaw(Replies.QUEUED);
    }

    /**
     * EXEC: fails with EXECABORT if a command was refused while queuing, with a null array if a watched key was
     * modified (or expired) since WATCH, and otherwise runs the queued commands one after the other and answers an
     * array of their replies. Nothing else runs in between, since nothing else runs on this thread: the transaction
     * is atomic by construction.
     */
    private void exec(RespSession session, ReplyBuffer out) {
        Transaction tx = session.transaction();
        if (tx == null || !tx.multi) {
            out.appendError("ERR EXEC without MULTI");
            return;
        }
        for (Transaction.Watch w : tx.watches()) {
            if (keyspace.watchedKeyExpired(w)) {
                tx.dirtyCas = true;
                break;
            }
        }
        if (tx.dirtyExec || tx.dirtyCas) {
            out.appendRaw(tx.dirtyExec ? Replies.EXECABORT : Replies.NULL_ARRAY);
            tx.discard(keyspace);
            session.releaseTransactionIfIdle();
            return;
        }
        tx.unwatchAll(keyspace);
        List<Args> commands = List.copyOf(tx.queued());
        tx.discard(keyspace);
        session.releaseTransactionIfIdle();
        out.appendArrayHeader(commands.size());
        for (Args q : commands) {
            run(session, CommandTable.lookup(q.buf, q.off[0], q.len[0]), q, out);
            server.commandsProcessed++;
        }
    }

    private void multi(RespSession session, ReplyBuffer out) {
        if (session.inMulti()) {
            out.appendError("ERR MULTI calls can not be nested");
            return;
        }
        session.transactionCreated(keyspace).multi = true;
        out.appendRaw(Replies.OK);
    }

    private void discard(RespSession session, ReplyBuffer out) {
        if (!session.inMulti()) {
            out.appendError("ERR DISCARD without MULTI");
            return;
        }
        session.transaction().discard(keyspace);
        session.releaseTransactionIfIdle();
        out.appendRaw(Replies.OK);
    }

    /** WATCH key [key ...] in the selected database; a no-op once a watched key changed, as in Redis. */
    private void watch(RespSession session, Args a, ReplyBuffer out) {
        if (session.inMulti()) {
            out.appendError("ERR WATCH inside MULTI is not allowed");
            return;
        }
        Transaction tx = session.transactionCreated(keyspace);
        if (!tx.dirtyCas) {
            for (int i = 1; i < a.count; i++) {
                keyspace.watch(tx, session.db, a.buf, a.off[i], a.len[i]);
            }
        }
        out.appendRaw(Replies.OK);
    }

    private void unwatch(RespSession session, ReplyBuffer out) {
        Transaction tx = session.transaction();
        if (tx != null) {
            tx.unwatchAll(keyspace);
            tx.dirtyCas = false;
            session.releaseTransactionIfIdle();
        }
        out.appendRaw(Replies.OK);
    }

    /** Runs a command whose name and arity were checked. */
    private void run(RespSession session, CommandSpec cmd, Args a, ReplyBuffer out) {
        Db db = keyspace.db(session.db);
        switch (cmd.id) {
            case CommandTable.GET -> data.get(db, a, out);
            case CommandTable.SET -> data.set(db, a, out);
            case CommandTable.PING -> server.ping(a, out, cmd);
            case CommandTable.INCR -> data.incrBy(db, a, out, 1);
            case CommandTable.DECR -> data.incrBy(db, a, out, -1);
            case CommandTable.INCRBY -> data.incrByArg(db, a, out, false);
            case CommandTable.DECRBY -> data.incrByArg(db, a, out, true);
            case CommandTable.MGET -> data.mget(db, a, out);
            case CommandTable.MSET -> data.mset(db, a, out, cmd);
            case CommandTable.GETDEL -> data.getdel(db, a, out);
            case CommandTable.APPEND -> data.append(db, a, out);
            case CommandTable.STRLEN -> data.strlen(db, a, out);
            case CommandTable.SETNX -> data.setnx(db, a, out);
            case CommandTable.SETEX -> data.setex(db, a, out, true);
            case CommandTable.PSETEX -> data.setex(db, a, out, false);
            case CommandTable.GETSET -> data.getset(db, a, out);
            case CommandTable.GETEX -> data.getex(db, a, out);
            case CommandTable.MSETNX -> data.msetnx(db, a, out, cmd);
            case CommandTable.INCRBYFLOAT -> data.incrByFloat(db, a, out);
            case CommandTable.GETRANGE -> ranges.getrange(db, a, out);
            case CommandTable.SETRANGE -> ranges.setrange(db, a, out);
            case CommandTable.GETBIT -> ranges.getbit(db, a, out);
            case CommandTable.SETBIT -> ranges.setbit(db, a, out);
            case CommandTable.BITCOUNT -> ranges.bitcount(db, a, out);
            case CommandTable.LCS -> ranges.lcs(db, a, out);
            case CommandTable.DEL -> keys.del(db, a, out);
            case CommandTable.EXISTS -> keys.exists(db, a, out);
            case CommandTable.UNLINK -> keys.del(db, a, out);
            case CommandTable.TOUCH -> keys.touchKeys(db, a, out);
            case CommandTable.TYPE -> keys.type(db, a, out);
            case CommandTable.RENAME -> keys.rename(db, a, out, false);
            case CommandTable.RENAMENX -> keys.rename(db, a, out, true);
            case CommandTable.COPY -> keys.copy(session, db, a, out);
            case CommandTable.RANDOMKEY -> keys.randomkey(db, out);
            case CommandTable.SCAN -> keys.scan(db, a, out);
            case CommandTable.OBJECT -> keys.object(db, a, out, cmd);
            case CommandTable.EXPIRE -> keys.expire(db, a, out, true, false, "expire");
            case CommandTable.PEXPIRE -> keys.expire(db, a, out, false, false, "pexpire");
            case CommandTable.EXPIREAT -> keys.expire(db, a, out, true, true, "expireat");
            case CommandTable.PEXPIREAT -> keys.expire(db, a, out, false, true, "pexpireat");
            case CommandTable.TTL -> keys.ttl(db, a, out, false, false);
            case CommandTable.PTTL -> keys.ttl(db, a, out, true, false);
            case CommandTable.EXPIRETIME -> keys.ttl(db, a, out, false, true);
            case CommandTable.PEXPIRETIME -> keys.ttl(db, a, out, true, true);
            case CommandTable.TIME -> server.time(out);
            case CommandTable.LPUSH -> lists.push(db, a, out, true);
            case CommandTable.RPUSH -> lists.push(db, a, out, false);
            case CommandTable.LPOP -> lists.pop(db, a, out, true, cmd);
            case CommandTable.RPOP -> lists.pop(db, a, out, false, cmd);
            case CommandTable.LLEN -> lists.llen(db, a, out);
            case CommandTable.LRANGE -> lists.lrange(db, a, out);
            case CommandTable.LINDEX -> lists.lindex(db, a, out);
            case CommandTable.SADD -> sets.sadd(db, a, out);
            case CommandTable.SREM -> sets.srem(db, a, out);
            case CommandTable.SMEMBERS -> sets.smembers(db, a, out);
            case CommandTable.SISMEMBER -> sets.sismember(db, a, out);
            case CommandTable.SCARD -> sets.scard(db, a, out);
            case CommandTable.SRANDMEMBER -> sets.srandmember(db, a, out, cmd);
            case CommandTable.SPOP -> sets.spop(db, a, out);
            case CommandTable.HSET -> hashes.hset(db, a, out, cmd);
            case CommandTable.HGET -> hashes.hget(db, a, out);
            case CommandTable.HDEL -> hashes.hdel(db, a, out);
            case CommandTable.HGETALL -> hashes.hgetall(db, a, out);
            case CommandTable.HLEN -> hashes.hlen(db, a, out);
            case CommandTable.HEXISTS -> hashes.hexists(db, a, out);
            case CommandTable.HINCRBY -> hashes.hincrby(db, a, out);
            case CommandTable.MULTI -> multi(session, out);
            case CommandTable.EXEC -> exec(session, out);
            case CommandTable.DISCARD -> discard(session, out);
            case CommandTable.WATCH -> watch(session, a, out);
            case CommandTable.UNWATCH -> unwatch(session, out);
            case CommandTable.PERSIST -> keys.persist(db, a, out);
            case CommandTable.KEYS -> keys.keys(db, a, out);
            case CommandTable.DBSIZE -> keys.dbsize(db, out);
            case CommandTable.FLUSHALL -> keys.flush(session, a, out, true);
            case CommandTable.FLUSHDB -> keys.flush(session, a, out, false);
            case CommandTable.SELECT -> keys.select(session, a, out);
            case CommandTable.MOVE -> keys.move(session, db, a, out);
            case CommandTable.SWAPDB -> keys.swapdb(a, out);
            case CommandTable.ECHO -> server.echo(a, out);
            case CommandTable.INFO -> server.info(a, out);
            case CommandTable.CONFIG -> server.config(a, out, cmd);
            case CommandTable.COMMAND -> server.command(a, out, cmd);
            case CommandTable.CLIENT -> server.client(session, a, out, cmd);
            case CommandTable.HELLO -> server.hello(session, a, out);
            case CommandTable.QUIT -> server.quit(session, out);
            default -> throw new IllegalStateException("no handler for " + cmd.fullName);
        }
    }

    /** Redis 7's text: the name and the first arguments, each quoted, cut to about 128 bytes. */
    private static void unknownCommand(Args a, ReplyBuffer out) {
        StringBuilder sb = new StringBuilder(64);
        sb.append("ERR unknown command '").append(a.latin1(0, 128)).append("', with args beginning with: ");
        int written = 0;
        for (int i = 1; i < a.count && written < 128; i++) {
            String arg = a.latin1(i, 128 - written);
            sb.append('\'').append(arg).append("' ");
            written += arg.length() + 3;
        }
        out.appendError(sb.toString());
    }
}
