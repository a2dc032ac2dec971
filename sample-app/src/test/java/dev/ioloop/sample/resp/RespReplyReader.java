package dev.ioloop.sample.resp;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;

/** Reads exactly one RESP2 reply from a stream and returns its raw bytes, nested arrays included. */
final class RespReplyReader {

    private final InputStream in;

    RespReplyReader(InputStream in) {
        this.in = in;
    }

    byte[] read() throws IOException {
        ByteArrayOutputStream raw = new ByteArrayOutputStream();
        readInto(raw);
        return raw.toByteArray();
    }

    private void readInto(ByteArrayOutputStream raw) throws IOException {
        int type = next();
        raw.write(type);
        String line = line(raw);
        switch (type) {
            case '+', '-', ':' -> {}
            case '$' -> {
                int n = Integer.parseInt(line);
                if (n >= 0) {
                    raw.write(in.readNBytes(n + 2));
                }
            }
            case '*' -> {
                int n = Integer.parseInt(line);
                for (int i = 0; i < n; i++) {
                    readInto(raw);
                }
            }
            default -> throw new IOException("not a RESP2 reply type: " + (char) type);
        }
    }

    private String line(ByteArrayOutputStream raw) throws IOException {
        StringBuilder sb = new StringBuilder();
        int c;
        while ((c = next()) != '\r') {
            sb.append((char) c);
        }
        next(); // '\n'
        String s = sb.toString();
        raw.writeBytes(s.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
        raw.write('\r');
        raw.write('\n');
        return s;
    }

    private int next() throws IOException {
        int c = in.read();
        if (c < 0) {
            throw new EOFException("connection closed in the middle of a reply");
        }
        return c;
    }
}
