package io.planline.config;

import io.micronaut.context.annotation.ConfigurationProperties;

/**
 * The {@code planline.*} settings as bound from YAML, environment and system properties; raw and
 * unvalidated ({@link ServingConfig} checks and resolves them at start-up).
 *
 * <p>Micronaut binds kebab-case keys to these bean properties ({@code queue-capacity} to
 * {@link #setQueueCapacity}); the defaults below are what an empty configuration gets.
 */
@ConfigurationProperties("planline")
public final class PlanlineConfig {

  /** The prefix every key here lives under. */
  public static final String PREFIX = "planline";

  private String planner = "offset";
  private String backend = "cpu";
  private int kernelWindow = 64;
  private int maxConcurrentRequests = 0;
  private int queueCapacity = 64;
  private long deviceMemoryBudgetBytes = 1L << 30;
  private long maxRequestBytes = 16L << 20;
  private int retryAfterSeconds = 1;
  private long planBudgetMillis = 1_000;
  private int maxCachedShapes = 64;
  private int planningThreads = 2;
  private long maxResponseBytes = 64L << 20;
  private int shutdownTimeoutSeconds = 30;
  private int idleTimeoutSeconds = 60;
  private int maxConnections = 1024;
  private String kernels = "auto";
  private Batching batching = new Batching();
  private boolean graphs;
  private long graphMaxBytes = 256L << 20;
  private int modelWarmupRounds = 2;
  private @org.jspecify.annotations.Nullable String modelRepository;

  /** {@code planline.batching.*}: dynamic batching of every model that sets none of its own. */
  @ConfigurationProperties("batching")
  public static final class Batching extends BatchingConfig {}

  /** The global batching settings. */
  public Batching getBatching() {
    return batching;
  }

  /** Sets the global batching settings (Micronaut binds {@code planline.batching.*}). */
  public void setBatching(Batching batching) {
    this.batching = batching;
  }

  /**
   * Which program runs where a model has both: {@code auto} (Inductor's compiled kernels where
   * this machine runs them, else the Java kernels), {@code inductor} or {@code java}.
   */
  public String getKernels() {
    return kernels;
  }

  /** Sets the kernel choice of every model that names none. */
  public void setKernels(String kernels) {
    this.kernels = kernels;
  }

  /** The planner strategy of every model that names none. */
  public String getPlanner() {
    return planner;
  }

  /** Sets the global planner strategy. */
  public void setPlanner(String planner) {
    this.planner = planner;
  }

  /** {@code cpu}, {@code cuda} or {@code auto}. */
  public String getBackend() {
    return backend;
  }

  /** Sets the backend name. */
  public void setBackend(String backend) {
    this.backend = backend;
  }

  /** Kernel launches a stream may have in flight before upstream demand stalls. */
  public int getKernelWindow() {
    return kernelWindow;
  }

  /** Sets the in-flight kernel window. */
  public void setKernelWindow(int kernelWindow) {
    this.kernelWindow = kernelWindow;
  }

  /** Requests executing at once (0: one per core on the CPU, two on CUDA); more wait queued. */
  public int getMaxConcurrentRequests() {
    return maxConcurrentRequests;
  }

  /** Sets the number of requests executing at once. */
  public void setMaxConcurrentRequests(int maxConcurrentRequests) {
    this.maxConcurrentRequests = maxConcurrentRequests;
  }

  /** Requests that may wait; one more is refused at once with 503. */
  public int getQueueCapacity() {
    return queueCapacity;
  }

  /** Sets the queue capacity. */
  public void setQueueCapacity(int queueCapacity) {
    this.queueCapacity = queueCapacity;
  }

  /** Device bytes that running requests' planned memory may take together (weights excluded). */
  public long getDeviceMemoryBudgetBytes() {
    return deviceMemoryBudgetBytes;
  }

  /** Sets the device memory budget. */
  public void setDeviceMemoryBudgetBytes(long deviceMemoryBudgetBytes) {
    this.deviceMemoryBudgetBytes = deviceMemoryBudgetBytes;
  }

  /** The largest request body accepted; a larger one gets 413. */
  public long getMaxRequestBytes() {
    return maxRequestBytes;
  }

  /** Sets the request size limit. */
  public void setMaxRequestBytes(long maxRequestBytes) {
    this.maxRequestBytes = maxRequestBytes;
  }

  /** The {@code Retry-After} a 503 carries. */
  public int getRetryAfterSeconds() {
    return retryAfterSeconds;
  }

  /** Sets the {@code Retry-After} seconds. */
  public void setRetryAfterSeconds(int retryAfterSeconds) {
    this.retryAfterSeconds = retryAfterSeconds;
  }

  /** How long a search-based planner may take per new shape. */
  public long getPlanBudgetMillis() {
    return planBudgetMillis;
  }

  /** Sets the planning time budget. */
  public void setPlanBudgetMillis(long planBudgetMillis) {
    this.planBudgetMillis = planBudgetMillis;
  }

  /** Distinct input shapes a model keeps compiled; the least useful is dropped beyond. */
  public int getMaxCachedShapes() {
    return maxCachedShapes;
  }

  /** Sets maxCachedShapes. */
  public void setMaxCachedShapes(int maxCachedShapes) {
    this.maxCachedShapes = maxCachedShapes;
  }

  /** Threads that plan and compile new input shapes (off the event loops). */
  public int getPlanningThreads() {
    return planningThreads;
  }

  /** Sets planningThreads. */
  public void setPlanningThreads(int planningThreads) {
    this.planningThreads = planningThreads;
  }

  /** The largest response an infer request may produce; a larger one is refused (400) before it runs. */
  public long getMaxResponseBytes() {
    return maxResponseBytes;
  }

  /** Sets maxResponseBytes. */
  public void setMaxResponseBytes(long maxResponseBytes) {
    this.maxResponseBytes = maxResponseBytes;
  }

  /** How long a drain waits for admitted requests, and then for their responses to be written. */
  public int getShutdownTimeoutSeconds() {
    return shutdownTimeoutSeconds;
  }

  /** Sets shutdownTimeoutSeconds. */
  public void setShutdownTimeoutSeconds(int shutdownTimeoutSeconds) {
    this.shutdownTimeoutSeconds = shutdownTimeoutSeconds;
  }

  /** Seconds a connection may stay idle before the server closes it. */
  public int getIdleTimeoutSeconds() {
    return idleTimeoutSeconds;
  }

  /** Sets idleTimeoutSeconds. */
  public void setIdleTimeoutSeconds(int idleTimeoutSeconds) {
    this.idleTimeoutSeconds = idleTimeoutSeconds;
  }

  /**
   * Whether each input shape's launches are recorded once and replayed for later requests (a
   * CUDA graph on the GPU backend; on the CPU the same launches on memory kept resident).
   */
  public boolean isGraphs() {
    return graphs;
  }

  /** Turns recording and replays on or off. */
  public void setGraphs(boolean graphs) {
    this.graphs = graphs;
  }

  /** The most arena bytes one shape's recording keeps resident; bigger plans run as usual. */
  public long getGraphMaxBytes() {
    return graphMaxBytes;
  }

  /** Sets graphMaxBytes. */
  public void setGraphMaxBytes(long graphMaxBytes) {
    this.graphMaxBytes = graphMaxBytes;
  }

  /**
   * Rounds of each model's warm-up with its own sample as it loads, one request on every
   * stream a round, before it is ready (0: none).
   */
  public int getModelWarmupRounds() {
    return modelWarmupRounds;
  }

  /** Sets modelWarmupRounds. */
  public void setModelWarmupRounds(int modelWarmupRounds) {
    this.modelWarmupRounds = modelWarmupRounds;
  }

  /** Open client connections the server accepts; further ones are closed at once. */
  public int getMaxConnections() {
    return maxConnections;
  }

  /** Sets maxConnections. */
  public void setMaxConnections(int maxConnections) {
    this.maxConnections = maxConnections;
  }

  /**
   * A model repository in Triton's layout, {@code <root>/<model>/<version>/}, or null for none
   * ({@link ModelRepository}).
   */
  public @org.jspecify.annotations.Nullable String getModelRepository() {
    return modelRepository;
  }

  /** Sets the model repository's root folder. */
  public void setModelRepository(@org.jspecify.annotations.Nullable String modelRepository) {
    this.modelRepository = modelRepository;
  }
}
