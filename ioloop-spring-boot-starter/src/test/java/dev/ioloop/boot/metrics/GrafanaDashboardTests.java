package dev.ioloop.boot.metrics;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ioloop.IOLoop;
import dev.ioloop.IOLoopGroup;
import dev.ioloop.boot.metrics.GrafanaDashboard.Query;
import dev.ioloop.boot.metrics.GrafanaDashboard.Variable;
import dev.ioloop.boot.metrics.PromQl.Selector;
import dev.ioloop.boot.sample.EchoServer;
import dev.ioloop.boot.streams.UpperCaseLineServer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Import;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.web.client.RestClient;

/**
 * The Grafana dashboard {@code dashboards/ioloop-grafana.json} against a real scrape: an application on the starter
 * with two loops, an {@code FdHandler} and a {@code StreamHandler} bean served real clients, and
 * {@code /actuator/prometheus} read over HTTP as a Prometheus server reads it. Every variable query finds values,
 * every panel query selects series, and every {@code ioloop_*} series is charted by some panel, so a meter added
 * to the starter fails here until the dashboard shows it.
 */
@SpringBootTest(
        classes = GrafanaDashboardTests.DashboardApplication.class,
        webEnvironment = WebEnvironment.RANDOM_PORT,
        properties = {
            "management.endpoints.web.exposure.include=prometheus",
            // As the starter's README asks for the dashboard's latency percentiles.
            "management.metrics.distribution.percentiles-histogram.ioloop.latency=true",
            "ioloop.loops=2"
        })
@DirtiesContext
@Timeout(60)
class GrafanaDashboardTests {

    static final Path DASHBOARD = Path.of("dashboards/ioloop-grafana.json");

    /** The Accept header of a Prometheus 2 server's scrape: OpenMetrics first. */
    private static final String PROMETHEUS_ACCEPT = "application/openmetrics-text;version=1.0.0,"
            + "application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";

    /** The PromQL functions and aggregations a query may call. */
    private static final Set<String> FUNCTIONS = Set.of(
            "rate",
            "irate",
            "increase",
            "delta",
            "histogram_quantile",
            "sum",
            "max",
            "min",
            "avg",
            "count",
            "clamp_min",
            "clamp_max",
            "max_over_time",
            "min_over_time",
            "avg_over_time",
            "topk",
            "bottomk");

    /** An application on the starter with an {@code FdHandler} ("echo") and a {@code StreamHandler} ("upper"). */
    @SpringBootConfiguration
    @EnableAutoConfiguration
    @Import({EchoServer.class, UpperCaseLineServer.class})
    static class DashboardApplication {}

    @LocalServerPort
    private int httpPort;

    @Value("${local.ioloop.echo.port}")
    private int echoPort;

    @Value("${local.ioloop.upper.port}")
    private int upperPort;

    @Autowired
    private IOLoopGroup loops;

    private final GrafanaDashboard dashboard = GrafanaDashboard.read(DASHBOARD);

    GrafanaDashboardTests() throws IOException {}

    @Test
    void everyPanelAndVariableQueriesThroughTheDataSourceVariable() {
        Map<String, Object> prometheus = Map.of("type", "prometheus", "uid", "${DS_PROMETHEUS}");
        assertThat(dashboard.variables())
                .filteredOn(v -> v.type().equals("datasource"))
                .singleElement()
                .satisfies(v -> assertThat(v.name()).isEqualTo("DS_PROMETHEUS"));
        assertThat(dashboard.variables())
                .filteredOn(v -> v.type().equals("query"))
                .allSatisfy(v -> assertThat(v.datasource()).isEqualTo(prometheus))
                .extracting(Variable::name)
                .contains("loop");
        assertThat(dashboard.panels())
                .allSatisfy(p -> assertThat(p.get("datasource"))
                        .as("panel %s", p.get("title"))
                        .isEqualTo(prometheus));
        assertThat(dashboard.queries())
                .isNotEmpty()
                .allSatisfy(q -> assertThat(q.datasource())
                        .as("%s %s", q.panel(), q.refId())
                        .isEqualTo(prometheus));
    }

    @Test
    void everyVariableQueryFindsValuesInARealScrape() throws IOException {
        Map<String, List<String>> values = variableValues(scrapeAfterRealWork());
        assertThat(values.get("loop"))
                .containsExactlyInAnyOrderElementsOf(
                        loops.loops().stream().map(IOLoop::name).toList());
        assertThat(values.get("handler")).containsExactlyInAnyOrder("echo", "upper");
        assertThat(values.get("instance")).containsExactly("localhost:" + httpPort);
    }

    @Test
    void everyPanelQuerySelectsSeriesOfARealScrape() throws IOException {
        PrometheusScrape scrape = scrapeAfterRealWork();
        Map<String, List<String>> values = variableValues(scrape);
        Map<String, String> allSelected = new LinkedHashMap<>(); // "All": the variable's allValue
        Map<String, String> eachSelected = new LinkedHashMap<>(); // every value ticked: a regex of them
        for (Variable v : queryVariables()) {
            allSelected.put(
                    v.name(), v.allValue() != null ? v.allValue() : GrafanaDashboard.regexOf(values.get(v.name())));
            eachSelected.put(v.name(), GrafanaDashboard.regexOf(values.get(v.name())));
        }
        for (Map<String, String> selection : List.of(allSelected, eachSelected)) {
            for (Query query : dashboard.queries()) {
                PromQl.Expression expr = PromQl.parse(GrafanaDashboard.interpolate(query.expr(), selection));
                assertThat(expr.selectors())
                        .as("%s %s", query.panel(), query.refId())
                        .isNotEmpty();
                assertThat(FUNCTIONS).as("%s %s", query.panel(), query.refId()).containsAll(expr.functions());
                for (Selector selector : expr.selectors()) {
                    assertThat(scrape.select(selector))
                            .as("%s %s selects nothing: %s", query.panel(), query.refId(), selector)
                            .isNotEmpty();
                }
            }
        }
    }

    @Test
    void everyIoloopSeriesOfTheScrapeIsChartedByAPanel() throws IOException {
        PrometheusScrape scrape = scrapeAfterRealWork();
        Map<String, String> any = new LinkedHashMap<>();
        queryVariables().forEach(v -> any.put(v.name(), ".*"));
        Set<String> charted = new TreeSet<>();
        for (Query query : dashboard.queries()) {
            PromQl.parse(GrafanaDashboard.interpolate(query.expr(), any)).selectors().stream()
                    .map(Selector::metric)
                    .forEach(charted::add);
        }
        Set<String> published = scrape.names("ioloop_");
        // Every meter of the binders, each with its Prometheus name (units and _total appended, a histogram's series).
        assertThat(published).hasSizeGreaterThanOrEqualTo(19);
        assertThat(charted).containsAll(published);
    }

    private List<Variable> queryVariables() {
        return dashboard.variables().stream()
                .filter(v -> v.type().equals("query"))
                .toList();
    }

    /** Each query variable's values, in the dashboard's order, each query seeing the earlier ones all ticked. */
    private Map<String, List<String>> variableValues(PrometheusScrape scrape) {
        Map<String, List<String>> values = new LinkedHashMap<>();
        Map<String, String> selected = new LinkedHashMap<>();
        for (Variable v : queryVariables()) {
            String[] labelValues = GrafanaDashboard.labelValues(GrafanaDashboard.interpolate(v.query(), selected));
            List<Selector> selectors = PromQl.parse(labelValues[0]).selectors();
            assertThat(selectors).as(v.name()).hasSize(1);
            List<String> found = scrape.select(selectors.get(0)).stream()
                    .map(s -> s.labels().get(labelValues[1]))
                    .filter(value -> value != null)
                    .distinct()
                    .sorted()
                    .toList();
            assertThat(found).as("values of $%s", v.name()).isNotEmpty();
            values.put(v.name(), found);
            selected.put(v.name(), GrafanaDashboard.regexOf(found));
        }
        return values;
    }

    /**
     * Serves an echo client and a line client, then scrapes until the scrape shows their work: handler calls of
     * both beans, the line's bytes, an open stream, latency samples.
     */
    private PrometheusScrape scrapeAfterRealWork() throws IOException {
        RestClient http = RestClient.create("http://localhost:" + httpPort);
        try (Socket echo = new Socket(InetAddress.getLoopbackAddress(), echoPort);
                Socket line = new Socket(InetAddress.getLoopbackAddress(), upperPort)) {
            echo.getOutputStream().write("ping".getBytes(US_ASCII));
            assertThat(new String(echo.getInputStream().readNBytes(4), US_ASCII))
                    .isEqualTo("ping");
            line.getOutputStream().write("hello\n".getBytes(US_ASCII));
            assertThat(new BufferedReader(new InputStreamReader(line.getInputStream(), US_ASCII)).readLine())
                    .isEqualTo("HELLO");
            Function<String, Selector> series =
                    name -> PromQl.parse(name).selectors().get(0);
            return await().atMost(Duration.ofSeconds(10))
                    .until(
                            () -> PrometheusScrape.parse(
                                    http.get()
                                            .uri("/actuator/prometheus")
                                            .header("Accept", PROMETHEUS_ACCEPT)
                                            .retrieve()
                                            .body(String.class),
                                    Map.of("job", "ioloop", "instance", "localhost:" + httpPort)),
                            s -> s.sum(series.apply("ioloop_handler_calls_total{handler=\"echo\"}")) >= 1
                                    && s.sum(series.apply("ioloop_handler_calls_total{handler=\"upper\"}")) >= 1
                                    && s.sum(series.apply("ioloop_streams_bytes_read_bytes_total")) >= 6
                                    && s.sum(series.apply("ioloop_streams_open")) >= 1
                                    && s.sum(series.apply("ioloop_latency_seconds_count")) >= 1);
        }
    }
}
