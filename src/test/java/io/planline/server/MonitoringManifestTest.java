package io.planline.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.openshift.api.model.monitoring.v1.PrometheusRule;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/**
 * {@code k8s/monitoring/} without a server: the PrometheusRule parses strictly and is selected
 * by kube-prometheus-stack, {@code promtool check rules} accepts its groups and every dashboard
 * query (as recording rules, Grafana's variables given values), the dashboard's structure is one
 * Grafana loads, and the PromQL name extraction the live-scrape test relies on is right.
 */
final class MonitoringManifestTest {

  @Test
  void rules_parseStrictly_labelledForKubePrometheusStack() throws Exception {
    PrometheusRule rule = Monitoring.rules();
    assertEquals("kube-prometheus-stack", rule.getMetadata().getLabels().get("release"));
    rule.getSpec().getGroups().forEach(g -> g.getRules().forEach(r -> {
      assertTrue(r.getLabels().containsKey("severity"), r.getAlert() + " has no severity");
      assertTrue(r.getAnnotations().containsKey("summary"), r.getAlert() + " has no summary");
    }));
  }

  @Test
  void promtool_checksTheRulesAndEveryDashboardQuery() throws Exception {
    Path promtool = Arrays.stream(System.getenv().getOrDefault("PATH", "").split(":"))
        .map(dir -> Path.of(dir, "promtool")).filter(Files::isExecutable).findFirst().orElse(null);
    Assumptions.assumeTrue(promtool != null, "promtool is not installed (apt-get install"
        + " prometheus; .ci/run installs it)");
    Path dir = Files.createDirectories(Path.of("target", "monitoring-check"));
    @SuppressWarnings("unchecked") // the manifest is a mapping with a spec mapping
    Map<String, Object> spec = (Map<String, Object>) new Yaml()
        .<Map<String, Object>>load(Files.readString(Monitoring.RULES)).get("spec");
    Path rules = dir.resolve("prometheusrule-spec.yml");
    Files.writeString(rules, new Yaml().dump(spec));
    promtool(promtool, rules);
    List<Map<String, Object>> records = new ArrayList<>();
    int i = 0;
    for (String expr : Monitoring.dashboardQueries(Monitoring.dashboard()).values()) {
      // Grafana fills these in before Prometheus sees the query
      String promql = expr.replace("$__rate_interval", "1m").replace("$__interval", "1m")
          .replaceAll("\\$\\{?\\w+}?", ".*");
      Map<String, Object> record = new LinkedHashMap<>();
      record.put("record", "planline:dashboard_query_" + i++);
      record.put("expr", promql);
      records.add(record);
    }
    Path queries = dir.resolve("dashboard-queries.yml");
    Files.writeString(queries, new Yaml().dump(Map.of("groups",
        List.of(Map.of("name", "dashboard", "rules", records)))));
    promtool(promtool, queries);
  }

  private static void promtool(Path promtool, Path file) throws Exception {
    Process p = new ProcessBuilder(promtool.toString(), "check", "rules", file.toString())
        .redirectErrorStream(true).start();
    try (OutputStream ignored = p.getOutputStream()) {
      // no input
    }
    String report = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(0, p.waitFor(), "promtool check rules " + file + ":\n" + report);
  }

  @Test
  void dashboard_panelsHaveIdsPlacesAndTheDatasourceVariable() throws Exception {
    JsonNode dash = Monitoring.dashboard();
    assertFalse(dash.path("uid").asText().isEmpty(), "uid");
    Set<Integer> ids = new HashSet<>();
    for (JsonNode p : Monitoring.panels(dash)) {
      String title = p.path("title").asText();
      assertTrue(ids.add(p.path("id").asInt()), "panel id repeated: " + title);
      for (String g : List.of("x", "y", "w", "h")) {
        assertTrue(p.path("gridPos").path(g).isInt(), title + ": gridPos." + g);
      }
      if (!p.path("type").asText().equals("row")) {
        assertEquals("${datasource}", p.path("datasource").path("uid").asText(), title);
        assertFalse(p.path("targets").isEmpty(), title + " has no query");
      }
    }
    Set<String> variables = new HashSet<>();
    dash.path("templating").path("list").forEach(v -> variables.add(v.path("name").asText()));
    assertTrue(variables.containsAll(Set.of("datasource", "namespace", "model")), variables
        .toString());
  }

  @Test
  void kustomized_dashboardConfigMapForGrafanasSidecar_andTheRule() throws Exception {
    Path kubectl = K8sManifests.kubectl();
    Assumptions.assumeTrue(kubectl != null, "kubectl is not installed");
    var rendered = K8sManifests.render(kubectl, Monitoring.DIR);
    var cm = rendered.stream().filter(ConfigMap.class::isInstance).map(ConfigMap.class::cast)
        .findFirst().orElseThrow(() -> new AssertionError("no dashboard ConfigMap"));
    // kube-prometheus-stack's Grafana sidecar loads ConfigMaps with this label by default
    assertEquals("1", cm.getMetadata().getLabels().get("grafana_dashboard"));
    assertEquals(Monitoring.dashboard(), Http.JSON.readTree(cm.getData()
        .get(Monitoring.DASHBOARD.getFileName().toString())));
    assertTrue(rendered.stream().anyMatch(PrometheusRule.class::isInstance), "no PrometheusRule");
  }

  @Test
  void promQlNames_stripFunctionsMatchersRangesAndLabelLists() {
    assertEquals(Set.of("planline_requests_total", "b_total"), PromQlNames.of(
        "sum by (model, outcome) (rate(planline_requests_total{outcome=~\"fail|x{1}\","
            + " model=\"$model\"}[$__rate_interval])) / on(model) group_left(pod)"
            + " max without (le) (b_total offset 5m) > bool 1e3 and inf"));
    assertEquals(Set.of("h_bucket"), PromQlNames.of(
        "histogram_quantile(0.99, sum by (le) (rate(h_bucket[5m:1m] @ end())))"));
    assertEquals(Set.of("up"), PromQlNames.of("up{job=~\"planline-.*\"} == 0"));
    assertEquals("m_total{a=\"b\"}",
        PromQlNames.variableSelector("label_values(m_total{a=\"b\"}, model)"));
  }

  @Test
  void promQlNames_unbalancedBraces_refused() {
    var e = assertThrows(IllegalArgumentException.class, () -> PromQlNames.of("rate(x{a=\"b\"[5m])"));
    assertTrue(e.getMessage().startsWith("unbalanced {} in PromQL"), e.getMessage());
  }
}
