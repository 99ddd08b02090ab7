package io.planline.metrics;

import static java.util.Objects.requireNonNull;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.planline.exec.MemoryEvent;
import io.planline.exec.RequestTimes;
import io.planline.ir.Device;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.jspecify.annotations.Nullable;

/**
 * Every planline meter, registered in one place so that names, labels and units are defined once
 * (the README's "Metrics" section documents each).
 *
 * <p>Who calls what: the HTTP layer calls {@link #requestFinished} and {@link #admissionRefused};
 * the runtime calls the memory, plan, queue and kernel methods. Gauges are backed by values held
 * here (Micrometer would otherwise keep only weak references), keyed by their label values.
 * Label values come from configuration (model, planner) or the backend (device, stream), so their
 * number stays bounded; requests for unknown models are counted under {@link #UNKNOWN_MODEL}
 * (and versions not served under {@link #UNKNOWN_VERSION}).
 */
@Singleton
public final class PlanlineMetrics {

  /** The {@code model} label of requests naming a model that is not served. */
  public static final String UNKNOWN_MODEL = "unknown";

  /** The {@code version} label of requests naming no served version. */
  public static final String UNKNOWN_VERSION = "unknown";

  /** The admission refusal reasons the runtime and server use. */
  public static final List<String> REFUSAL_REASONS =
      List.of("queue_full", "memory", "shutdown", "not_ready");

  /** Upper bounds of the batch size histogram's buckets (rows per executed batch). */
  static final double[] BATCH_SIZE_BUCKETS = {1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024,
      4096};

  /** Upper bounds of the batch wait histogram's buckets. */
  static final List<Duration> BATCH_WAIT_BUCKETS = List.of(Duration.ofNanos(100_000),
      Duration.ofNanos(250_000), Duration.ofNanos(500_000), Duration.ofMillis(1),
      Duration.ofMillis(2), Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(25),
      Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofSeconds(1));

  private static final String BYTES = "bytes";

  private final MeterRegistry registry;
  private final GaugeFamily inUse;
  private final GaugeFamily peak;
  private final GaugeFamily weights;
  private final GaugeFamily planned;
  private final GaugeFamily lowerBound;
  private final GaugeFamily queueDepth;
  private final GaugeFamily requestsInFlight;
  private final GaugeFamily kernelsInFlight;
  private final GaugeFamily budget;
  private final Map<Device, Counter[]> memoryEvents = new ConcurrentHashMap<>();
  private final GaugeFamily info;
  private final RequestMeters requestMeters;

  /** Meters registered in {@code registry}. */
  public PlanlineMetrics(MeterRegistry registry) {
    this.registry = requireNonNull(registry, "registry");
    this.requestMeters = new RequestMeters(registry);
    inUse = new GaugeFamily(registry, "planline.memory.in.use",
        "Device bytes held by requests now (weights excluded)", BYTES, "device");
    peak = new GaugeFamily(registry, "planline.memory.peak",
        "Most device bytes held by requests since start", BYTES, "device");
    weights = new GaugeFamily(registry, "planline.memory.weights",
        "Device bytes held by a model's weights", BYTES, "model", "device");
    planned = new GaugeFamily(registry, "planline.memory.planned",
        "Bytes the plan for the last shape served needs", BYTES, "model", "planner");
    lowerBound = new GaugeFamily(registry, "planline.memory.lower.bound",
        "Most bytes live at one line for the last shape served (no plan needs less)", BYTES,
        "model");
    queueDepth = new GaugeFamily(registry, "planline.queue.depth",
        "Admitted requests waiting for an execution slot", null, "model");
    requestsInFlight = new GaugeFamily(registry, "planline.requests.in.flight",
        "Requests executing now", null, "model");
    kernelsInFlight = new GaugeFamily(registry, "planline.kernels.in.flight",
        "Kernel launches submitted to a stream and not yet complete", null, "device", "stream");
    budget = new GaugeFamily(registry, "planline.memory.budget",
        "Device bytes running requests' plans may take together (planline.device-memory-budget-"
            + "bytes)", BYTES, "device");
    info = new GaugeFamily(registry, "planline.build.info",
        "The planline build and the backend it runs on; always 1", null, "version", "backend");
    for (String reason : REFUSAL_REASONS) {
      refusals(reason);
    }
  }

  /**
   * Creates {@code device}'s memory series at zero, so dashboards see them before any traffic.
   */
  public void registerDevice(Device device) {
    inUse.of(device);
    for (MemoryEvent.Kind kind : MemoryEvent.Kind.values()) {
      events(device, kind);
    }
  }

  /** Creates the series of {@code model} at {@code version} at zero. */
  public void registerModel(String model, String version) {
    registerModel(model);
    requestMeters.register(model, version);
  }

  /** Creates the per-model (not per-version) series of {@code model} at zero. */
  public void registerModel(String model) {
    queueDepth.of(model);
    requestsInFlight.of(model);
    batchSize(model);
    batchWait(model);
    programs(model, "compiled");
    programs(model, "evicted");
  }

  /** Counts one input shape of {@code model} planned and compiled. */
  public void programCompiled(String model) {
    programs(model, "compiled").increment();
  }

  /** Counts one compiled shape of {@code model} dropped by the cache's bound. */
  public void programEvicted(String model) {
    programs(model, "evicted").increment();
  }

  /** Counts one allocate, free or reuse decision of the memory stage on {@code device}. */
  public void recordMemoryEvent(Device device, MemoryEvent.Kind kind) {
    // once per memory step of every request: the counters are looked up once, not registered
    memoryEvents.computeIfAbsent(device, d -> {
      Counter[] c = new Counter[MemoryEvent.Kind.values().length];
      for (MemoryEvent.Kind k : MemoryEvent.Kind.values()) {
        c[k.ordinal()] = events(d, k);
      }
      return c;
    })[kind.ordinal()].increment();
  }

  /**
   * Adds {@code deltaBytes} (negative to release) to the device bytes held by requests, updating
   * the peak, and returns the new value.
   *
   * @throws IllegalStateException when more is released than is held (an accounting bug)
   */
  public long addInUse(Device device, long deltaBytes) {
    long now = inUse.of(device).addAndGet(deltaBytes);
    if (now < 0) {
      throw new IllegalStateException(String.format("device %s: released %d bytes, leaving %d"
          + " bytes in use", device, -deltaBytes, now));
    }
    peak.of(device).accumulateAndGet(now, Math::max);
    return now;
  }

  /** Sets the device bytes held by requests (weights excluded), updating the peak. */
  public void setInUse(Device device, long bytes) {
    nonNegative(bytes, "bytes in use");
    inUse.of(device).set(bytes);
    peak.of(device).accumulateAndGet(bytes, Math::max);
  }

  /**
   * Sets the device memory budget running requests' plans may take together
   * ({@code planline.device-memory-budget-bytes}), so that a dashboard divides in-use bytes by
   * it without a constant of its own.
   */
  public void setBudget(Device device, long bytes) {
    nonNegative(bytes, "memory budget");
    budget.of(device).set(bytes);
  }

  /**
   * Exposes {@code lentBytes}: bytes of results the backend lent to the frontends (large ones
   * stay in its memory until the answer is written, {@code HostLeases}) and that are not yet
   * released. It returns to 0 between requests; one that only grows means answers are not being
   * released.
   */
  public void watchLent(Device device, LongSupplier lentBytes) {
    Gauge.builder("planline.memory.results.lent", lentBytes, LongSupplier::getAsLong)
        .description("Bytes of results lent to the frontends and not yet released (large "
            + "results stay in the backend's host memory until their answer is written)")
        .baseUnit("bytes").tag("device", device.toString()).strongReference(true)
        .register(registry);
  }

  /**
   * Creates {@code planline_build_info}: always 1, labelled with the build's {@code version}
   * and the {@code backend} requests run on ({@code cpu}, {@code cuda}).
   */
  public void buildInfo(String version, String backend) {
    info.of(version, backend).set(1);
  }

  /** The device bytes held by requests now. */
  public long inUse(Device device) {
    return inUse.of(device).get();
  }

  /** Sets the bytes {@code model}'s weights occupy on {@code device}. */
  public void setWeights(String model, Device device, long bytes) {
    nonNegative(bytes, "weight bytes");
    weights.of(model, device).set(bytes);
  }

  /**
   * Records the plan used for the last shape {@code model} served: its planned bytes (labelled by
   * planner) and the lower bound it is measured against.
   */
  public void planUsed(String model, String planner, long plannedBytes, long lowerBoundBytes) {
    nonNegative(plannedBytes, "planned bytes");
    nonNegative(lowerBoundBytes, "lower bound bytes");
    planned.of(model, planner).set(plannedBytes);
    lowerBound.of(model).set(lowerBoundBytes);
  }

  /** Sets how many of {@code model}'s admitted requests wait for an execution slot. */
  public void setQueueDepth(String model, long depth) {
    nonNegative(depth, "queue depth");
    queueDepth.of(model).set(depth);
  }

  /** Sets how many of {@code model}'s requests are executing. */
  public void setRequestsInFlight(String model, long count) {
    nonNegative(count, "requests in flight");
    requestsInFlight.of(model).set(count);
  }

  /** Sets how many kernel launches are in flight on one stream of {@code device}. */
  public void setKernelsInFlight(Device device, String stream, long count) {
    nonNegative(count, "kernels in flight");
    kernelsInFlight.of(device, stream).set(count);
  }

  /**
   * Counts one finished inference request and records its duration; a successful one's
   * {@code phases} (null where they were not timed) feed the queue wait and compute histograms.
   */
  public void requestFinished(String model, String version, Outcome outcome, long nanos,
      RequestTimes.@Nullable Phases phases) {
    nonNegative(nanos, "request duration");
    requestMeters.finished(model, version, outcome, nanos, phases);
  }

  /** Counts one execution of {@code model}'s program at {@code version} that ran to the end. */
  public void programExecuted(String model, String version) {
    requestMeters.executed(model, version);
  }

  /**
   * The statistics of the finished requests of {@code model} at {@code version}, from the same
   * calls that feed {@code planline_requests_total} and the duration and phase histograms.
   */
  public RequestStats requestStats(String model, String version) {
    return requestMeters.stats(model, version);
  }

  /** Records one executed batch of {@code model} holding {@code rows} rows. */
  public void batchExecuted(String model, long rows) {
    nonNegative(rows, "batch rows");
    batchSize(model).record(rows);
  }

  /** Records how long one request of {@code model} waited for its batch to start. */
  public void batchWaited(String model, long nanos) {
    nonNegative(nanos, "batch wait");
    batchWait(model).record(nanos, TimeUnit.NANOSECONDS);
  }

  /** Counts one request that admission refused ({@code queue_full}, {@code memory}, ...). */
  public void admissionRefused(String reason) {
    refusals(reason).increment();
  }

  private Counter events(Device device, MemoryEvent.Kind kind) {
    return Counter.builder("planline.memory.events")
        .description("Allocate, free and reuse decisions of the memory stage")
        .tags("device", device.toString(), "kind", kind.label()).register(registry);
  }

  private Counter programs(String model, String what) {
    String help = what.equals("compiled") ? "Input shapes planned and compiled (cache misses)"
        : "Compiled input shapes dropped to keep the cache within planline.max-cached-shapes";
    return Counter.builder("planline.shapes." + what).description(help).tag("model", model)
        .register(registry);
  }

  private Counter refusals(String reason) {
    return Counter.builder("planline.admission.refusals")
        .description("Requests refused by admission control, by reason")
        .tag("reason", reason).register(registry);
  }

  private DistributionSummary batchSize(String model) {
    return DistributionSummary.builder("planline.batch.size")
        .description("Rows (batch-dimension entries) of each batch executed by dynamic batching")
        .tag("model", model).serviceLevelObjectives(BATCH_SIZE_BUCKETS).register(registry);
  }

  private Timer batchWait(String model) {
    return Timer.builder("planline.batch.wait")
        .description("Time a request waited in the dynamic batcher until its batch started")
        .tag("model", model)
        .serviceLevelObjectives(BATCH_WAIT_BUCKETS.toArray(Duration[]::new))
        .register(registry);
  }

  private static void nonNegative(long value, String what) {
    if (value < 0) {
      throw new IllegalArgumentException(what + " must be ≥ 0, got " + value);
    }
  }
}
