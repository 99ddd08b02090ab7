package io.planline.backend.cuda;

import io.planline.backend.HostTensor;
import io.planline.exec.Admission;
import io.planline.exec.LocalInferenceService;
import io.planline.exec.MemoryEvents;
import io.planline.exec.ReplaySettings;
import io.planline.exec.RequestExecutor;
import io.planline.exec.RuntimeObserver;
import io.planline.exec.Samples;
import io.planline.model.Model;
import io.planline.model.ModelLoader;
import io.planline.plan.PlanOptions;
import io.planline.plan.PlannerRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/** Builds services over one CUDA backend and drives the built-in models through them. */
final class ModelRuns {

  /** Launches in flight per request (config/cuda.yml's kernel-window). */
  static final int WINDOW = 256;

  private ModelRuns() {}

  /** A service of {@code models} planned by {@code planner} on {@code backend}. */
  static LocalInferenceService service(CudaBackend backend, String planner, List<String> models,
      int maxRunning) {
    List<Model> loaded = new ArrayList<>();
    var registry = PlannerRegistry.builtIn();
    for (String m : models) {
      loaded.add(ModelLoader.load(ModelLoader.builtIn(m), m, "1", registry.get(planner),
          PlanOptions.DEFAULT.withBudgetMillis(1_000), backend));
    }
    return service(backend, loaded, maxRunning);
  }

  /** A service of models already loaded on {@code backend}. */
  static LocalInferenceService service(CudaBackend backend, List<Model> loaded, int maxRunning) {
    return service(backend, loaded, maxRunning, RuntimeObserver.NONE);
  }

  /** The same, reporting to {@code observer} (a kernel profile, say). */
  static LocalInferenceService service(CudaBackend backend, List<Model> loaded, int maxRunning,
      RuntimeObserver observer) {
    return service(backend, loaded, maxRunning, observer, ReplaySettings.OFF);
  }

  /** The same, recording and replaying (CUDA graphs) as {@code replays} says. */
  static LocalInferenceService service(CudaBackend backend, List<Model> loaded, int maxRunning,
      RuntimeObserver observer, ReplaySettings replays) {
    MemoryEvents events = new MemoryEvents();
    return new LocalInferenceService(loaded, new RequestExecutor(backend, events, WINDOW,
        observer, replays), new Admission(maxRunning, 1024, Long.MAX_VALUE), events, observer);
  }

  static Samples.Sample sample(String model) {
    try {
      return Samples.of(ModelLoader.builtIn(model));
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The input name and per-sample shape of a built-in model (batch dim first). */
  static long[] shape(String model, int batch) {
    return switch (model) {
      case "digits-mlp" -> new long[] {batch, 64};
      case "digits-cnn" -> new long[] {batch, 1, 8, 8};
      case "tiny-gpt" -> new long[] {batch, 64};
      default -> throw new IllegalArgumentException(model);
    };
  }

  static String inputName(String model) {
    return model.equals("tiny-gpt") ? "tokens" : "x";
  }

  /** Random valid inputs: pixels 0..16, or byte tokens. */
  static Map<String, HostTensor> input(String model, int batch, long seed) {
    long[] shape = shape(model, batch);
    int n = (int) HostTensor.elements(shape);
    Random rnd = new Random(seed);
    String name = inputName(model);
    if (model.equals("tiny-gpt")) {
      long[] t = new long[n];
      for (int i = 0; i < n; i++) {
        t[i] = rnd.nextInt(256);
      }
      return Map.of(name, HostTensor.ofLongs(name, shape, t));
    }
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = rnd.nextInt(17);
    }
    return Map.of(name, HostTensor.ofFloats(name, shape, v));
  }

  static List<HostTensor> infer(LocalInferenceService s, String model,
      Map<String, HostTensor> in) {
    return s.infer(model, null, in).block(Duration.ofMinutes(2));
  }

  /** Latency of sequential requests: {p50, p99} in milliseconds after warm-up. */
  static double[] latency(LocalInferenceService s, String model, Map<String, HostTensor> in,
      double seconds) {
    for (int i = 0; i < 30; i++) {
      HostTensor.releaseAll(infer(s, model, in));
    }
    List<Double> ms = new ArrayList<>();
    long end = System.nanoTime() + (long) (seconds * 1e9);
    while (System.nanoTime() < end || ms.size() < 20) {
      long t0 = System.nanoTime();
      // released as a server does once the answer is written (lent results go back)
      HostTensor.releaseAll(infer(s, model, in));
      ms.add((System.nanoTime() - t0) / 1e6);
    }
    double[] v = ms.stream().mapToDouble(Double::doubleValue).sorted().toArray();
    return new double[] {v[v.length / 2], v[(int) Math.min(v.length - 1, v.length * 0.99)]};
  }

  /** Requests per second with {@code concurrency} requests kept in flight for {@code seconds}. */
  static double throughput(LocalInferenceService s, String model, Map<String, HostTensor> in,
      int concurrency, double seconds) {
    for (int i = 0; i < 5; i++) {
      HostTensor.releaseAll(infer(s, model, in));
    }
    AtomicLong done = new AtomicLong();
    long end = System.nanoTime() + (long) (seconds * 1e9);
    long t0 = System.nanoTime();
    Flux.range(0, concurrency)
        .flatMap(w -> Mono.defer(() -> s.infer(model, null, in)).doOnNext(r -> {
              done.incrementAndGet();
              HostTensor.releaseAll(r);
            }).repeat(() -> System.nanoTime() < end).then(), concurrency)
        .blockLast(Duration.ofMinutes(5));
    return done.get() / ((System.nanoTime() - t0) / 1e9);
  }

  /** The relative error of a result against the model's PyTorch sample output. */
  static double sampleError(LocalInferenceService s, String model) {
    Samples.Sample sample = sample(model);
    List<HostTensor> out = infer(s, model, sample.inputs());
    double worst = 0;
    for (HostTensor t : out) {
      HostTensor want = sample.outputs().get(t.name());
      if (!Arrays.equals(want.shape(), t.shape())) {
        return Double.POSITIVE_INFINITY;
      }
      worst = Math.max(worst, HostTensor.relativeError(t.floats(), want.floats()));
    }
    return worst;
  }
}
