package dev.ioloop.bench;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * One connection of the {@link NettyRespServer}: a hand-written RESP2 decoder working on the raw {@link ByteBuf}s
 * the transport reads, and the commands {@code PING}, {@code SET}, {@code GET}, {@code INCR}, plus what
 * {@code redis-benchmark} and {@code redis-cli} send on connect ({@code CONFIG GET}, {@code COMMAND},
 * {@code CLIENT ...}, {@code HELLO}, answered {@code -NOPROTO}) and {@code QUIT}.
 *
 * <p>How a read batch is handled, which is what makes the server cheap:
 * <ol>
 *   <li>Every complete command in the buffer is parsed in place: arguments are (index, length) pairs into the
 *       buffer, nothing is copied or decoded into strings.</li>
 *   <li>Replies are appended to one buffer per read batch, written and flushed once in
 *       {@link #channelReadComplete}: with 16 pipelined commands that is one {@code write(2)} for 16 replies.</li>
 *   <li>Only a partial command at the end of a read is kept (copied into a cumulation buffer); once the length of
 *       a pending bulk string is known, parsing is not retried until enough bytes have arrived.</li>
 * </ol>
 * Inline commands ({@code PING\r\n}, as typed into telnet) are accepted too.
 */
final class NettyRespHandler extends ChannelInboundHandlerAdapter {

    private static final int MAX_INLINE = 64 * 1024;
    private static final int MAX_BULK = 512 * 1024 * 1024;
    private static final int MAX_ARGS = 1024 * 1024;
    private static final int MAX_NUMBER_LINE = 24;
    private static final long INCOMPLETE = Long.MIN_VALUE;

    private static final byte[] GET = RespWriter.ascii("GET");
    private static final byte[] SET = RespWriter.ascii("SET");
    private static final byte[] PING = RespWriter.ascii("PING");
    private static final byte[] INCR = RespWriter.ascii("INCR");
    private static final byte[] QUIT = RespWriter.ascii("QUIT");
    private static final byte[] HELLO = RespWriter.ascii("HELLO");
    private static final byte[] CONFIG = RespWriter.ascii("CONFIG");
    private static final byte[] CLIENT = RespWriter.ascii("CLIENT");
    private static final byte[] COMMAND = RespWriter.ascii("COMMAND");
    private static final byte[] SAVE = RespWriter.ascii("save");
    private static final byte[] APPENDONLY = RespWriter.ascii("appendonly");
    private static final byte[] NO = RespWriter.ascii("no");

    private final RespStore store;
    private ByteBuf cumulation;
    /** Bytes the partial command in {@link #cumulation} needs at least before it is worth parsing again. */
    private int needed;

    private ByteBuf reply;
    private boolean closing;

    // The command being parsed: argc arguments at buf[argIndex[i], argIndex[i] + argLength[i]).
    private int argc;
    private int[] argIndex = new int[8];
    private int[] argLength = new int[8];
    /** Where the line read by the last {@link #parseNumber} call ended. */
    private int lineEnd;

    NettyRespHandler(RespStore store) {
        this.store = store;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof ByteBuf in)) {
            ctx.fireChannelRead(msg);
            return;
        }
        if (closing) {
            in.release();
            return;
        }
        ByteBuf buf;
        if (cumulation == null) {
            buf = in;
        } else {
            buf = cumulation = append(cumulation, in);
            if (buf.readableBytes() < needed) {
                return;
            }
        }
        try {
            decode(ctx, buf);
        } catch (ProtocolException e) {
            RespWriter.error(out(ctx), "ERR Protocol error: " + e.getMessage());
            closing = true;
            buf.skipBytes(buf.readableBytes());
        }
        if (!buf.isReadable()) {
            buf.release();
            cumulation = null;
            needed = 0;
        } else if (buf == in) {
            // Keep only the partial command; the transport's buffer goes back to its pool at once.
            cumulation = ctx.alloc().buffer(Math.max(in.readableBytes(), 256));
            cumulation.writeBytes(in);
            in.release();
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        ByteBuf r = reply;
        if (r != null) {
            reply = null;
            if (closing) {
                ctx.writeAndFlush(r).addListener(ChannelFutureListener.CLOSE);
            } else {
                ctx.writeAndFlush(r, ctx.voidPromise());
            }
        } else if (closing) {
            ctx.close();
        }
        // A client that pipelines without reading its replies must not fill our memory: stop reading until the
        // outbound buffer drains.
        if (!ctx.channel().isWritable()) {
            ctx.channel().config().setAutoRead(false);
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (ctx.channel().isWritable()) {
            ctx.channel().config().setAutoRead(true);
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        if (cumulation != null) {
            cumulation.release();
            cumulation = null;
        }
        if (reply != null) {
            reply.release();
            reply = null;
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // Mostly "connection reset by peer" when a benchmark client goes away: nothing to report.
        ctx.close();
    }

    private static ByteBuf append(ByteBuf cumulation, ByteBuf in) {
        int n = in.readableBytes();
        if (cumulation.writableBytes() < n) {
            cumulation.discardReadBytes();
            cumulation.ensureWritable(n);
        }
        cumulation.writeBytes(in);
        in.release();
        return cumulation;
    }

    private ByteBuf out(ChannelHandlerContext ctx) {
        if (reply == null) {
            reply = ctx.alloc().ioBuffer(256);
        }
        return reply;
    }

    // ------------------------------------------------------------------ parsing

    private void decode(ChannelHandlerContext ctx, ByteBuf buf) {
        int from = buf.readerIndex();
        int to = buf.writerIndex();
        needed = 0;
        while (from < to && !closing) {
            int end = parseCommand(buf, from, to);
            if (end < 0) {
                return;
            }
            if (argc > 0) {
                execute(ctx, buf);
            }
            buf.readerIndex(end);
            from = end;
        }
    }

    /** Parses one command at {@code from}; returns where it ends, or -1 if it is not all there yet. */
    private int parseCommand(ByteBuf buf, int from, int to) {
        if (buf.getByte(from) != '*') {
            return parseInline(buf, from, to);
        }
        long count = parseNumber(buf, from + 1, to);
        if (count == INCOMPLETE) {
            return -1;
        }
        if (count > MAX_ARGS) {
            throw new ProtocolException("invalid multibulk length");
        }
        int i = lineEnd;
        argc = 0;
        if (count <= 0) {
            return i; // an empty or null array: nothing to run, as in Redis
        }
        ensureArgs((int) count);
        for (int k = 0; k < count; k++) {
            if (i >= to) {
                return -1;
            }
            byte b = buf.getByte(i);
            if (b != '$') {
                throw new ProtocolException("expected '$', got '" + printable(b) + "'");
            }
            long length = parseNumber(buf, i + 1, to);
            if (length == INCOMPLETE) {
                return -1;
            }
            if (length < 0 || length > MAX_BULK) {
                throw new ProtocolException("invalid bulk length");
            }
            int start = lineEnd;
            long end = start + length + 2;
            if (end > to) {
                needed = (int) (end - from);
                return -1;
            }
            if (buf.getByte(start + (int) length) != '\r' || buf.getByte(start + (int) length + 1) != '\n') {
                throw new ProtocolException("bulk string not terminated by CRLF");
            }
            argIndex[k] = start;
            argLength[k] = (int) length;
            i = (int) end;
        }
        argc = (int) count;
        return i;
    }

    /**
     * Parses the decimal number of a {@code *N} or {@code $N} line starting at {@code i}, and sets
     * {@link #lineEnd} past its CRLF; returns {@link #INCOMPLETE} if the line has not fully arrived.
     */
    private long parseNumber(ByteBuf buf, int i, int to) {
        int start = i;
        boolean negative = i < to && buf.getByte(i) == '-';
        if (negative) {
            i++;
        }
        long value = 0;
        for (; i < to; i++) {
            byte b = buf.getByte(i);
            if (b == '\r') {
                if (i + 1 >= to) {
                    return INCOMPLETE;
                }
                if (buf.getByte(i + 1) != '\n' || i == start || (negative && i == start + 1)) {
                    throw new ProtocolException("invalid length line");
                }
                lineEnd = i + 2;
                return negative ? -value : value;
            }
            if (b < '0' || b > '9' || i - start >= MAX_NUMBER_LINE) {
                throw new ProtocolException("invalid length line");
            }
            value = value * 10 + (b - '0');
        }
        return INCOMPLETE;
    }

    /** Parses an inline command (words separated by spaces, ended by LF or CRLF). */
    private int parseInline(ByteBuf buf, int from, int to) {
        int newline = buf.indexOf(from, to, (byte) '\n');
        if (newline < 0) {
            if (to - from > MAX_INLINE) {
                throw new ProtocolException("too big inline request");
            }
            return -1;
        }
        int end = newline > from && buf.getByte(newline - 1) == '\r' ? newline - 1 : newline;
        argc = 0;
        int i = from;
        while (i < end) {
            while (i < end && isBlank(buf.getByte(i))) {
                i++;
            }
            int start = i;
            while (i < end && !isBlank(buf.getByte(i))) {
                i++;
            }
            if (i > start) {
                ensureArgs(argc + 1);
                argIndex[argc] = start;
                argLength[argc] = i - start;
                argc++;
            }
        }
        return newline + 1;
    }

    private static boolean isBlank(byte b) {
        return b == ' ' || b == '\t';
    }

    private void ensureArgs(int n) {
        if (argIndex.length < n) {
            int size = Math.max(n, argIndex.length * 2);
            argIndex = Arrays.copyOf(argIndex, size);
            argLength = Arrays.copyOf(argLength, size);
        }
    }

    // ------------------------------------------------------------------ commands

    private void execute(ChannelHandlerContext ctx, ByteBuf buf) {
        ByteBuf out = out(ctx);
        if (is(buf, 0, GET)) {
            if (arity(out, buf, 2)) {
                RespStore.Value value = store.get(buf, argIndex[1], argLength[1]);
                if (value == null) {
                    out.writeBytes(RespWriter.NULL_BULK);
                } else {
                    RespWriter.bulk(out, value.data, value.length);
                }
            }
        } else if (is(buf, 0, SET)) {
            if (argc != 3) {
                RespWriter.error(out, argc < 3 ? wrongArity(buf) : "ERR syntax error (SET options are not supported)");
                return;
            }
            store.getOrCreate(buf, argIndex[1], argLength[1]).set(buf, argIndex[2], argLength[2]);
            out.writeBytes(RespWriter.OK);
        } else if (is(buf, 0, PING)) {
            if (argc == 1) {
                out.writeBytes(RespWriter.PONG);
            } else if (argc == 2) {
                RespWriter.bulk(out, buf, argIndex[1], argLength[1]);
            } else {
                RespWriter.error(out, wrongArity(buf));
            }
        } else if (is(buf, 0, INCR)) {
            if (arity(out, buf, 2)) {
                incr(out, buf);
            }
        } else if (is(buf, 0, CONFIG)) {
            config(out, buf);
        } else if (is(buf, 0, COMMAND)) {
            // redis-cli asks for command docs on start; an empty answer means "no hints".
            out.writeBytes(RespWriter.EMPTY_ARRAY);
        } else if (is(buf, 0, CLIENT)) {
            out.writeBytes(RespWriter.OK); // SETINFO, SETNAME: accepted and ignored
        } else if (is(buf, 0, HELLO)) {
            RespWriter.error(out, "NOPROTO sorry, this protocol version is not supported");
        } else if (is(buf, 0, QUIT)) {
            out.writeBytes(RespWriter.OK);
            closing = true;
        } else {
            RespWriter.error(out, "ERR unknown command '" + arg(buf, 0) + "', with args beginning with: ");
        }
    }

    private void incr(ByteBuf out, ByteBuf buf) {
        RespStore.Value value = store.get(buf, argIndex[1], argLength[1]);
        long current = 0;
        if (value == null) {
            value = store.getOrCreate(buf, argIndex[1], argLength[1]);
        } else {
            try {
                current = value.parseLong();
            } catch (NumberFormatException e) {
                RespWriter.error(out, "ERR value is not an integer or out of range");
                return;
            }
        }
        if (current == Long.MAX_VALUE) {
            RespWriter.error(out, "ERR increment or decrement would overflow");
            return;
        }
        value.setLong(current + 1);
        RespWriter.integer(out, current + 1);
    }

    /** {@code CONFIG GET save} and {@code CONFIG GET appendonly} are what redis-benchmark asks on start. */
    private void config(ByteBuf out, ByteBuf buf) {
        if (argc == 3 && argLength[1] == 3 && is(buf, 1, GET)) {
            byte[] answer =
                    equalsIgnoreCase(buf, 2, SAVE) ? new byte[0] : equalsIgnoreCase(buf, 2, APPENDONLY) ? NO : null;
            if (answer == null) {
                out.writeBytes(RespWriter.EMPTY_ARRAY);
            } else {
                RespWriter.arrayHeader(out, 2);
                RespWriter.bulk(out, buf, argIndex[2], argLength[2]);
                RespWriter.bulk(out, answer, answer.length);
            }
        } else {
            out.writeBytes(RespWriter.OK);
        }
    }

    private boolean arity(ByteBuf out, ByteBuf buf, int expected) {
        if (argc == expected) {
            return true;
        }
        RespWriter.error(out, wrongArity(buf));
        return false;
    }

    private String wrongArity(ByteBuf buf) {
        return "ERR wrong number of arguments for '" + arg(buf, 0).toLowerCase() + "' command";
    }

    /** Whether argument {@code k} is {@code upperName}, ignoring ASCII case; names are letters only. */
    private boolean is(ByteBuf buf, int k, byte[] upperName) {
        if (argLength[k] != upperName.length) {
            return false;
        }
        int index = argIndex[k];
        for (int i = 0; i < upperName.length; i++) {
            // Clearing bit 5 upper-cases a letter and maps no other byte onto a letter.
            if ((buf.getByte(index + i) & 0xDF) != upperName[i]) {
                return false;
            }
        }
        return true;
    }

    private boolean equalsIgnoreCase(ByteBuf buf, int k, byte[] lowerName) {
        if (argLength[k] != lowerName.length) {
            return false;
        }
        int index = argIndex[k];
        for (int i = 0; i < lowerName.length; i++) {
            if ((buf.getByte(index + i) | 0x20) != lowerName[i]) {
                return false;
            }
        }
        return true;
    }

    private String arg(ByteBuf buf, int k) {
        return buf.toString(argIndex[k], Math.min(argLength[k], 128), StandardCharsets.ISO_8859_1);
    }

    private static String printable(byte b) {
        return b >= 0x20 && b < 0x7f ? String.valueOf((char) b) : String.format("\\x%02x", b & 0xff);
    }

    /** Malformed input; the connection gets {@code -ERR Protocol error: ...} and is closed, as in Redis. */
    static final class ProtocolException extends RuntimeException {
        ProtocolException(String message) {
            super(message, null, false, false);
        }
    }
}
