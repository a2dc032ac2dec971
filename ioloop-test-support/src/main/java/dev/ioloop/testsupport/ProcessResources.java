package dev.ioloop.testsupport;

import com.sun.management.UnixOperatingSystemMXBean;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * What the test process holds, for tests that check that nothing leaks or that the process has room for what
 * they are about to open: its open file descriptors, each with what it points at (from {@code /proc/self/fd}),
 * their count and the soft limit on them (from {@code /proc/self/limits}, or from the JVM where {@code /proc}
 * is missing), and the heap in use after full garbage collections. The descriptor listing needs Linux: a test
 * that compares listings checks {@link #procAvailable()} first and is skipped elsewhere.
 */
public final class ProcessResources {

    private static final Path LIMITS = Path.of("/proc/self/limits");
    private static final Path FDS = Path.of("/proc/self/fd");

    private ProcessResources() {}

    /** Returns whether {@code /proc/self/fd} is there to read (Linux), which {@link #openFds()} needs. */
    public static boolean procAvailable() {
        return Files.isDirectory(FDS);
    }

    /**
     * Returns the soft limit of open files ({@code ulimit -n}) from the "Max open files" line of
     * {@code /proc/self/limits} ({@link Long#MAX_VALUE} for "unlimited"); without that file, as the JVM
     * reports it.
     */
    public static long maxOpenFiles() throws IOException {
        if (!Files.isReadable(LIMITS)) {
            return unixBean().getMaxFileDescriptorCount();
        }
        for (String line : Files.readAllLines(LIMITS)) {
            if (line.startsWith("Max open files")) {
                String soft = line.substring("Max open files".length()).trim().split("\\s+")[0];
                return "unlimited".equals(soft) ? Long.MAX_VALUE : Long.parseLong(soft);
            }
        }
        throw new IllegalStateException("no 'Max open files' line in " + LIMITS);
    }

    /** Returns how many file descriptors this process has open. */
    public static long openFdCount() throws IOException {
        return procAvailable() ? openFds().size() : unixBean().getOpenFileDescriptorCount();
    }

    private static UnixOperatingSystemMXBean unixBean() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof UnixOperatingSystemMXBean unix) {
            return unix;
        }
        throw new IllegalStateException("neither /proc/self nor a UnixOperatingSystemMXBean: cannot count file "
                + "descriptors on this platform");
    }

    /** Returns the open file descriptors of this process: number to what it points at (readlink). */
    public static Map<Integer, String> openFds() throws IOException {
        Map<Integer, String> fds = new TreeMap<>();
        List<Path> entries;
        try (Stream<Path> list = Files.list(FDS)) {
            entries = list.toList(); // one of them is the directory stream's own fd, gone once closed
        }
        for (Path entry : entries) {
            try {
                fds.put(
                        Integer.parseInt(entry.getFileName().toString()),
                        Files.readSymbolicLink(entry).toString());
            } catch (IOException e) {
                // closed between list and readlink (such as the listing's own descriptor): not open
            }
        }
        return fds;
    }

    /** Returns the descriptors open in {@code now} that were not open (with the same target) in {@code before}. */
    public static Map<Integer, String> opened(Map<Integer, String> before, Map<Integer, String> now) {
        return now.entrySet().stream()
                .filter(e -> !e.getValue().equals(before.get(e.getKey())))
                .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue, (a, b) -> a, TreeMap::new));
    }

    /**
     * Returns the least heap in use seen right after each of several full collections ({@code System.gc()}; G1
     * and the other collectors the JVM picks run it as a full, stop-the-world collection unless
     * {@code -XX:+ExplicitGCInvokesConcurrent} or {@code -XX:+DisableExplicitGC} is set). The least of several
     * leaves out what other threads (the web server, the loop, metrics) allocate between a collection and the
     * reading: a leak survives every collection, garbage does not.
     */
    public static long usedHeapAfterGc() {
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        long least = Long.MAX_VALUE;
        for (int i = 0; i < 4; i++) {
            System.gc();
            least = Math.min(least, memory.getHeapMemoryUsage().getUsed());
        }
        return least;
    }
}
