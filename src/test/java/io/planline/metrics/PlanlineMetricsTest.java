package io.planline.metrics;

import io.planline.exec.MemoryEvent;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.planline.exec.RequestTimes;
import io.planline.ir.Device;
import org.junit.jupiter.api.Test;

/** The meters' Prometheus names, units and bookkeeping, on a registry of its own. */
final class PlanlineMetricsTest {

  private final PrometheusMeterRegistry registry =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final PlanlineMetrics metrics = new PlanlineMetrics(registry);

  private double sample(String series) {
    return registry.scrape().lines().filter(l -> l.startsWith(series + " "))
        .mapToDouble(l -> Double.parseDouble(l.substring(series.length() + 1))).findFirst()
        .orElseThrow(() -> new AssertionError(series + " not in\n" + registry.scrape()));
  }

  @Test
  void addInUse_allocateThenFree_returnsToZeroAndKeepsPeak() {
    metrics.addInUse(Device.CPU, 1000);
    metrics.addInUse(Device.CPU, 500);
    metrics.addInUse(Device.CPU, -1500);
    assertEquals(0, sample("planline_memory_in_use_bytes{device=\"cpu\"}"));
    assertEquals(1500, sample("planline_memory_peak_bytes{device=\"cpu\"}"));
  }

  @Test
  void addInUse_releasingMoreThanHeld_throwsNamingDevice() {
    metrics.addInUse(Device.CUDA0, 10);
    var e = assertThrows(IllegalStateException.class, () -> metrics.addInUse(Device.CUDA0, -11));
    assertTrue(e.getMessage().contains("cuda:0"), e.getMessage());
  }

  @Test
  void setInUse_negative_throws() {
    assertThrows(IllegalArgumentException.class, () -> metrics.setInUse(Device.CPU, -1));
  }

  @Test
  void recordMemoryEvent_counts_perDeviceAndKind() {
    metrics.recordMemoryEvent(Device.CPU, MemoryEvent.Kind.ALLOCATE);
    metrics.recordMemoryEvent(Device.CPU, MemoryEvent.Kind.ALLOCATE);
    metrics.recordMemoryEvent(Device.CPU, MemoryEvent.Kind.REUSE);
    assertEquals(2, sample("planline_memory_events_total{device=\"cpu\",kind=\"allocate\"}"));
    assertEquals(1, sample("planline_memory_events_total{device=\"cpu\",kind=\"reuse\"}"));
  }

  @Test
  void planUsed_lastShape_overwritesPlannedAndBound() {
    metrics.planUsed("m", "offset", 4096, 3072);
    metrics.planUsed("m", "offset", 8192, 6144);
    assertEquals(8192, sample("planline_memory_planned_bytes{model=\"m\",planner=\"offset\"}"));
    assertEquals(6144, sample("planline_memory_lower_bound_bytes{model=\"m\"}"));
  }

  @Test
  void requestFinished_recordsCounterAndHistogramInSeconds() {
    metrics.requestFinished("m", PlanlineMetrics.UNKNOWN_VERSION, Outcome.SUCCESS, 3_000_000,
        null);
    metrics.requestFinished("m", PlanlineMetrics.UNKNOWN_VERSION, Outcome.REFUSED, 0, null);
    String m = "model=\"m\",version=\"unknown\"";
    assertEquals(1, sample("planline_requests_total{model=\"m\",outcome=\"success\","
        + "version=\"unknown\"}"));
    assertEquals(1, sample("planline_requests_total{model=\"m\",outcome=\"refused\","
        + "version=\"unknown\"}"));
    assertEquals(2, sample("planline_request_duration_seconds_count{" + m + "}"));
    assertEquals(1, sample("planline_request_duration_seconds_bucket{" + m + ",le=\"0.002\"}"));
    assertEquals(2, sample("planline_request_duration_seconds_bucket{" + m + ",le=\"0.005\"}"));
  }

  @Test
  void requestFinished_withPhases_feedsQueueAndComputeHistogramsAndStats() {
    var phases = new RequestTimes.Phases(2_000_000, 100_000, 5_000_000, 300_000);
    metrics.requestFinished("m", "2", Outcome.SUCCESS, phases.totalNanos(), phases);
    metrics.requestFinished("m", "2", Outcome.BAD_REQUEST, 40_000, null);
    metrics.programExecuted("m", "2");
    String v = "model=\"m\",version=\"2\"";
    assertEquals(1, sample("planline_queue_wait_seconds_count{" + v + "}"));
    assertEquals(0.002, sample("planline_queue_wait_seconds_sum{" + v + "}"), 1e-12);
    String infer = "model=\"m\",phase=\"infer\",version=\"2\"";
    assertEquals(0.005, sample("planline_compute_seconds_sum{" + infer + "}"), 1e-12);
    assertEquals(1, sample("planline_compute_seconds_bucket{" + infer + ",le=\"0.005\"}"));
    assertEquals(1, sample("planline_executions_total{" + v + "}"));
    RequestStats s = metrics.requestStats("m", "2");
    assertEquals(new RequestStats(1, phases.totalNanos(), 1, 40_000, 1, 2_000_000, 100_000,
        5_000_000, 300_000, 1, s.lastFinishedMillis()), s);
    assertTrue(s.lastFinishedMillis() > 0);
    // Another version of the same model keeps its own numbers.
    assertEquals(0, metrics.requestStats("m", "1").successCount());
  }

  @Test
  void requestFinished_negativeNanos_throwsNamingIt() {
    var e = assertThrows(IllegalArgumentException.class,
        () -> metrics.requestFinished("m", "1", Outcome.SUCCESS, -5, null));
    assertTrue(e.getMessage().contains("request duration"), e.getMessage());
  }

  @Test
  void gauges_setByRuntime_exposedWithTheirLabels() {
    metrics.setQueueDepth("m", 3);
    metrics.setRequestsInFlight("m", 2);
    metrics.setKernelsInFlight(Device.CUDA0, "1", 7);
    metrics.setWeights("m", Device.CPU, 123);
    assertEquals(3, sample("planline_queue_depth{model=\"m\"}"));
    assertEquals(2, sample("planline_requests_in_flight{model=\"m\"}"));
    assertEquals(7, sample("planline_kernels_in_flight{device=\"cuda:0\",stream=\"1\"}"));
    assertEquals(123, sample("planline_memory_weights_bytes{device=\"cpu\",model=\"m\"}"));
  }

  @Test
  void setBudget_andBuildInfo_exposedWithTheirLabels() {
    metrics.setBudget(Device.CPU, 1L << 30);
    metrics.buildInfo("1.2.3", "cpu");
    assertEquals(1L << 30, sample("planline_memory_budget_bytes{device=\"cpu\"}"));
    assertEquals(1, sample("planline_build_info{backend=\"cpu\",version=\"1.2.3\"}"));
  }

  @Test
  void setBudget_negative_throwsNamingIt() {
    var e = assertThrows(IllegalArgumentException.class, () -> metrics.setBudget(Device.CPU, -1));
    assertTrue(e.getMessage().contains("memory budget"), e.getMessage());
  }

  @Test
  void constructor_refusalReasons_registeredAtZero() {
    for (String reason : PlanlineMetrics.REFUSAL_REASONS) {
      assertEquals(0, sample("planline_admission_refusals_total{reason=\"" + reason + "\"}"));
    }
    metrics.admissionRefused("memory");
    assertEquals(1, sample("planline_admission_refusals_total{reason=\"memory\"}"));
  }
}
