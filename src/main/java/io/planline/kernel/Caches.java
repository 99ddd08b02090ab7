package io.planline.kernel;

import com.github.benmanes.caffeine.cache.Caffeine;

/** The Caffeine builder for caches that requests read on their hot path. */
public final class Caches {

  private Caches() {}

  /**
   * A builder whose upkeep (eviction, clearing collected weak keys) runs on the thread that
   * touches the cache. Caffeine's default hands it to the common pool, a thread wake-up every few
   * requests: 9% of digits-cnn [1]'s {@code perf} samples on the 2-core build machine
   * (docs/benchmarks.md, "Small products"). The upkeep itself is a few map operations.
   */
  public static Caffeine<Object, Object> onCallingThread() {
    return Caffeine.newBuilder().executor(Runnable::run);
  }
}
