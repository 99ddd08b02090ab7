package io.planline.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.planline.exec.RequestTimes;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * The per-request meters of {@link PlanlineMetrics}, labelled by model and version: requests by
 * outcome, their duration, the queue wait and compute phases of successful ones, and program
 * executions; plus the tallies Triton's statistics read, fed by the same calls so both agree.
 */
final class RequestMeters {

  /** Upper bounds of the request duration histogram's buckets. */
  static final List<Duration> DURATION_BUCKETS = List.of(Duration.ofMillis(1),
      Duration.ofMillis(2), Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(25),
      Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250),
      Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofMillis(2500), Duration.ofSeconds(5),
      Duration.ofSeconds(10), Duration.ofSeconds(30));

  /**
   * Upper bounds of the queue wait and compute phase histograms: from 50 µs, since an idle
   * server's queue wait and a small model's decoding are microseconds, up to the 30 s a request
   * may take at most.
   */
  static final List<Duration> PHASE_BUCKETS = List.of(Duration.ofNanos(50_000),
      Duration.ofNanos(100_000), Duration.ofNanos(250_000), Duration.ofNanos(500_000),
      Duration.ofMillis(1), Duration.ofMillis(2), Duration.ofMillis(5), Duration.ofMillis(10),
      Duration.ofMillis(25), Duration.ofMillis(50), Duration.ofMillis(100),
      Duration.ofMillis(250), Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofSeconds(5),
      Duration.ofSeconds(30));

  /** The {@code phase} label values of {@code planline_compute_seconds}. */
  static final List<String> COMPUTE_PHASES = List.of("input", "infer", "output");

  private final MeterRegistry registry;
  /**
   * Each model version's meters, looked up once: registering through a builder on every request
   * (a builder, its tags and buckets, an id, a registry lookup; seven meters a request) made
   * served digits-mlp 10-27% slower (docs/benchmarks.md); with them, the tally Triton's
   * statistics read.
   */
  private final Map<String, Meters> meters = new ConcurrentHashMap<>();

  /** The meters of one model version, and its tally. */
  private record Meters(Counter[] requests, Timer duration, Timer queueWait, Timer[] compute,
      Counter executions, RequestTally tally) {}

  RequestMeters(MeterRegistry registry) {
    this.registry = registry;
  }

  /** Creates the series of {@code model} at {@code version} at zero. */
  void register(String model, String version) {
    meters(model, version);
  }

  void finished(String model, String version, Outcome outcome, long nanos,
      RequestTimes.@Nullable Phases phases) {
    Meters m = meters(model, version);
    m.requests()[outcome.ordinal()].increment();
    m.duration().record(nanos, TimeUnit.NANOSECONDS);
    if (phases != null) {
      m.queueWait().record(phases.queueNanos(), TimeUnit.NANOSECONDS);
      m.compute()[0].record(phases.inputNanos(), TimeUnit.NANOSECONDS);
      m.compute()[1].record(phases.inferNanos(), TimeUnit.NANOSECONDS);
      m.compute()[2].record(phases.outputNanos(), TimeUnit.NANOSECONDS);
    }
    m.tally().add(outcome, nanos, phases);
  }

  void executed(String model, String version) {
    meters(model, version).executions().increment();
  }

  private Meters meters(String model, String version) {
    return meters.computeIfAbsent(key(model, version), k -> {
      Counter[] requests = new Counter[Outcome.values().length];
      for (Outcome o : Outcome.values()) {
        requests[o.ordinal()] = requests(model, version, o);
      }
      Timer[] compute = new Timer[COMPUTE_PHASES.size()]; // input, infer, output
      for (int i = 0; i < compute.length; i++) {
        compute[i] = compute(model, version, COMPUTE_PHASES.get(i));
      }
      return new Meters(requests, duration(model, version), queueWait(model, version), compute,
          executions(model, version), new RequestTally());
    });
  }

  RequestStats stats(String model, String version) {
    long success = (long) requests(model, version, Outcome.SUCCESS).count();
    long failed = 0;
    for (Outcome o : Outcome.values()) {
      if (o != Outcome.SUCCESS) {
        failed += (long) requests(model, version, o).count();
      }
    }
    Meters m = meters.get(key(model, version));
    return (m == null ? RequestTally.EMPTY : m.tally()).stats(success, failed,
        (long) executions(model, version).count());
  }

  private static String key(String model, String version) {
    return model + '\u0000' + version;
  }

  private Counter requests(String model, String version, Outcome outcome) {
    return Counter.builder("planline.requests").description("Inference requests by outcome")
        .tags("model", model, "version", version, "outcome", outcome.label())
        .register(registry);
  }

  private Counter executions(String model, String version) {
    return Counter.builder("planline.executions")
        .description("Program executions that ran to the end (a dynamic batch counts once)")
        .tags("model", model, "version", version).register(registry);
  }

  private Timer duration(String model, String version) {
    return Timer.builder("planline.request.duration")
        .description("Inference request latency, from the request to the answer")
        .tags("model", model, "version", version)
        .serviceLevelObjectives(DURATION_BUCKETS.toArray(Duration[]::new))
        .register(registry);
  }

  private Timer queueWait(String model, String version) {
    return Timer.builder("planline.queue.wait")
        .description("Time a successful request waited before its execution started: for a new"
            + " shape's plan, a dynamic batch, admission")
        .tags("model", model, "version", version)
        .serviceLevelObjectives(PHASE_BUCKETS.toArray(Duration[]::new))
        .register(registry);
  }

  private Timer compute(String model, String version, String phase) {
    return Timer.builder("planline.compute")
        .description("Compute time of a successful request by phase: input (decoding), infer"
            + " (upload, kernels, download), output (encoding and writing the answer)")
        .tags("model", model, "version", version, "phase", phase)
        .serviceLevelObjectives(PHASE_BUCKETS.toArray(Duration[]::new))
        .register(registry);
  }
}
