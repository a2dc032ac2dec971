package dev.ioloop.boot.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import dev.ioloop.boot.metrics.PromQl.Matcher;
import dev.ioloop.boot.metrics.PromQl.Selector;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The PromQL reader the dashboard test relies on: what it takes for a metric name, and what it does not. */
class PromQlTests {

    @Test
    void aggregationsFunctionsAndLabelListsAreNotMetrics() {
        PromQl.Expression expr = PromQl.parse("histogram_quantile(0.99, sum by (instance, le) "
                + "(rate(a_bucket{loop=~\"x|y\"}[1m]))) / on (instance) group_left max without (le) (b_max)");
        assertThat(expr.selectors())
                .containsExactly(
                        new Selector("a_bucket", List.of(new Matcher("loop", "=~", "x|y"))),
                        new Selector("b_max", List.of()));
        assertThat(expr.functions()).containsExactlyInAnyOrder("histogram_quantile", "sum", "rate", "max");
    }

    @Test
    void matchersReadEveryOperatorAndEscape() {
        Selector selector = PromQl.parse("m{a=\"1\", b != 'x', c=~\"p\\\\.q\",d!~\"\"}")
                .selectors()
                .get(0);
        assertThat(selector.matchers())
                .containsExactly(
                        new Matcher("a", "=", "1"),
                        new Matcher("b", "!=", "x"),
                        new Matcher("c", "=~", "p\\.q"),
                        new Matcher("d", "!~", ""));
        assertThat(selector.matches("m", Map.of("a", "1", "c", "p.q", "d", "z")))
                .isTrue();
        assertThat(selector.matches("m", Map.of("a", "1", "c", "pxq", "d", "z")))
                .as("the escaped dot")
                .isFalse();
        assertThat(selector.matches("m", Map.of("a", "1", "b", "x", "c", "p.q", "d", "z")))
                .isFalse();
        assertThat(selector.matches("m", Map.of("a", "1", "c", "p.q")))
                .as("a missing label is the empty string")
                .isFalse();
    }

    @Test
    void regexMatchersAreAnchored() {
        Selector selector = PromQl.parse("m{loop=~\"ioloop\"}").selectors().get(0);
        assertThat(selector.matches("m", Map.of("loop", "ioloop"))).isTrue();
        assertThat(selector.matches("m", Map.of("loop", "ioloop-1"))).isFalse();
    }

    @Test
    void rejectsWhatPromQlRejects() {
        assertThatIllegalArgumentException().isThrownBy(() -> PromQl.parse("rate(m[1m]"));
        assertThatIllegalArgumentException().isThrownBy(() -> PromQl.parse("sum(m))"));
        assertThatIllegalArgumentException().isThrownBy(() -> PromQl.parse("{loop=\"x\"}"));
        assertThatIllegalArgumentException().isThrownBy(() -> PromQl.parse("m{loop=~\"a\\.b\"}"));
        assertThatIllegalArgumentException().isThrownBy(() -> PromQl.parse("m{loop}"));
    }

    @Test
    void grafanaWritesSelectedValuesAsAnEscapedAlternation() {
        String regex = GrafanaDashboard.regexOf(List.of("ioloop-0", "10.0.0.1:8080"));
        assertThat(regex).isEqualTo("(ioloop-0|10\\\\.0\\\\.0\\\\.1:8080)");
        Selector selector =
                PromQl.parse("m{instance=~\"" + regex + "\"}").selectors().get(0);
        assertThat(selector.matches("m", Map.of("instance", "10.0.0.1:8080"))).isTrue();
        assertThat(selector.matches("m", Map.of("instance", "10x0.0.1:8080"))).isFalse();
    }
}
