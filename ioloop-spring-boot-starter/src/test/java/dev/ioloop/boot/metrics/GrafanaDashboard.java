package dev.ioloop.boot.metrics;

import com.jayway.jsonpath.JsonPath;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/** A Grafana dashboard's JSON as the tests read it: its panels' queries and its template variables. */
final class GrafanaDashboard {

    /** One query of a panel. */
    record Query(
            String panel,
            String refId,
            String expr,
            @Nullable Object datasource) {}

    /** A template variable; {@code query} is empty for a variable that is not a query. */
    record Variable(
            String name,
            String type,
            String query,
            @Nullable String allValue,
            @Nullable Object datasource) {}

    /** Grafana's own variables, which take durations in the dashboard's queries. */
    private static final List<String> DURATIONS = List.of("$__rate_interval", "$__interval", "$__range");

    private static final Pattern LABEL_VALUES = Pattern.compile("label_values\\((.+),\\s*([a-zA-Z_][a-zA-Z0-9_]*)\\)");

    private final String json;

    private GrafanaDashboard(String json) {
        this.json = json;
    }

    static GrafanaDashboard read(Path file) throws IOException {
        return new GrafanaDashboard(Files.readString(file));
    }

    /** Every panel but rows, with the panels of collapsed rows. */
    List<Map<String, Object>> panels() {
        List<Map<String, Object>> panels = new ArrayList<>();
        for (Map<String, Object> panel : JsonPath.<List<Map<String, Object>>>read(json, "$.panels[*]")) {
            if ("row".equals(panel.get("type"))) {
                panels.addAll(JsonPath.<List<Map<String, Object>>>read(panel, "$.panels[*]"));
            } else {
                panels.add(panel);
            }
        }
        return panels;
    }

    /** The queries of every panel, in the order of the panels. */
    List<Query> queries() {
        List<Query> queries = new ArrayList<>();
        for (Map<String, Object> panel : panels()) {
            for (Map<String, Object> target : JsonPath.<List<Map<String, Object>>>read(panel, "$.targets[*]")) {
                queries.add(new Query(
                        (String) panel.get("title"),
                        (String) target.get("refId"),
                        (String) target.get("expr"),
                        target.get("datasource")));
            }
        }
        return queries;
    }

    List<Variable> variables() {
        List<Variable> variables = new ArrayList<>();
        for (Map<String, Object> v : JsonPath.<List<Map<String, Object>>>read(json, "$.templating.list[*]")) {
            Object query = v.get("query");
            String text = query instanceof Map<?, ?> editor ? (String) editor.get("query") : (String) query;
            variables.add(new Variable(
                    (String) v.get("name"),
                    (String) v.get("type"),
                    "query".equals(v.get("type")) ? text : "",
                    (String) v.get("allValue"),
                    v.get("datasource")));
        }
        return variables;
    }

    /** The selector and label of a {@code label_values(selector, label)} variable query. */
    static String[] labelValues(String query) {
        Matcher m = LABEL_VALUES.matcher(query);
        if (!m.matches()) {
            throw new IllegalArgumentException("not label_values(selector, label): " + query);
        }
        return new String[] {m.group(1), m.group(2)};
    }

    /**
     * {@code expr} with the variables in {@code values} replaced (values as Grafana writes them into a query) and
     * Grafana's durations replaced by one minute; fails when a variable is left.
     */
    static String interpolate(String expr, Map<String, String> values) {
        String result = expr;
        for (String duration : DURATIONS) {
            result = result.replace(duration, "1m");
        }
        // Longest names first, so that $loop does not replace the start of a $loops.
        List<String> names = values.keySet().stream()
                .sorted(Comparator.comparingInt(String::length).reversed())
                .toList();
        for (String name : names) {
            result = result.replace("${" + name + "}", values.get(name)).replace("$" + name, values.get(name));
        }
        if (result.contains("$")) {
            throw new IllegalArgumentException("a variable the dashboard does not define: " + expr);
        }
        return result;
    }

    /**
     * How Grafana writes several selected values of a multi-value variable into a Prometheus regex matcher: each
     * value regex-escaped (the backslash doubled, for the PromQL string), joined by {@code |}, in parentheses.
     */
    static String regexOf(List<String> values) {
        StringBuilder out = new StringBuilder("(");
        for (String value : values) {
            if (out.length() > 1) {
                out.append('|');
            }
            for (char c : value.toCharArray()) {
                if ("\\^$.|?*+()[]{}".indexOf(c) >= 0) {
                    out.append("\\\\");
                }
                out.append(c);
            }
        }
        return out.append(')').toString();
    }
}
