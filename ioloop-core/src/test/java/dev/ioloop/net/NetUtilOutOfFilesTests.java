package dev.ioloop.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

/**
 * Out of file descriptors, for real: {@link OutOfFilesServerMain} runs in a child JVM whose open-files limit the
 * test lowers with {@code prlimit} (a JVM cannot lower its own limit and still run a test), so that
 * {@code accept} fails with "Too many open files". The accept handler must pause instead of spinning, log one
 * WARN per pause, keep the listener, and accept the waiting client once the limit is raised.
 */
@EnabledOnOs(OS.LINUX)
@Timeout(120)
class NetUtilOutOfFilesTests {

    private static final Pattern LISTENING = Pattern.compile("listening on port (\\d+)");
    private static final String PAUSED = "failed; not accepting for 1000 ms: java.io.IOException: Too many open files";

    private final List<String> lines = new CopyOnWriteArrayList<>();
    private Process server;

    @AfterEach
    void stopServer() throws InterruptedException {
        if (server != null) {
            server.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        }
    }

    @Test
    void acceptOutOfFilesPausesLogsOncePerPauseAndResumes() throws Exception {
        assumeTrue(prlimitAvailable(), "prlimit (util-linux) is not installed");
        int port = startServer();
        long pid = server.pid();
        String hardLimit = hardLimit(pid);
        try (Socket existing = new Socket(Loopback.V4, port)) {
            existing.setSoTimeout(15_000);
            assertThat(echo(existing, "a")).isEqualTo("a");

            long lowered = System.nanoTime();
            prlimit(pid, lowestFreeFd(pid) + ":" + hardLimit); // the server's next descriptor is over the limit
            try (Socket waiting = new Socket(Loopback.V4, port)) {
                waiting.setSoTimeout(15_000);
                waiting.getOutputStream().write('w');

                awaitLines(PAUSED, 2); // paused, resumed after 1 s, failed again, paused again
                assertThat(echo(existing, "b"))
                        .as("a connected client is still served")
                        .isEqualTo("b");
                assertThat(waiting.getInputStream().available())
                        .as("not accepted yet")
                        .isZero();

                prlimit(pid, hardLimit + ":" + hardLimit);
                assertThat(waiting.getInputStream().read())
                        .as("accepted and served once files are available")
                        .isEqualTo('w');
            }
            long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - lowered);
            assertThat(count(PAUSED)).as("one WARN per 1 s pause, no spin").isBetween(2L, seconds + 2);
            assertThat(lines).noneMatch(l -> l.contains("ERROR"));
            assertThat(server.isAlive()).isTrue();
        }
    }

    private int startServer() throws Exception {
        String java = ProcessHandle.current().info().command().orElse("java");
        server = new ProcessBuilder(
                        java,
                        "-Xmx64m",
                        "-cp",
                        System.getProperty("java.class.path"),
                        OutOfFilesServerMain.class.getName())
                .redirectErrorStream(true)
                .start();
        Thread pump = new Thread(
                () -> {
                    try (BufferedReader out = new BufferedReader(
                            new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8))) {
                        String line;
                        while ((line = out.readLine()) != null) {
                            lines.add(line);
                            synchronized (lines) {
                                lines.notifyAll();
                            }
                        }
                    } catch (IOException e) {
                        // the server is gone
                    }
                },
                "server-output");
        pump.setDaemon(true);
        pump.start();
        awaitLines("listening on port", 1);
        Matcher m = lines.stream()
                .map(LISTENING::matcher)
                .filter(Matcher::find)
                .findFirst()
                .orElseThrow();
        return Integer.parseInt(m.group(1));
    }

    private void awaitLines(String text, int count) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        synchronized (lines) {
            while (count(text) < count) {
                long left = deadline - System.nanoTime();
                if (left <= 0 || !server.isAlive()) {
                    throw new AssertionError(count + " lines with '" + text + "' expected from the server; it wrote:\n"
                            + String.join("\n", lines));
                }
                lines.wait(TimeUnit.NANOSECONDS.toMillis(left) + 1);
            }
        }
    }

    private long count(String text) {
        return lines.stream().filter(l -> l.contains(text)).count();
    }

    private static String echo(Socket socket, String text) throws IOException {
        OutputStream out = socket.getOutputStream();
        out.write(text.getBytes(StandardCharsets.US_ASCII));
        return Loopback.read(socket.getInputStream(), text.length());
    }

    /** The server's hard open-files limit, from {@code /proc/<pid>/limits}. */
    private static String hardLimit(long pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/limits"))) {
            if (line.startsWith("Max open files")) {
                return line.split("\\s{2,}")[2].trim();
            }
        }
        throw new AssertionError("no 'Max open files' in /proc/" + pid + "/limits");
    }

    /** The lowest descriptor number the server has free: the one its next open would get. */
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

    private static boolean prlimitAvailable() {
        try {
            return new ProcessBuilder("prlimit", "--version").start().waitFor(10, TimeUnit.SECONDS);
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static void prlimit(long pid, String limits) throws IOException, InterruptedException {
        List<String> command = List.of("prlimit", "--pid", Long.toString(pid), "--nofile=" + limits);
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as("%s: %s", command, out).isZero();
    }
}
