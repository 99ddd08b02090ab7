package io.planline.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micronaut.runtime.server.EmbeddedServer;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import jakarta.inject.Inject;
import java.net.http.HttpResponse;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Every metric the Grafana dashboard and the alert rules of {@code k8s/monitoring/} query is in
 * a live scrape of the server: the server is started, a few real requests (a success, a bad
 * request, an unknown model) go through a real HTTP client, and {@code /prometheus} is read. A
 * renamed or removed metric fails here instead of leaving an empty panel or a silent alert.
 */
@MicronautTest
final class MonitoringMetricsTest {

  @Inject
  EmbeddedServer server;

  Set<String> exposed;

  @BeforeEach
  void trafficThenScrape() {
    Http http = new Http(server);
    assertEquals(200, http.postJson("/v2/models/digits-mlp/infer", "{\"inputs\":[{\"name\":\"x\","
        + "\"shape\":[1,64],\"datatype\":\"FP32\",\"data\":" + InferJsonTest.pixels(64) + "}]}")
        .statusCode());
    assertEquals(400, http.postJson("/v2/models/digits-mlp/infer", "{").statusCode());
    assertEquals(404, http.postJson("/v2/models/no-such-model/infer", "{\"inputs\":[]}")
        .statusCode());
    HttpResponse<byte[]> scrape = http.get("/prometheus");
    assertEquals(200, scrape.statusCode());
    exposed = new HashSet<>();
    for (String series : PrometheusTest.series(Http.text(scrape))) {
      exposed.add(series.substring(0, series.indexOf('[')));
    }
  }

  @Test
  void dashboard_everyQueriedMetricIsScraped() throws Exception {
    Map<String, String> queries = Monitoring.dashboardQueries(Monitoring.dashboard());
    assertTrue(queries.size() >= 10, "dashboard queries: " + queries.keySet());
    assertEquals(List.of(), Monitoring.missing(queries, exposed),
        "scraped planline metrics: " + planline());
  }

  @Test
  void alertRules_everyQueriedMetricIsScraped() throws Exception {
    Map<String, String> queries = Monitoring.ruleQueries(Monitoring.rules());
    assertTrue(queries.size() >= 5, "rules: " + queries.keySet());
    assertEquals(List.of(), Monitoring.missing(queries, exposed),
        "scraped planline metrics: " + planline());
  }

  @Test
  void missing_aMetricNotScraped_namedWithWhereItIsQueried() {
    Map<String, String> queries = Map.of("panel 'Budget' target A",
        "planline_memory_in_use_bytes / planline_memory_budget_bytes_typo");
    assertEquals(List.of("panel 'Budget' target A: planline_memory_budget_bytes_typo"),
        Monitoring.missing(queries, exposed));
  }

  @Test
  void dashboardAndRules_coverTheIssuesPanels() throws Exception {
    Set<String> read = new TreeSet<>();
    Monitoring.dashboardQueries(Monitoring.dashboard()).values()
        .forEach(q -> read.addAll(PromQlNames.of(q)));
    // rate by outcome, latency percentiles, queue depth, refusals by reason, memory in use,
    // planned against lower bound
    for (String metric : List.of("planline_requests_total",
        "planline_request_duration_seconds_bucket", "planline_queue_depth",
        "planline_admission_refusals_total", "planline_memory_in_use_bytes",
        "planline_memory_planned_bytes", "planline_memory_lower_bound_bytes")) {
      assertTrue(read.contains(metric), "the dashboard does not query " + metric + ": " + read);
    }
  }

  private Set<String> planline() {
    Set<String> out = new TreeSet<>();
    exposed.stream().filter(n -> n.startsWith("planline_")).forEach(out::add);
    return out;
  }
}
