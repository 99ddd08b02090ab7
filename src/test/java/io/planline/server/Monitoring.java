package io.planline.server;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.openshift.api.model.monitoring.v1.PrometheusRule;
import io.fabric8.openshift.api.model.monitoring.v1.Rule;
import io.fabric8.openshift.api.model.monitoring.v1.RuleGroup;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The PromQL of {@code k8s/monitoring/}: every query of the Grafana dashboard (panel targets and
 * variable queries) and every alert rule's expression, each keyed by where it is written.
 */
final class Monitoring {

  static final Path DIR = K8sManifests.ROOT.resolve("monitoring");
  static final Path DASHBOARD = DIR.resolve("planline-dashboard.json");
  static final Path RULES = DIR.resolve("prometheusrule.yaml");

  /**
   * Series Prometheus makes itself for every target rather than scraping them, so they are in
   * no exposition: {@code up} (did the scrape succeed).
   */
  static final Set<String> SYNTHETIC = Set.of("up");

  private Monitoring() {}

  static JsonNode dashboard() throws IOException {
    return Http.JSON.readTree(Files.readString(DASHBOARD));
  }

  static PrometheusRule rules() throws IOException {
    return (PrometheusRule) K8sManifests.parse(RULES.toString(), Files.readString(RULES)).get(0);
  }

  /** Every panel, with the panels of rows in their place. */
  static List<JsonNode> panels(JsonNode dashboard) {
    List<JsonNode> out = new ArrayList<>();
    for (JsonNode p : dashboard.path("panels")) {
      out.add(p);
      p.path("panels").forEach(out::add);
    }
    return out;
  }

  /** The dashboard's queries by "panel 'title' target X" / "variable name". */
  static Map<String, String> dashboardQueries(JsonNode dashboard) {
    Map<String, String> out = new LinkedHashMap<>();
    for (JsonNode p : panels(dashboard)) {
      for (JsonNode t : p.path("targets")) {
        out.put("panel '" + p.path("title").asText() + "' target " + t.path("refId").asText(),
            t.path("expr").asText());
      }
    }
    for (JsonNode v : dashboard.path("templating").path("list")) {
      if (v.path("type").asText().equals("query")) {
        JsonNode q = v.path("query");
        String query = q.isTextual() ? q.asText() : q.path("query").asText();
        out.put("variable " + v.path("name").asText(), PromQlNames.variableSelector(query));
      }
    }
    return out;
  }

  /** The rules' expressions by "alert NAME" or "record NAME". */
  static Map<String, String> ruleQueries(PrometheusRule rule) {
    Map<String, String> out = new LinkedHashMap<>();
    for (RuleGroup g : rule.getSpec().getGroups()) {
      for (Rule r : g.getRules()) {
        String name = r.getAlert() != null ? "alert " + r.getAlert() : "record " + r.getRecord();
        out.put(name, r.getExpr().getStrVal() != null ? r.getExpr().getStrVal()
            : String.valueOf(r.getExpr().getIntVal()));
      }
    }
    return out;
  }

  /** "where: name" for every metric a query reads that {@code exposed} lacks. */
  static List<String> missing(Map<String, String> queries, Set<String> exposed) {
    List<String> out = new ArrayList<>();
    queries.forEach((where, expr) -> {
      for (String name : PromQlNames.of(expr)) {
        if (!exposed.contains(name) && !SYNTHETIC.contains(name)) {
          out.add(where + ": " + name);
        }
      }
    });
    return out;
  }
}
