package dev.ioloop.sample.resp;

import java.nio.charset.StandardCharsets;

/**
 * RESP2 as it goes over the wire, written out as text for the tests to send and to expect: a command as a client
 * sends it (a multibulk request, one bulk string per argument) and a bulk string as the server replies one. The
 * strings are ISO-8859-1, one byte a character, which is how the tests turn them into bytes and how the engine
 * reads them back. The tests that drive {@link RespEngine} directly and the ones that talk to the server over
 * sockets both write their requests with it.
 */
public final class RespWire {

    private RespWire() {}

    /** Returns {@code args} as a multibulk request: {@code *<n>\r\n} then each argument as a bulk string. */
    public static String command(String... args) {
        StringBuilder sb = new StringBuilder().append('*').append(args.length).append("\r\n");
        for (String a : args) {
            sb.append(bulk(a));
        }
        return sb.toString();
    }

    /** Returns {@code s} as a bulk string: {@code $<length in bytes>\r\n<s>\r\n}. */
    public static String bulk(String s) {
        return "$" + s.getBytes(StandardCharsets.ISO_8859_1).length + "\r\n" + s + "\r\n";
    }
}
