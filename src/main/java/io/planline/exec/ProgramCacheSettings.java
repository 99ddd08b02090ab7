package io.planline.exec;

/**
 * Limits of the per-model compiled-program cache and of the pool that plans new shapes.
 *
 * @param maxShapes compiled programs (distinct input shapes) a model keeps
 * @param planningThreads threads that bind, plan and compile new shapes
 * @param planningQueue new shapes that may wait for a planning thread; more are refused (503)
 */
public record ProgramCacheSettings(int maxShapes, int planningThreads, int planningQueue) {

  /** What a runtime gets when nothing is configured. */
  public static final ProgramCacheSettings DEFAULT = new ProgramCacheSettings(64, 2, 64);

  public ProgramCacheSettings {
    if (maxShapes < 1 || planningThreads < 1 || planningQueue < 0) {
      throw new IllegalArgumentException("bad program cache limits: shapes " + maxShapes
          + ", planning threads " + planningThreads + ", planning queue " + planningQueue);
    }
  }
}
