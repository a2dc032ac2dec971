package dev.ioloop.sample;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import redis.clients.jedis.Jedis;

/**
 * Hardening, out of file descriptors: the sample runs in a child JVM whose open-files limit the test lowers with
 * {@code prlimit}, so that {@code accept} really fails with "Too many open files". The server must pause
 * accepting (not spin, not close its listener), keep serving the clients it has, log one line per pause, and
 * serve the waiting client once the limit is raised again.
 */
@Timeout(120)
class RespOutOfFilesTests {

    private SampleProcess server;

    @AfterEach
    void stopServer() throws InterruptedException {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void acceptFailingForLackOfFilesPausesAcceptingKeepsServingAndRecovers() throws Exception {
        server = new SampleProcess();
        int port = server.port();
        long pid = server.process().pid();
        String hardLimit = limit(pid);
        try (Jedis existing = new Jedis("127.0.0.1", port, 10_000)) {
            assertThat(existing.set("k", "v")).isEqualTo("OK");

            // No file number below the limit is free any more: the next fd the server opens fails.
            prlimit(pid, lowestFreeFd(pid) + ":" + hardLimit);
            try (Socket waiting = new Socket(InetAddress.getLoopbackAddress(), port)) {
                waiting.setSoTimeout(15_000);
                waiting.getOutputStream().write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
                CompletableFuture<String> reply = CompletableFuture.supplyAsync(() -> readLine(waiting));

                server.awaitLine("not accepting for");
                assertThat(existing.get("k"))
                        .as("a connected client is still served")
                        .isEqualTo("v");
                String info = existing.info("ioloop");
                assertThat(field(info, "handlers_closed"))
                        .as("the listener is not closed as failing")
                        .isZero();
                assertThat(reply).isNotDone();

                prlimit(pid, hardLimit + ":" + hardLimit);
                assertThat(reply.get(15, TimeUnit.SECONDS))
                        .as("the waiting client is served after the pause")
                        .isEqualTo("+PONG");
            }
            long pauses = server.lines().stream()
                    .filter(l -> l.contains(" WARN ") && l.contains("not accepting for 1000 ms"))
                    .count();
            assertThat(pauses)
                    .as("one WARN per pause of 1 s while the limit was low, no flood")
                    .isBetween(1L, 20L);
            assertThat(server.lines()).noneMatch(l -> l.contains(" ERROR "));
        }
    }

    private static String readLine(Socket socket) {
        try {
            StringBuilder line = new StringBuilder();
            int c;
            while ((c = socket.getInputStream().read()) >= 0 && c != '\r') {
                line.append((char) c);
            }
            return line.toString();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static long field(String info, String name) {
        Matcher m = Pattern.compile("(?m)^" + name + ":(\\d+)").matcher(info);
        assertThat(m.find()).as("%s in %s", name, info).isTrue();
        return Long.parseLong(m.group(1));
    }

    /** The server's hard open-files limit, from {@code /proc/<pid>/limits}. */
    private static String limit(long pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/limits"))) {
            if (line.startsWith("Max open files")) {
                return line.split("\\s{2,}")[2].trim();
            }
        }
        throw new AssertionError("no 'Max open files' in /proc/" + pid + "/limits");
    }

    /** The lowest file number the server has free: the number its next open would get. */
    private static int lowestFreeFd(long pid) throws IOException {
        Set<Integer> open;
        try (Stream<Path> fds = Files.list(Path.of("/proc/" + pid + "/fd"))) {
            open = fds.map(p -> Integer.parseInt(p.getFileName().toString())).collect(Collectors.toSet());
        }
        int fd = 0;
        while (open.contains(fd)) {
            fd++;
        }
        return fd;
    }

    private static void prlimit(long pid, String limits) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("prlimit", "--pid", Long.toString(pid), "--nofile=" + limits));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as("%s: %s", command, out).isZero();
    }
}
