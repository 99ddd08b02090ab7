package io.planline.bench;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import io.planline.backend.HostTensor;
import io.planline.exec.LocalInferenceService;
import io.planline.exec.RuntimeSettings;
import io.planline.exec.Runtimes;
import io.planline.ir.DType;
import io.planline.model.ModelLoader;
import java.io.InputStream;
import java.nio.FloatBuffer;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Latency and throughput of every built-in model under each planner on the CPU backend, next to
 * ONNX Runtime for Java on the same model's ONNX export, in the same run.
 *
 * <p>Run: {@code tools/bench-models.sh [SECONDS]}. Prints one row per
 * (model, input, engine): p50 / p99 latency of sequential requests, and requests per second with 1
 * and 4 requests in flight.
 */
public final class ModelBench {

  private record Case(String model, String input, long[] shape, DType dtype) {}

  private static final List<Case> CASES = List.of(
      new Case("digits-mlp", "x", new long[] {1, 64}, DType.FLOAT32),
      new Case("digits-mlp", "x", new long[] {64, 64}, DType.FLOAT32),
      new Case("digits-cnn", "x", new long[] {1, 1, 8, 8}, DType.FLOAT32),
      new Case("digits-cnn", "x", new long[] {64, 1, 8, 8}, DType.FLOAT32),
      new Case("tiny-gpt", "tokens", new long[] {1, 64}, DType.INT64),
      new Case("tiny-gpt", "tokens", new long[] {8, 64}, DType.INT64));

  private static final List<String> PLANNERS = List.of("greedy", "greedy-peak", "offset",
      "inductor-pool", "noop");

  private ModelBench() {}

  public static void main(String[] args) throws Exception {
    double seconds = args.length > 0 ? Double.parseDouble(args[0]) : 2.0;
    System.out.printf(Locale.ROOT, "# java %s, %d cores, %.1f s per measurement%n",
        System.getProperty("java.version"), Runtime.getRuntime().availableProcessors(), seconds);
    System.out.printf(Locale.ROOT, "%-11s %-14s %-16s %9s %9s %10s %10s %12s%n", "model", "input",
        "engine", "p50 ms", "p99 ms", "req/s c=1", "req/s c=4", "vs ORT c=1");
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    for (Case c : CASES) {
      HostTensor input = randomInput(c);
      double ortRate;
      try (OrtSession session = ortSession(env, c.model(), false)) {
        ortRate = report(c, "onnxruntime", ortCall(env, session, input), seconds, Double.NaN);
      }
      // ONNX Runtime can also treat subnormals as zero (off by default), as planline's loader
      // does to the weights: both rows are shown so the comparison stays like for like.
      try (OrtSession session = ortSession(env, c.model(), true)) {
        report(c, "onnxruntime-daz", ortCall(env, session, input), seconds, ortRate);
      }
      for (String planner : PLANNERS) {
        try (LocalInferenceService s = Runtimes.create(new RuntimeSettings("cpu", planner,
            List.of(new RuntimeSettings.ModelSpec(c.model(), "1", null, null)), 64, 4, 64,
            Long.MAX_VALUE, 1_000))) {
          Map<String, HostTensor> in = Map.of(c.input(), input);
          Callable<Object> ours = () -> s.infer(c.model(), null, in).block(Duration.ofMinutes(1));
          report(c, "planline/" + planner, ours, seconds, ortRate);
        }
      }
    }
  }

  private static double report(Case c, String engine, Callable<Object> call, double seconds,
      double ortRate) throws Exception {
    for (int i = 0; i < 20; i++) {
      call.call();
    }
    double[] lat = latencies(call, seconds);
    double r1 = throughput(call, 1, seconds);
    double r4 = throughput(call, 4, seconds);
    System.out.printf(Locale.ROOT, "%-11s %-14s %-16s %9.3f %9.3f %10.1f %10.1f %12s%n", c.model(),
        Arrays.toString(c.shape()).replace(" ", ""), engine, lat[lat.length / 2],
        lat[(int) (lat.length * 0.99)], r1, r4,
        Double.isNaN(ortRate) ? "1.00" : String.format(Locale.ROOT, "%.2f", r1 / ortRate));
    return r1;
  }

  private static double[] latencies(Callable<Object> call, double seconds) throws Exception {
    long end = System.nanoTime() + (long) (seconds * 1e9);
    double[] out = new double[1 << 16];
    int n = 0;
    while (System.nanoTime() < end && n < out.length) {
      long t0 = System.nanoTime();
      call.call();
      out[n++] = (System.nanoTime() - t0) / 1e6;
    }
    double[] l = Arrays.copyOf(out, n);
    Arrays.sort(l);
    return l;
  }

  private static double throughput(Callable<Object> call, int concurrency, double seconds)
      throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(concurrency);
    AtomicLong done = new AtomicLong();
    long end = System.nanoTime() + (long) (seconds * 1e9);
    long start = System.nanoTime();
    Future<?>[] fs = new Future<?>[concurrency];
    for (int i = 0; i < concurrency; i++) {
      fs[i] = pool.submit(() -> {
        while (System.nanoTime() < end) {
          call.call();
          done.incrementAndGet();
        }
        return null;
      });
    }
    for (Future<?> f : fs) {
      f.get();
    }
    pool.shutdown();
    pool.awaitTermination(1, TimeUnit.MINUTES);
    return done.get() / ((System.nanoTime() - start) / 1e9);
  }

  private static HostTensor randomInput(Case c) {
    Random rnd = new Random(42);
    int n = (int) HostTensor.elements(c.shape());
    if (c.dtype() == DType.INT64) {
      long[] v = new long[n];
      for (int i = 0; i < n; i++) {
        v[i] = rnd.nextInt(256);
      }
      return HostTensor.ofLongs(c.input(), c.shape(), v);
    }
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = rnd.nextInt(17);
    }
    return HostTensor.ofFloats(c.input(), c.shape(), v);
  }

  private static Callable<Object> ortCall(OrtEnvironment env, OrtSession session,
      HostTensor input) {
    return () -> {
      try (OnnxTensor t = ortTensor(env, input);
          var r = session.run(Map.of(session.getInputNames().iterator().next(), t))) {
        return r.get(0).getValue();
      }
    };
  }

  private static OrtSession ortSession(OrtEnvironment env, String model, boolean denormalsAsZero)
      throws Exception {
    var source = ModelLoader.builtIn(model);
    byte[] bytes;
    try (InputStream in = source.open("model.onnx")) {
      bytes = in.readAllBytes();
    }
    var opts = new OrtSession.SessionOptions();
    opts.setIntraOpNumThreads(Runtime.getRuntime().availableProcessors());
    if (denormalsAsZero) {
      opts.addConfigEntry("session.set_denormal_as_zero", "1");
    }
    return env.createSession(bytes, opts);
  }

  private static OnnxTensor ortTensor(OrtEnvironment env, HostTensor t) throws Exception {
    if (t.dtype() == DType.INT64) {
      return OnnxTensor.createTensor(env,
          t.data().duplicate().order(java.nio.ByteOrder.LITTLE_ENDIAN).asLongBuffer(), t.shape());
    }
    FloatBuffer f = t.data().duplicate().order(java.nio.ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
    return OnnxTensor.createTensor(env, f, t.shape());
  }
}
