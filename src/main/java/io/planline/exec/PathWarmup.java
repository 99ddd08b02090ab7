package io.planline.exec;

import io.planline.backend.HostTensor;
import io.planline.model.ModelLoader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Compiles the request path before the first request is served. What a request does around its
 * program (input checks, shape cache, admission, the hand-over to its stream and back, download,
 * release) is Java code that the JIT compiles only after thousands of calls; until then it runs
 * in the interpreter and in C1's profiling code. A server whose model takes milliseconds a
 * request gets there only after minutes. In ModelBench's first hundreds of ResNet-50 [1]
 * requests that path took 1.1-1.5 ms a request (0.57-0.75 ms before the request reached its
 * stream, 0.23-0.34 to get there, 0.31-0.47 back to the caller), and 0.26 ms once digits-cnn's
 * own rows had run in the same process (2-core Xeon, session 29, docs/benchmarks.md).
 *
 * <p>So the server runs the built-in digits-cnn through a private runtime at start: on the CPU
 * backend, half its requests on the calling thread and half through a stream, the two ways a CPU
 * request runs ({@link InlineRuns}). Nothing of it reaches the served runtime: its own backend,
 * admission, metrics and memory, all closed before it returns. It runs on a thread of its own,
 * which ends with it, so no thread of the server is left the master of an OpenMP team (libgomp
 * stops its workers from spinning while it manages more threads than there are cores).
 *
 * <p>{@code -Dplanline.warmup.requests=N} sets how many (default 20,000: 1.7-2.8 s on the 2-core
 * build machine; 0 turns it off); it stops after 10 seconds whatever the count.
 */
public final class PathWarmup {

  private static final Logger LOG = LoggerFactory.getLogger(PathWarmup.class);

  /** Requests the server's start runs, unless the property says otherwise. */
  public static final int DEFAULT_REQUESTS = Integer.getInteger("planline.warmup.requests",
      20_000);

  /** The built-in model it runs: small, and with convolutions, products and Inductor kernels. */
  public static final String MODEL = "digits-cnn";

  private static final Duration LIMIT = Duration.ofSeconds(10);

  /** What a warm-up did: requests answered, and milliseconds taken. */
  public record Result(int requests, long millis) {}

  /** The process's one warm-up, run when first asked for (the holder idiom makes it once). */
  private static final class Done {
    static final @Nullable Result RESULT = DEFAULT_REQUESTS <= 0 ? null : runLogged();
  }

  private PathWarmup() {}

  /**
   * Runs {@link #DEFAULT_REQUESTS} the first time it is called in the process and returns what
   * that run did, then and on every later call: the JIT's work outlives the runtime it was done
   * for, so a second server in the process (tests, benchmarks) needs none. Never throws: a
   * warm-up that fails is logged and the server starts as it would have without.
   *
   * @return what the process's warm-up did, or null where it is turned off or failed
   */
  public static @Nullable Result once() {
    return Done.RESULT;
  }

  private static @Nullable Result runLogged() {
    // the private runtime logs its backend and its model's load as any runtime does
    LOG.info("warming the request path: {} requests of the built-in {} on a private runtime,"
        + " thread planline-warmup (-Dplanline.warmup.requests=0 turns this off)",
        DEFAULT_REQUESTS, MODEL);
    try {
      Result r = run(DEFAULT_REQUESTS, LIMIT);
      LOG.info("warmed the request path: {} requests of the built-in {} in {} ms",
          r.requests(), MODEL, r.millis());
      return r;
    } catch (RuntimeException e) {
      LOG.warn("request path warm-up failed, serving without it: {}", e.toString());
      return null;
    }
  }

  /**
   * Runs up to {@code requests} requests of {@link #MODEL} (fewer if {@code limit} passes first)
   * on a thread of its own, and waits for it.
   */
  static Result run(int requests, Duration limit) {
    FutureTask<Result> task = new FutureTask<>(() -> runHere(requests, limit));
    Thread thread = new Thread(task, "planline-warmup");
    thread.start();
    try {
      thread.join(); // ended, not only done: its OpenMP team goes with it (see above)
      return task.get();
    } catch (ExecutionException e) {
      // whatever it threw, a native library that cannot load included: the server goes on
      throw new IllegalStateException(e.getCause().toString(), e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while warming the request path", e);
    }
  }

  private static Result runHere(int requests, Duration limit) {
    Map<String, HostTensor> inputs;
    try {
      inputs = Samples.of(ModelLoader.builtIn(MODEL)).inputs();
    } catch (IOException e) {
      throw new UncheckedIOException("built-in " + MODEL + " has no readable sample", e);
    }
    var settings = new RuntimeSettings("cpu", "offset", List.of(new RuntimeSettings.ModelSpec(
        MODEL, "1", null, null, ModelLoader.Kernels.AUTO)), 64, 1, 1, Long.MAX_VALUE, 1_000);
    long start = System.nanoTime();
    int done = 0;
    try (LocalInferenceService s = Runtimes.create(settings)) {
      long end = System.nanoTime() + limit.toNanos(); // the limit bounds the requests only
      for (; done < requests && System.nanoTime() < end; done++) {
        if (done == requests / 2) {
          s.executor().inlineBelow(0); // the second half through the stream
        }
        HostTensor.releaseAll(s.infer(MODEL, null, inputs).block(Duration.ofMinutes(1)));
      }
    }
    return new Result(done, (System.nanoTime() - start) / 1_000_000);
  }
}
