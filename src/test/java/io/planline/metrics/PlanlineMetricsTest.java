package io.planline.metrics;

import io.planline.exec.MemoryEvent;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
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
    metrics.requestFinished("m", Outcome.SUCCESS, 0.003);
    metrics.requestFinished("m", Outcome.REFUSED, 0.0);
    assertEquals(1, sample("planline_requests_total{model=\"m\",outcome=\"success\"}"));
    assertEquals(1, sample("planline_requests_total{model=\"m\",outcome=\"refused\"}"));
    assertEquals(2, sample("planline_request_duration_seconds_count{model=\"m\"}"));
    assertEquals(1, sample("planline_request_duration_seconds_bucket{model=\"m\",le=\"0.002\"}"));
    assertEquals(2, sample("planline_request_duration_seconds_bucket{model=\"m\",le=\"0.005\"}"));
  }

  @Test
  void requestFinished_negativeDuration_throws() {
    assertThrows(IllegalArgumentException.class,
        () -> metrics.requestFinished("m", Outcome.SUCCESS, -1));
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
  void constructor_refusalReasons_registeredAtZero() {
    for (String reason : PlanlineMetrics.REFUSAL_REASONS) {
      assertEquals(0, sample("planline_admission_refusals_total{reason=\"" + reason + "\"}"));
    }
    metrics.admissionRefused("memory");
    assertEquals(1, sample("planline_admission_refusals_total{reason=\"memory\"}"));
  }
}
