package io.planline.exec;

import io.planline.plan.Plan;

/**
 * What the runtime reports as requests move through it; metrics implement it. Calls come from
 * request threads and must not block. Every method does nothing by default.
 */
public interface RuntimeObserver {

  /** Observes nothing. */
  RuntimeObserver NONE = new RuntimeObserver() {};

  /** A request of {@code model} will run with {@code plan}. */
  default void planUsed(String model, Plan plan) {}

  /** {@code model} now has {@code depth} requests waiting for admission. */
  default void queueDepth(String model, long depth) {}

  /** {@code model} now has {@code count} requests executing. */
  default void requestsInFlight(String model, long count) {}

  /** Stream {@code stream} now has {@code count} kernel launches in flight. */
  default void kernelsInFlight(int stream, int count) {}

  /** Requests now hold {@code bytes} of device memory (weights excluded). */
  default void memoryInUse(long bytes) {}

  /**
   * A kernel launch of a request took {@code nanos} on its stream thread: on the CPU backend
   * the kernel's whole run, on an asynchronous device only the time to enqueue it.
   */
  default void kernelRan(String kernel, long nanos) {}

  /**
   * The loaded versions of {@code model} now hold {@code bytes} of device memory in weights (0
   * once all are unloaded).
   */
  default void modelWeights(String model, long bytes) {}

  /** One memory event of a request. */
  default void memoryEvent(MemoryEvent event) {}

  /** A new input shape of {@code model} was planned and compiled (a cache miss). */
  default void programCompiled(String model) {}

  /**
   * {@code model} at {@code version} executed its program to the end once: for one request, or
   * for a whole batch of them.
   */
  default void programExecuted(String model, String version) {}

  /** A batch of {@code rows} rows (batch-dimension entries) of {@code model} starts. */
  default void batchExecuted(String model, long rows) {}

  /** A request of {@code model} waited {@code nanos} for its batch to start. */
  default void batchWaited(String model, long nanos) {}

  /** The program cache of {@code model} dropped a compiled shape to stay within its bound. */
  default void programEvicted(String model) {}
}
