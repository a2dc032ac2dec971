package dev.ioloop.boot.metrics;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Just enough PromQL to read a dashboard's queries: the vector selectors of an expression (metric name and label
 * matchers) and the names it calls as functions or aggregations. It skips what cannot name a series (numbers,
 * string arguments, {@code [5m]} ranges, the label lists of {@code by}, {@code without}, {@code on} and
 * {@code ignoring}) and rejects unbalanced parentheses, a selector without a metric name, and string escapes that
 * PromQL rejects; it checks nothing else of the grammar.
 */
final class PromQl {

    /** Keywords followed by a parenthesised list of label names, which are not metric names. */
    private static final Set<String> LABEL_LISTS =
            Set.of("by", "without", "on", "ignoring", "group_left", "group_right");

    private static final Set<String> OPERATORS = Set.of("and", "or", "unless", "bool", "offset", "atan2");

    /** Aggregation operators: functions, though {@code by (...)} may stand between the name and its argument. */
    private static final Set<String> AGGREGATIONS = Set.of(
            "sum",
            "min",
            "max",
            "avg",
            "group",
            "stddev",
            "stdvar",
            "count",
            "count_values",
            "bottomk",
            "topk",
            "quantile");

    private PromQl() {}

    /** One label matcher of a selector: {@code label op "value"}. */
    record Matcher(String label, String op, String value) {

        /** Whether a series whose label has {@code actual} (null when it has no such label) matches. */
        boolean matches(@Nullable String actual) {
            String v = actual == null ? "" : actual; // PromQL: a missing label matches as the empty string
            return switch (op) {
                case "=" -> v.equals(value);
                case "!=" -> !v.equals(value);
                case "=~" -> Pattern.compile(value).matcher(v).matches(); // anchored, as in PromQL
                case "!~" -> !Pattern.compile(value).matcher(v).matches();
                default -> throw new IllegalStateException("unknown matcher: " + op);
            };
        }
    }

    /** A vector selector: a metric name and its label matchers. */
    record Selector(String metric, List<Matcher> matchers) {

        /** Whether the series {@code name{labels}} is one this selector selects. */
        boolean matches(String name, Map<String, String> labels) {
            return metric.equals(name) && matchers.stream().allMatch(m -> m.matches(labels.get(m.label())));
        }

        @Override
        public String toString() {
            return metric + matchers;
        }
    }

    /** The selectors of an expression, in order, and the names it calls. */
    record Expression(List<Selector> selectors, Set<String> functions) {}

    /** Reads {@code expr}, which must have no dashboard variables left in it. */
    static Expression parse(String expr) {
        List<Selector> selectors = new ArrayList<>();
        Set<String> functions = new LinkedHashSet<>();
        int depth = 0;
        int i = 0;
        while (i < expr.length()) {
            char c = expr.charAt(i);
            if (Character.isLetter(c) || c == '_' || c == ':') {
                int end = identifierEnd(expr, i);
                String word = expr.substring(i, end);
                int next = skipSpaces(expr, end);
                boolean call = next < expr.length() && expr.charAt(next) == '(';
                if (LABEL_LISTS.contains(word)) {
                    i = call ? closing(expr, next, '(', ')') + 1 : end;
                } else if (OPERATORS.contains(word)) {
                    i = end;
                } else if (call || AGGREGATIONS.contains(word)) {
                    functions.add(word);
                    i = end;
                } else if (next < expr.length() && expr.charAt(next) == '{') {
                    List<Matcher> matchers = new ArrayList<>();
                    i = matchers(expr, next + 1, matchers);
                    selectors.add(new Selector(word, List.copyOf(matchers)));
                } else {
                    selectors.add(new Selector(word, List.of()));
                    i = end;
                }
            } else if (Character.isDigit(c) || c == '.') {
                while (i < expr.length() && (Character.isLetterOrDigit(expr.charAt(i)) || expr.charAt(i) == '.')) {
                    i++;
                }
            } else if (c == '[') {
                i = closing(expr, i, '[', ']') + 1; // a range or subquery: durations only
            } else if (c == '"' || c == '\'' || c == '`') {
                i = string(expr, i, new StringBuilder());
            } else if (c == '{') {
                throw new IllegalArgumentException("a selector without a metric name at " + i + ": " + expr);
            } else {
                depth += c == '(' ? 1 : c == ')' ? -1 : 0;
                if (depth < 0) {
                    throw new IllegalArgumentException("unbalanced ')' at " + i + ": " + expr);
                }
                i++;
            }
        }
        if (depth != 0) {
            throw new IllegalArgumentException("unbalanced '(': " + expr);
        }
        return new Expression(List.copyOf(selectors), Set.copyOf(functions));
    }

    /** Reads matchers from {@code at} (after the '{') up to and including the '}'; returns the index after it. */
    private static int matchers(String expr, int at, List<Matcher> into) {
        int i = at;
        while (true) {
            i = skipSpaces(expr, i);
            if (i < expr.length() && expr.charAt(i) == ',') {
                i = skipSpaces(expr, i + 1);
            }
            if (i >= expr.length()) {
                throw new IllegalArgumentException("unclosed '{': " + expr);
            }
            if (expr.charAt(i) == '}') {
                return i + 1;
            }
            int labelEnd = identifierEnd(expr, i);
            if (labelEnd == i) {
                throw new IllegalArgumentException("a label name expected at " + i + ": " + expr);
            }
            String label = expr.substring(i, labelEnd);
            i = skipSpaces(expr, labelEnd);
            String op = expr.startsWith("=~", i) || expr.startsWith("!~", i) || expr.startsWith("!=", i)
                    ? expr.substring(i, i + 2)
                    : expr.startsWith("=", i) ? "=" : null;
            if (op == null) {
                throw new IllegalArgumentException("a matcher expected at " + i + ": " + expr);
            }
            i = skipSpaces(expr, i + op.length());
            StringBuilder value = new StringBuilder();
            i = string(expr, i, value);
            into.add(new Matcher(label, op, value.toString()));
        }
    }

    /** Reads the string literal at {@code at} into {@code value}; returns the index after its closing quote. */
    private static int string(String expr, int at, StringBuilder value) {
        char quote = expr.charAt(at);
        if (quote != '"' && quote != '\'' && quote != '`') {
            throw new IllegalArgumentException("a string expected at " + at + ": " + expr);
        }
        for (int i = at + 1; i < expr.length(); i++) {
            char c = expr.charAt(i);
            if (c == quote) {
                return i + 1;
            }
            if (c == '\\' && quote != '`') {
                char escaped = i + 1 < expr.length() ? expr.charAt(++i) : ' ';
                switch (escaped) {
                    case '\\', '"', '\'' -> value.append(escaped);
                    case 'n' -> value.append('\n');
                    case 't' -> value.append('\t');
                    default ->
                        throw new IllegalArgumentException(
                                "PromQL rejects the escape \\" + escaped + " at " + i + ": " + expr);
                }
            } else {
                value.append(c);
            }
        }
        throw new IllegalArgumentException("unclosed string at " + at + ": " + expr);
    }

    private static int closing(String expr, int at, char open, char close) {
        int depth = 0;
        for (int i = at; i < expr.length(); i++) {
            depth += expr.charAt(i) == open ? 1 : expr.charAt(i) == close ? -1 : 0;
            if (depth == 0) {
                return i;
            }
        }
        throw new IllegalArgumentException("unclosed '" + open + "' at " + at + ": " + expr);
    }

    private static int identifierEnd(String expr, int at) {
        int i = at;
        while (i < expr.length() && (Character.isLetterOrDigit(expr.charAt(i)) || "_:".indexOf(expr.charAt(i)) >= 0)) {
            i++;
        }
        return i;
    }

    private static int skipSpaces(String expr, int at) {
        int i = at;
        while (i < expr.length() && Character.isWhitespace(expr.charAt(i))) {
            i++;
        }
        return i;
    }
}
