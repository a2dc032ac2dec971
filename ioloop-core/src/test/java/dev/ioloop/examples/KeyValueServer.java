package dev.ioloop.examples;

import static java.nio.charset.StandardCharsets.UTF_8;

import dev.ioloop.IOLoop;
import dev.ioloop.net.TCPServer;
import dev.ioloop.stream.IOStream;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;

/** A line-based key-value store: "SET key value", "GET key", "DEL key"; one reply line per request. */
public final class KeyValueServer {

    private static final byte[] EOL = {'\n'};
    private final Map<String, String> store = new HashMap<>(); // loop thread only: no locks

    public static void main(String[] args) throws IOException {
        IOLoop loop = new IOLoop();
        new KeyValueServer().listen(loop, 7000);
        loop.start();
    }

    public TCPServer listen(IOLoop loop, int port) throws IOException {
        TCPServer server = new TCPServer(loop, (stream, remote) -> serve(stream));
        server.listen(port, "127.0.0.1");
        return server;
    }

    private void serve(IOStream stream) {
        // A line longer than 1 KiB closes the stream; so does the peer's close. Either way the future fails
        // and there is nothing more to do. Each read completes in a later callback: no recursion.
        stream.readUntil(EOL, 1024).thenAccept(line -> {
            stream.write((reply(new String(line, UTF_8).strip()) + "\n").getBytes(UTF_8));
            serve(stream);
        });
    }

    private String reply(String request) {
        String[] word = request.split(" ", 3);
        return switch (word[0].toUpperCase()) {
            case "SET" ->
                word.length < 3
                        ? "ERR usage: SET key value"
                        : store.put(word[1], word[2]) == null ? "OK" : "OK replaced";
            case "GET" -> word.length < 2 ? "ERR usage: GET key" : store.getOrDefault(word[1], "(nil)");
            case "DEL" -> word.length < 2 ? "ERR usage: DEL key" : store.remove(word[1]) == null ? "0" : "1";
            default -> "ERR unknown command '" + word[0] + "'";
        };
    }
}
