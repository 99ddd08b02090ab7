package io.planline.exec;

import static java.util.Objects.requireNonNull;

import com.github.benmanes.caffeine.cache.AsyncCache;
import io.planline.kernel.Caches;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;

/**
 * What one model made for each binding of its symbols (a compiled program per input shape),
 * bounded to {@code maxShapes} entries by Caffeine (W-TinyLFU: a shape asked for once does not
 * push out the shapes asked for all the time). Loads still in progress are not counted against
 * the bound, so at most {@code maxShapes} plus the loads the planning pool runs or queues are
 * held at once.
 *
 * <p>A new shape is made on {@code loads}, a bounded executor, never on the caller's thread: the
 * caller is often a Netty event loop, and planning may take the planner's whole time budget.
 * Requests for a shape that is still being made wait for that one load (Caffeine keeps one future
 * per key); a load that fails is not kept, so the next request tries again.
 *
 * @param <V> what is made per shape
 */
public final class ShapeCache<V> {

  /** Told about every entry the bound pushed out. */
  @FunctionalInterface
  public interface Evictions {
    void evicted();
  }

  private final AsyncCache<Map<String, Long>, V> cache;
  private final Function<Map<String, Long>, V> make;
  private final Executor loads;

  /**
   * A cache of at most {@code maxShapes} entries.
   *
   * @param make makes the value of one binding; runs on {@code loads}
   * @param loads where values are made; when it refuses a task the request is refused (503)
   */
  public ShapeCache(int maxShapes, Executor loads, Function<Map<String, Long>, V> make,
      Evictions evictions) {
    if (maxShapes < 1) {
      throw new IllegalArgumentException("maxShapes must be at least 1, got " + maxShapes);
    }
    this.make = requireNonNull(make, "make");
    this.loads = requireNonNull(loads, "loads");
    requireNonNull(evictions, "evictions");
    // Maintenance (eviction) runs on whichever thread touches the cache: it is cheap, and it
    // keeps the bound exact without another pool.
    this.cache = Caches.onCallingThread().maximumSize(maxShapes)
        .<Map<String, Long>, V>evictionListener((k, v, cause) -> {
          if (cause.wasEvicted()) {
            evictions.evicted();
          }
        })
        .buildAsync();
  }

  /**
   * The value for {@code symbols}: cached, or made on the load executor.
   *
   * @return a Mono failing with {@link InferenceException.Overloaded} ({@code queue_full}) when
   *     the load executor has no room, or with whatever making the value threw
   */
  public Mono<V> get(Map<String, Long> symbols) {
    Map<String, Long> key = Map.copyOf(symbols);
    return Mono.defer(() -> {
      CompletableFuture<V> future;
      try {
        future = cache.get(key,
            (k, ignored) -> CompletableFuture.supplyAsync(() -> make.apply(k), loads));
      } catch (RejectedExecutionException e) {
        return Mono.error(new InferenceException.Overloaded("queue_full", "too many new input"
            + " shapes are waiting to be planned; retry later"));
      }
      // A cancelled subscriber must not cancel the shared load other requests wait for. A failed
      // load is dropped here, not only when Caffeine's own callback gets to it, so the next
      // request plans again instead of seeing the old failure.
      return Mono.fromFuture(future, true)
          .doOnError(e -> cache.asMap().remove(key, future))
          .onErrorMap(e -> e instanceof CompletionException && e.getCause() != null,
              Throwable::getCause);
    });
  }

  /**
   * The value for {@code symbols} if it is made already, else null, having started making it on
   * the load executor (unless a load runs or the executor has no room): for work that may go
   * another way now and take this value's way once it is there.
   */
  public @Nullable V ready(Map<String, Long> symbols) {
    CompletableFuture<V> made = cache.getIfPresent(symbols);
    if (made == null) {
      get(symbols).subscribe(v -> { }, e -> { }); // a failed load is dropped by get
      return null;
    }
    return made.isDone() && !made.isCompletedExceptionally() ? made.join() : null;
  }

  /**
   * Drops every entry (the model is unloaded), so that its compiled programs can be collected;
   * not counted as evictions. Loads still running finish for the requests that wait on them.
   */
  public void clear() {
    cache.synchronous().invalidateAll();
  }

  /** Entries held now (after pending evictions are done). */
  public long size() {
    cache.synchronous().cleanUp();
    return cache.synchronous().estimatedSize();
  }
}
