package dev.ioloop.sample;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The sample in a child JVM (this test run's class path), for what only a real process shows: signals, file
 * descriptor limits. Its output is collected line by line; {@link #close()} kills it if it still runs.
 */
final class SampleProcess implements AutoCloseable {

    private static final Pattern LISTENING =
            Pattern.compile("@IoHandler 'resp' listening on tcp://127\\.0\\.0\\.1:(\\d+)");

    private final Process process;
    private final List<String> lines = new CopyOnWriteArrayList<>();
    private final Thread pump;

    /** Starts the sample with RESP and HTTP on free ports and {@code args} after them; waits until it has started. */
    SampleProcess(String... args) throws IOException, InterruptedException {
        this(classPathCommand(args));
        awaitLine("Started SampleApplication"); // fully started
    }

    /**
     * Starts {@code java -Xmx256m} with {@code javaArgs} (JVM options, then {@code -jar} or a main class and its
     * arguments), without waiting for anything.
     */
    static SampleProcess java(String... javaArgs) throws IOException {
        return new SampleProcess(List.of(javaArgs));
    }

    private static List<String> classPathCommand(String... args) {
        List<String> command = new ArrayList<>(List.of(
                "-cp",
                System.getProperty("java.class.path"),
                SampleApplication.class.getName(),
                "--sample.port=0",
                "--server.port=0",
                "--spring.main.banner-mode=off"));
        command.addAll(List.of(args));
        return command;
    }

    private SampleProcess(List<String> javaArgs) throws IOException {
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> command = new ArrayList<>(List.of(java, "-Xmx256m"));
        command.addAll(javaArgs);
        process = new ProcessBuilder(command).redirectErrorStream(true).start();
        pump = new Thread(
                () -> {
                    try (BufferedReader out = new BufferedReader(
                            new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                        String line;
                        while ((line = out.readLine()) != null) {
                            lines.add(line);
                            synchronized (lines) {
                                lines.notifyAll();
                            }
                        }
                    } catch (IOException e) {
                        // the process is gone
                    }
                    synchronized (lines) {
                        lines.notifyAll();
                    }
                },
                "sample-output");
        pump.setDaemon(true);
        pump.start();
    }

    Process process() {
        return process;
    }

    /** Every line the process has written so far. */
    List<String> lines() {
        return lines;
    }

    /** The RESP port, from the starter's "listening on" line. */
    int port() {
        return number(LISTENING);
    }

    /** The number {@code pattern}'s first group finds in the first line it matches. */
    int number(Pattern pattern) {
        for (String line : lines) {
            Matcher m = pattern.matcher(line);
            if (m.find()) {
                return Integer.parseInt(m.group(1));
            }
        }
        throw new AssertionError(
                "no line matching " + pattern + " from the sample; it wrote:\n" + String.join("\n", lines));
    }

    /** Waits (at most 60 s, and only while the process lives) for a line containing {@code text}; returns it. */
    String awaitLine(String text) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        synchronized (lines) {
            while (true) {
                for (String line : lines) {
                    if (line.contains(text)) {
                        return line;
                    }
                }
                long left = deadline - System.nanoTime();
                if (left <= 0 || !process.isAlive()) {
                    throw new AssertionError(
                            "no line with '" + text + "' from the sample; it wrote:\n" + String.join("\n", lines));
                }
                lines.wait(TimeUnit.NANOSECONDS.toMillis(left) + 1);
            }
        }
    }

    /**
     * Waits for the process to exit and for its last lines to be collected.
     *
     * @return whether it exited within {@code seconds}
     */
    boolean awaitExit(long seconds) throws InterruptedException {
        if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
            return false;
        }
        pump.join(TimeUnit.SECONDS.toMillis(10));
        return !pump.isAlive();
    }

    /** Ends the process if it still runs: SIGTERM, then SIGKILL after 30 s. */
    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }
}
