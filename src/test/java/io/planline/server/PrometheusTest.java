package io.planline.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micronaut.runtime.server.EmbeddedServer;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.planline.metrics.BuildInfo;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.OutputStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code /prometheus} through a real HTTP client after some traffic: every metric the issue names
 * is there with exactly its labels, and {@code promtool check metrics} accepts the exposition.
 * The memory, plan and kernel series are fed by the runtime; the request and refusal series by
 * the HTTP layer.
 */
@MicronautTest
final class PrometheusTest {

  /** Metric name, then its label names, as issue 5 lists them. */
  static final List<List<String>> REQUIRED = List.of(
      List.of("planline_memory_in_use_bytes", "device"),
      List.of("planline_memory_peak_bytes", "device"),
      List.of("planline_memory_weights_bytes", "model", "device"),
      List.of("planline_memory_planned_bytes", "model", "planner"),
      List.of("planline_memory_lower_bound_bytes", "model"),
      List.of("planline_memory_events_total", "device", "kind"),
      List.of("planline_requests_total", "model", "version", "outcome"),
      List.of("planline_request_duration_seconds_bucket", "model", "version", "le"),
      List.of("planline_request_duration_seconds_count", "model", "version"),
      List.of("planline_request_duration_seconds_sum", "model", "version"),
      List.of("planline_queue_wait_seconds_bucket", "model", "version", "le"),
      List.of("planline_queue_wait_seconds_count", "model", "version"),
      List.of("planline_compute_seconds_bucket", "model", "version", "phase", "le"),
      List.of("planline_compute_seconds_sum", "model", "version", "phase"),
      List.of("planline_executions_total", "model", "version"),
      List.of("planline_queue_depth", "model"),
      List.of("planline_requests_in_flight", "model"),
      List.of("planline_kernels_in_flight", "device", "stream"),
      List.of("planline_admission_refusals_total", "reason"),
      List.of("planline_memory_budget_bytes", "device"),
      List.of("planline_build_info", "version", "backend"));

  private static final Pattern LABEL =
      Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"(?:[^\"\\\\]|\\\\.)*\"");

  @Inject
  EmbeddedServer server;

  Http http;

  @BeforeEach
  void traffic() {
    http = new Http(server);
    assertEquals(200, http.postJson("/v2/models/digits-mlp/infer", "{\"inputs\":[{\"name\":\"x\","
        + "\"shape\":[1,64],\"datatype\":\"FP32\",\"data\":" + InferJsonTest.pixels(64) + "}]}")
        .statusCode());
    assertEquals(400, http.postJson("/v2/models/digits-mlp/infer", "{").statusCode());
  }

  /** Each sample's metric name with its sorted label names ({@code name{a,b}}). */
  static Set<String> series(String exposition) {
    Set<String> out = new HashSet<>();
    for (String line : exposition.split("\n")) {
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      int brace = line.indexOf('{');
      int space = line.indexOf(' ');
      String name = line.substring(0, brace >= 0 && brace < space ? brace : space);
      Set<String> labels = new TreeSet<>();
      if (brace >= 0 && brace < space) {
        Matcher m = LABEL.matcher(line.substring(brace, line.lastIndexOf('}') + 1));
        while (m.find()) {
          labels.add(m.group(1));
        }
      }
      out.add(name + labels);
    }
    return out;
  }

  @Test
  void prometheus_afterTraffic_everyPlanlineMetricWithItsLabels() {
    HttpResponse<byte[]> r = http.get("/prometheus");
    assertEquals(200, r.statusCode());
    assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("text/plain"));
    String text = Http.text(r);
    Set<String> series = series(text);
    for (List<String> want : REQUIRED) {
      String key = want.get(0) + new TreeSet<>(want.subList(1, want.size()));
      assertTrue(series.contains(key), key + " not exposed; planline series: "
          + series.stream().filter(s -> s.startsWith("planline")).sorted().toList());
    }
    assertTrue(text.contains("# TYPE planline_request_duration_seconds histogram"), text);
    assertTrue(text.contains("planline_requests_total{model=\"digits-mlp\",outcome=\"success\","
        + "version=\"1\"}"), text);
    assertTrue(text.contains("planline_memory_events_total{device=\"cpu\",kind=\"allocate\"}"));
    // The configured budget (application.yml's default), so in-use ÷ budget needs no constant.
    assertTrue(text.contains("planline_memory_budget_bytes{device=\"cpu\"} 1.073741824E9"),
        text);
    assertTrue(text.contains("planline_build_info{backend=\"cpu\",version=\""
        + BuildInfo.version() + "\"} 1"), text);
  }

  @Test
  void prometheus_exposition_passesPromtoolCheckMetrics() throws Exception {
    Path promtool = Arrays.stream(System.getenv().getOrDefault("PATH", "").split(":"))
        .map(dir -> Path.of(dir, "promtool")).filter(Files::isExecutable).findFirst().orElse(null);
    Assumptions.assumeTrue(promtool != null, "promtool is not installed, so the exposition is not"
        + " linted (apt-get install prometheus; .ci/run installs it)");
    byte[] exposition = http.get("/prometheus").body();
    // Kept for whoever reads a failure report.
    Files.write(Path.of("target", "prometheus-exposition.txt"), exposition);
    Process p = new ProcessBuilder(promtool.toString(), "check", "metrics")
        .redirectErrorStream(true).start();
    try (OutputStream in = p.getOutputStream()) {
      in.write(exposition);
    }
    String report = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(0, p.waitFor(), "promtool check metrics (input kept in"
        + " target/prometheus-exposition.txt):\n" + report);
  }

  @Test
  void series_parsesNamesAndLabels() throws IOException {
    Set<String> s = series("# HELP a x\na_total{k=\"v,w\",j=\"q\\\"\"} 1.0\nb 2\n");
    assertEquals(Set.of("a_total[j, k]", "b[]"), s);
  }
}
