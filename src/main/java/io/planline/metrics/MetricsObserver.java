package io.planline.metrics;

import static java.util.Objects.requireNonNull;

import io.planline.exec.MemoryEvent;
import io.planline.exec.RuntimeObserver;
import io.planline.ir.Device;
import io.planline.plan.Plan;

/** Feeds what the runtime reports into the Prometheus meters of {@link PlanlineMetrics}. */
public final class MetricsObserver implements RuntimeObserver {

  private final PlanlineMetrics metrics;
  private final Device device;

  /** Reports the runtime on {@code device} to {@code metrics}. */
  public MetricsObserver(PlanlineMetrics metrics, Device device) {
    this.metrics = requireNonNull(metrics, "metrics");
    this.device = requireNonNull(device, "device");
  }

  @Override
  public void planUsed(String model, Plan plan) {
    metrics.planUsed(model, plan.planner(), plan.plannedBytes(), plan.lowerBoundBytes());
  }

  @Override
  public void queueDepth(String model, long depth) {
    metrics.setQueueDepth(model, Math.max(0, depth));
  }

  @Override
  public void requestsInFlight(String model, long count) {
    metrics.setRequestsInFlight(model, Math.max(0, count));
  }

  @Override
  public void kernelsInFlight(int stream, int count) {
    metrics.setKernelsInFlight(device, Integer.toString(stream), Math.max(0, count));
  }

  @Override
  public void memoryInUse(long bytes) {
    metrics.setInUse(device, bytes);
  }

  @Override
  public void modelWeights(String model, long bytes) {
    metrics.setWeights(model, device, bytes);
  }

  @Override
  public void programExecuted(String model, String version) {
    metrics.programExecuted(model, version);
  }

  @Override
  public void batchExecuted(String model, long rows) {
    metrics.batchExecuted(model, rows);
  }

  @Override
  public void batchWaited(String model, long nanos) {
    metrics.batchWaited(model, nanos);
  }

  @Override
  public void programCompiled(String model) {
    metrics.programCompiled(model);
  }

  @Override
  public void programEvicted(String model) {
    metrics.programEvicted(model);
  }

  @Override
  public void memoryEvent(MemoryEvent event) {
    metrics.recordMemoryEvent(event.device(), event.kind());
  }
}
