package dev.ioloop.sample.resp;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Random;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.stream.IntStream;
import java.util.stream.Stream;

/**
 * A small property runner on plain JUnit Jupiter: a property is checked against {@code tries} generated
 * values, and a falsifying value is shrunk greedily before it is reported, with the seed that
 * reproduces the run.
 *
 * <p>Runs are reproducible: the seed is fixed unless {@code -Dresp.properties.seed=<long>} (or
 * {@code =random}) is given, and every property derives its own generator from the seed and its name,
 * so running one property alone generates the same values as running the whole class.
 * {@code -Dresp.properties.scale=<n>} multiplies every tries count, for a longer search.
 */
final class PropertyCheck {

    private static final long DEFAULT_SEED = 0x1E57_0F_5EEDL;
    /** Shrink attempts per falsified property: enough for inputs of a few KiB, bounded in time. */
    private static final int MAX_SHRINK_STEPS = 4000;

    static final long SEED = seed();
    private static final int SCALE = Integer.getInteger("resp.properties.scale", 1);

    private PropertyCheck() {}

    /** Generates a value from a source of randomness. */
    @FunctionalInterface
    interface Gen<T> {
        T next(Random random);
    }

    /** A property: a generator, a shrinker (simpler candidates first) and a check that throws when falsified. */
    static <T> void forAll(
            String property,
            int tries,
            Gen<T> gen,
            Function<T, Stream<T>> shrink,
            Function<T, String> show,
            Consumer<T> check) {
        int n = tries * SCALE;
        Random random = new Random(SEED ^ property.hashCode() * 0x9E3779B97F4A7C15L);
        long started = System.nanoTime();
        for (int i = 0; i < n; i++) {
            T value = gen.next(random);
            Throwable failure = failure(check, value);
            if (failure != null) {
                report(property, i, value, failure, shrink, show, check);
            }
        }
        System.out.printf(
                "property %s: %d tries passed in %d ms (seed %d)%n",
                property, n, (System.nanoTime() - started) / 1_000_000, SEED);
    }

    private static <T> void report(
            String property,
            int attempt,
            T original,
            Throwable originalFailure,
            Function<T, Stream<T>> shrink,
            Function<T, String> show,
            Consumer<T> check) {
        T smallest = original;
        Throwable why = originalFailure;
        int steps = 0;
        boolean improved = true;
        while (improved && steps < MAX_SHRINK_STEPS) {
            improved = false;
            Iterator<T> candidates = shrink.apply(smallest).iterator();
            while (candidates.hasNext() && steps < MAX_SHRINK_STEPS) {
                T candidate = candidates.next();
                steps++;
                Throwable f = failure(check, candidate);
                if (f != null) {
                    smallest = candidate;
                    why = f;
                    improved = true;
                    break;
                }
            }
        }
        AssertionError error = new AssertionError(
                "property '" + property + "' falsified at try " + (attempt + 1)
                        + " (seed " + SEED + ", rerun with -Dresp.properties.seed=" + SEED + ")"
                        + "\n  shrunk in " + steps + " steps to: " + show.apply(smallest)
                        + "\n  original: " + show.apply(original)
                        + "\n  failure: " + why,
                why);
        throw error;
    }

    private static <T> Throwable failure(Consumer<T> check, T value) {
        try {
            check.accept(value);
            return null;
        } catch (Throwable t) {
            if (t instanceof VirtualMachineError
                    && !(t instanceof OutOfMemoryError || t instanceof StackOverflowError)) {
                throw (VirtualMachineError) t;
            }
            return t;
        }
    }

    private static long seed() {
        String s = System.getProperty("resp.properties.seed");
        if (s == null || s.isBlank()) {
            return DEFAULT_SEED;
        }
        return s.equals("random") ? new Random().nextLong() : Long.parseLong(s.trim());
    }

    // ---- shrinkers: each returns simpler candidates, most promising first ----

    /** Removes chunks of halving size (lazily: a large input has many candidates), then turns single bytes into 'a'. */
    static Stream<byte[]> shrinkBytes(byte[] b) {
        Stream<byte[]> removals = IntStream.iterate(
                        Math.max(1, b.length / 2), size -> size >= 1, size -> size == 1 ? 0 : size / 2)
                .boxed()
                .flatMap(size -> IntStream.iterate(0, at -> at + size <= b.length, at -> at + size)
                        .mapToObj(at -> {
                            byte[] c = new byte[b.length - size];
                            System.arraycopy(b, 0, c, 0, at);
                            System.arraycopy(b, at + size, c, at, b.length - at - size);
                            return c;
                        }));
        Stream<byte[]> simpler = IntStream.range(0, b.length)
                .filter(i -> b[i] != 'a')
                .mapToObj(i -> {
                    byte[] c = b.clone();
                    c[i] = 'a';
                    return c;
                });
        return b.length == 0 ? Stream.empty() : Stream.concat(removals, simpler);
    }

    /** Drops elements (runs of halving length, then single ones), then shrinks each element in place. */
    static <E> Stream<List<E>> shrinkList(List<E> list, int minSize, Function<E, Stream<E>> element) {
        List<List<E>> drops = new ArrayList<>();
        for (int size = Math.max(1, list.size() / 2); size >= 1; size = size == 1 ? 0 : size / 2) {
            for (int at = 0; at + size <= list.size(); at += size) {
                if (list.size() - size >= minSize) {
                    List<E> c = new ArrayList<>(list.subList(0, at));
                    c.addAll(list.subList(at + size, list.size()));
                    drops.add(c);
                }
            }
        }
        Stream<List<E>> each = IntStream.range(0, list.size())
                .boxed()
                .flatMap(i -> element.apply(list.get(i)).map(e -> {
                    List<E> c = new ArrayList<>(list);
                    c.set(i, e);
                    return c;
                }));
        return Stream.concat(drops.stream(), each);
    }

    /** Candidates towards {@code target}: the target itself, then halfway steps. */
    static Stream<Integer> shrinkInt(int v, int target) {
        if (v == target) {
            return Stream.empty();
        }
        List<Integer> out = new ArrayList<>();
        out.add(target);
        int d = (v - target) / 2;
        while (d != 0) {
            out.add(v - d);
            d /= 2;
        }
        if (!out.contains(v - Integer.signum(v - target))) {
            out.add(v - Integer.signum(v - target));
        }
        return out.stream().distinct();
    }

    // ---- showing values ----

    /** Bytes as a Java-like string literal, control and non-ASCII bytes escaped. */
    static String show(byte[] b) {
        StringBuilder sb = new StringBuilder(b.length + 8).append('"');
        for (byte x : b) {
            int c = x & 0xFF;
            switch (c) {
                case '\r' -> sb.append("\\r");
                case '\n' -> sb.append("\\n");
                case '\t' -> sb.append("\\t");
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                default -> {
                    if (c < 0x20 || c >= 0x7F) {
                        sb.append(String.format("\\x%02x", c));
                    } else {
                        sb.append((char) c);
                    }
                }
            }
        }
        return sb.append('"').append(" (").append(b.length).append(" bytes)").toString();
    }

    static String show(String latin1) {
        return show(latin1.getBytes(StandardCharsets.ISO_8859_1));
    }
}
