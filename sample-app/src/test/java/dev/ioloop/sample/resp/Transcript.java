package dev.ioloop.sample.resp;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A command script and the exact replies redis-server gave to it, as kept in {@code src/test/resources/redis-transcripts}.
 *
 * <p>One step a line: {@code > ARGS} sends a command as client A, {@code B> ARGS} as client B (any capital letter
 * names a client, each its own connection); the line after a command, {@code < REPLY}, is the reply's bytes.
 * {@code ~ sleep MS} waits (redis-server) or moves the test clock (the engine). Lines starting with {@code #} are
 * comments. Arguments are separated by spaces; one in double quotes may hold spaces and the escapes below. Replies
 * and quoted arguments escape a backslash as {@code \\}, CR, LF and tab as {@code \r}, {@code \n}, {@code \t}, a
 * double quote as {@code \"} and any other byte outside printable ASCII as {@code \xHH}. A command without a reply
 * line has not been recorded yet.
 */
record Transcript(String name, List<Step> steps) {

    /** A line of the script. */
    sealed interface Step permits Command, Sleep, Comment {}

    /** A command, its client, its source line and the recorded reply (null if not recorded). */
    record Command(int line, char client, List<byte[]> args, byte[] reply) implements Step {
        String show() {
            StringBuilder sb = new StringBuilder();
            for (byte[] a : args) {
                sb.append(sb.length() == 0 ? "" : " ").append(quote(a));
            }
            return sb.toString();
        }

        Command withReply(byte[] newReply) {
            return new Command(line, client, args, newReply);
        }
    }

    /** Waits {@code millis}. */
    record Sleep(long millis) implements Step {}

    /** A comment or blank line, kept when the transcript is written again. */
    record Comment(String text) implements Step {}

    static Transcript read(Path file) throws IOException {
        List<String> lines = Files.readAllLines(file, StandardCharsets.ISO_8859_1);
        List<Step> steps = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.isBlank() || line.startsWith("#")) {
                steps.add(new Comment(line));
            } else if (line.startsWith("~ sleep ")) {
                steps.add(new Sleep(Long.parseLong(line.substring(8).trim())));
            } else if (line.startsWith(">")
                    || (line.length() > 1 && Character.isUpperCase(line.charAt(0)) && line.charAt(1) == '>')) {
                char client = line.charAt(0) == '>' ? 'A' : line.charAt(0);
                List<byte[]> args = parseArgs(line.substring(line.indexOf('>') + 1), file, i + 1);
                byte[] reply = null;
                if (i + 1 < lines.size() && lines.get(i + 1).startsWith("< ")) {
                    reply = unescape(lines.get(++i).substring(2), file, i + 1);
                }
                steps.add(new Command(i + 1, client, args, reply));
            } else {
                throw new IllegalArgumentException(file + ":" + (i + 1) + ": not a step: " + line);
            }
        }
        return new Transcript(file.getFileName().toString(), steps);
    }

    void write(Path file) throws IOException {
        StringBuilder sb = new StringBuilder();
        for (Step s : steps) {
            if (s instanceof Comment c) {
                sb.append(c.text()).append('\n');
            } else if (s instanceof Sleep z) {
                sb.append("~ sleep ").append(z.millis()).append('\n');
            } else if (s instanceof Command c) {
                sb.append(c.client() == 'A' ? "" : String.valueOf(c.client()))
                        .append("> ")
                        .append(c.show());
                sb.append('\n');
                if (c.reply() != null) {
                    sb.append("< ").append(escape(c.reply())).append('\n');
                }
            }
        }
        Files.writeString(file, sb, StandardCharsets.ISO_8859_1);
    }

    /** The bytes as one escaped line, as replies are kept. */
    static String escape(byte[] b) {
        StringBuilder sb = new StringBuilder(b.length + 16);
        for (byte x : b) {
            int c = x & 0xff;
            switch (c) {
                case '\\' -> sb.append("\\\\");
                case '\r' -> sb.append("\\r");
                case '\n' -> sb.append("\\n");
                case '\t' -> sb.append("\\t");
                case '"' -> sb.append("\\\"");
                default -> {
                    if (c < 0x20 || c > 0x7e) {
                        sb.append(String.format("\\x%02x", c));
                    } else {
                        sb.append((char) c);
                    }
                }
            }
        }
        return sb.toString();
    }

    private static String quote(byte[] arg) {
        String e = escape(arg);
        boolean plain = arg.length > 0 && e.length() == arg.length && e.indexOf(' ') < 0 && e.indexOf('"') < 0;
        return plain ? e : "\"" + e + "\"";
    }

    private static List<byte[]> parseArgs(String s, Path file, int line) {
        List<byte[]> args = new ArrayList<>();
        int i = 0;
        while (i < s.length()) {
            if (s.charAt(i) == ' ') {
                i++;
                continue;
            }
            if (s.charAt(i) == '"') {
                int end = i + 1;
                while (end < s.length() && s.charAt(end) != '"') {
                    end += s.charAt(end) == '\\' ? 2 : 1;
                }
                if (end >= s.length()) {
                    throw new IllegalArgumentException(file + ":" + line + ": unterminated quote");
                }
                args.add(unescape(s.substring(i + 1, end), file, line));
                i = end + 1;
            } else {
                int end = s.indexOf(' ', i);
                end = end < 0 ? s.length() : end;
                args.add(s.substring(i, end).getBytes(StandardCharsets.ISO_8859_1));
                i = end;
            }
        }
        return args;
    }

    static byte[] unescape(String s, Path file, int line) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c != '\\') {
                out.write(c);
                continue;
            }
            if (++i >= s.length()) {
                throw new IllegalArgumentException(file + ":" + line + ": dangling backslash");
            }
            switch (s.charAt(i)) {
                case '\\' -> out.write('\\');
                case 'r' -> out.write('\r');
                case 'n' -> out.write('\n');
                case 't' -> out.write('\t');
                case '"' -> out.write('"');
                case 'x' -> {
                    out.write(Integer.parseInt(s.substring(i + 1, i + 3), 16));
                    i += 2;
                }
                default -> throw new IllegalArgumentException(file + ":" + line + ": bad escape in " + s);
            }
        }
        return out.toByteArray();
    }

    /** The transcripts kept in the test resources, by file name. */
    static List<Path> files() throws IOException {
        Path dir = directory();
        try (var stream = Files.list(dir)) {
            return stream.filter(p -> p.toString().endsWith(".txt")).sorted().toList();
        }
    }

    /** The source directory of the transcripts (recording writes there, not to target/). */
    static Path directory() {
        Path p = Path.of("src/test/resources/redis-transcripts");
        if (!Files.isDirectory(p)) {
            p = Path.of("sample-app/src/test/resources/redis-transcripts");
        }
        return p;
    }
}
