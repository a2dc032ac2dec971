package dev.ioloop.boot.metrics;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * The samples of one scrape in the Prometheus text or OpenMetrics format, each with the target labels a Prometheus
 * server attaches when it stores them ({@code job}, {@code instance}), so that selectors read them as a query
 * would. Comments and metadata lines ({@code # TYPE}, {@code # EOF}) are skipped, and so are exemplars.
 */
final class PrometheusScrape {

    /** One sample: a series name, its labels (the target's included) and its value. */
    record Sample(String name, Map<String, String> labels, double value) {}

    private final List<Sample> samples;

    private PrometheusScrape(List<Sample> samples) {
        this.samples = samples;
    }

    /** Parses {@code body}, adding {@code targetLabels} to every sample. */
    static PrometheusScrape parse(String body, Map<String, String> targetLabels) {
        List<Sample> samples = new ArrayList<>();
        for (String line : body.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            int nameEnd = 0;
            while (nameEnd < line.length() && line.charAt(nameEnd) != '{' && line.charAt(nameEnd) != ' ') {
                nameEnd++;
            }
            Map<String, String> scraped = new LinkedHashMap<>();
            int i = nameEnd;
            if (line.charAt(i) == '{') {
                i = labels(line, i + 1, scraped);
            }
            // As Prometheus stores it (honor_labels false): a scraped label that clashes with a target label is
            // renamed exported_<name>.
            Map<String, String> labels = new LinkedHashMap<>(targetLabels);
            scraped.forEach((k, v) -> labels.put(targetLabels.containsKey(k) ? "exported_" + k : k, v));
            String value = line.substring(i).trim().split(" ")[0];
            samples.add(new Sample(line.substring(0, nameEnd), Map.copyOf(labels), number(value)));
        }
        return new PrometheusScrape(List.copyOf(samples));
    }

    /** The samples that {@code selector} selects. */
    List<Sample> select(PromQl.Selector selector) {
        return samples.stream()
                .filter(s -> selector.matches(s.name(), s.labels()))
                .toList();
    }

    /** The sum of the values of the samples {@code selector} selects (0 when it selects none). */
    double sum(PromQl.Selector selector) {
        return select(selector).stream().mapToDouble(Sample::value).sum();
    }

    /** The names of the series whose names start with {@code prefix}, sorted. */
    Set<String> names(String prefix) {
        return samples.stream()
                .map(Sample::name)
                .filter(n -> n.startsWith(prefix))
                .collect(Collectors.toCollection(TreeSet::new));
    }

    /** Reads {@code k="v",...} from {@code at} (after the '{'); returns the index after the '}'. */
    private static int labels(String line, int at, Map<String, String> into) {
        int i = at;
        while (line.charAt(i) != '}') {
            int eq = line.indexOf('=', i);
            String name = line.substring(i, eq).trim();
            StringBuilder value = new StringBuilder();
            i = eq + 2; // past '="'
            for (char c = line.charAt(i); c != '"'; c = line.charAt(++i)) {
                if (c == '\\') {
                    char escaped = line.charAt(++i);
                    value.append(escaped == 'n' ? '\n' : escaped);
                } else {
                    value.append(c);
                }
            }
            into.put(name, value.toString());
            i++;
            if (line.charAt(i) == ',') {
                i++;
            }
        }
        return i + 1;
    }

    private static double number(String value) {
        return switch (value) {
            case "+Inf" -> Double.POSITIVE_INFINITY;
            case "-Inf" -> Double.NEGATIVE_INFINITY;
            case "NaN" -> Double.NaN;
            default -> Double.parseDouble(value);
        };
    }
}
