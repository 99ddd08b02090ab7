package io.planline.bench;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import io.planline.backend.HostTensor;
import io.planline.exec.batch.BatchTensors;
import io.planline.exec.LocalInferenceService;
import io.planline.exec.PathWarmup;
import io.planline.exec.RuntimeSettings;
import io.planline.exec.Runtimes;
import io.planline.ir.DType;
import io.planline.model.ModelLoader;
import java.io.InputStream;
import java.nio.FloatBuffer;
import java.nio.file.Path;
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
import java.util.function.ToDoubleFunction;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;

/**
 * Latency and throughput of every built-in model on the CPU backend — its Java kernels and, where
 * this machine runs them, Inductor's compiled kernels — next to ONNX Runtime for Java on the same
 * model's ONNX export, in the same run, with the same thread count, warm-up and input copies.
 *
 * <p>Run: {@code tools/bench-models.sh [--json] [--seconds S] [--warmup S] [--only NAME]
 * [--no-java] [--rounds N]} ({@code --warmup}: seconds of calls before each measurement; {@code
 * --only}: the models whose name contains NAME; {@code --no-java}: no rows for the built-in
 * models' Java kernels; {@code --rounds}: measure every engine of a case N times, in turn, and
 * print the medians with each round's ratio to ONNX Runtime). Prints one row per
 * (model, input, engine): p50 / p99 latency of sequential requests, and requests per second with 1
 * and 4 requests in flight, and the milliseconds the JVM spent collecting garbage while the
 * latencies were taken; {@code --json} prints one JSON object per row instead.
 */
public final class ModelBench {

  /**
   * One measured input, random values of {@code shape}; {@code others}: a model's further inputs
   * at the same batch (its sample's rows: an attention mask must stay a mask); {@code folder} is
   * null for a built-in model.
   */
  private record Case(String model, String input, long[] shape, DType dtype,
      Map<String, HostTensor> others, @Nullable Path folder) {
    Case(String model, String input, long[] shape, DType dtype) {
      this(model, input, shape, dtype, Map.of(), null);
    }

    ModelLoader.Source source() {
      return folder == null ? ModelLoader.builtIn(model) : ModelLoader.folder(folder);
    }
  }

  private static final List<Case> CASES = List.of(
      new Case("digits-mlp", "x", new long[] {1, 64}, DType.FLOAT32),
      new Case("digits-mlp", "x", new long[] {64, 64}, DType.FLOAT32),
      new Case("digits-cnn", "x", new long[] {1, 1, 8, 8}, DType.FLOAT32),
      new Case("digits-cnn", "x", new long[] {64, 1, 8, 8}, DType.FLOAT32),
      new Case("tiny-gpt", "tokens", new long[] {1, 64}, DType.INT64),
      new Case("tiny-gpt", "tokens", new long[] {8, 64}, DType.INT64));

  /** The planner of the planline rows (the default one). */
  private static final String PLANNER = "offset";

  private static boolean json;
  /**
   * Seconds of calls before each measurement, after the 20 warm-up calls (--warmup; 0 by
   * default, as before): planline's small programs reach their steady speed only after the JIT
   * has compiled their path and InlineRuns has measured them, a few seconds in.
   */
  private static double warmupSeconds;

  private ModelBench() {}

  public static void main(String[] args) throws Exception {
    double seconds = 2.0;
    List<Case> cases = new java.util.ArrayList<>(CASES);
    boolean folders = false;
    String only = "";
    boolean noJava = false;
    int rounds = 1;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--json" -> json = true;
        case "--seconds" -> seconds = Double.parseDouble(args[++i]);
        case "--only" -> only = args[++i]; // e.g. "digits": models whose name contains it
        case "--no-java" -> noJava = true; // skip the Java-kernel rows
        case "--warmup" -> warmupSeconds = Double.parseDouble(args[++i]);
        case "--rounds" -> rounds = Integer.parseInt(args[++i]); // engines alternate per round
        default -> {
          if (args[i].matches("[0-9.]+")) {
            seconds = Double.parseDouble(args[i]); // the old positional form
          } else {
            if (!folders) {
              cases.clear(); // folders given: measure those
              folders = true;
            }
            cases.addAll(folderCases(Path.of(args[i])));
          }
        }
      }
    }
    if (rounds < 1) {
      throw new IllegalArgumentException("--rounds must be at least 1, got " + rounds);
    }
    int cores = Runtime.getRuntime().availableProcessors();
    // as the server does at start (server/RuntimeFactory): planline's request path compiled
    PathWarmup.Result warm = PathWarmup.once();
    String header = String.format(Locale.ROOT, "java %s, %d cores, %.1f s per measurement; "
        + "ONNX Runtime and planline both use %d threads, 20 warm-up calls and then %.1f s of"
        + " them, a fresh input copy per call; onnxruntime-daz treats subnormals as zero as"
        + " planline's loader does to weights; %d round(s), the engines in turn in each, figures"
        + " the medians of the rounds; planline's request path warmed as the server's start"
        + " does: %s", System.getProperty("java.version"), cores,
        seconds, cores, warmupSeconds, rounds, warm == null ? "off (or it failed; see the log)"
            : warm.requests() + " requests of " + PathWarmup.MODEL);
    if (json) {
      System.out.println("{\"comment\": \"" + header + "\"}");
    } else {
      System.out.println("# " + header);
      System.out.printf(Locale.ROOT, "%-11s %-14s %-19s %9s %9s %10s %10s %6s  %s%n", "model",
          "input", "engine", "p50 ms", "p99 ms", "req/s c=1", "req/s c=4", "gc ms",
          rounds == 1 ? "p50 / ORT" : "p50 / ORT: median (each round)");
    }
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    for (Case c : cases) {
      if (!c.model().contains(only)) {
        continue;
      }
      List<Engine> engines = new java.util.ArrayList<>();
      try {
        open(env, c, noJava, engines);
        measure(c, engines, seconds, rounds);
      } finally {
        for (Engine e : engines) {
          e.resource().close();
        }
      }
    }
  }

  /** One engine of a case, open for all its rounds: its row's name, its call, what it holds. */
  private record Engine(String name, Callable<Object> call, AutoCloseable resource) {}

  /** One round's figures of one engine. */
  private record Figures(double p50, double p99, double rps1, double rps4, long gcMillis) {}

  /** Opens every engine of {@code c}: ONNX Runtime plain and with subnormals as zero, planline. */
  private static void open(OrtEnvironment env, Case c, boolean noJava, List<Engine> engines)
      throws Exception {
    Map<String, HostTensor> in = new java.util.LinkedHashMap<>();
    in.put(c.input(), randomInput(c));
    in.putAll(c.others());
    if (c.source().has("model.onnx")) {
      for (boolean daz : new boolean[] {false, true}) {
        OrtSession session = ortSession(env, c, daz);
        engines.add(new Engine(daz ? "onnxruntime-daz" : "onnxruntime",
            ortCall(env, session, in), session));
      }
    }
    boolean measuredCompiled = false;
    for (ModelLoader.Kernels k : List.of(ModelLoader.Kernels.JAVA,
        ModelLoader.Kernels.INDUCTOR)) {
      if (k == ModelLoader.Kernels.JAVA && noJava && c.folder() == null) {
        continue;
      }
      if (k == ModelLoader.Kernels.INDUCTOR && measuredCompiled) {
        continue; // a folder exported with --compile inductor: its one program already ran
      }
      LocalInferenceService s;
      try {
        // -Dplanline.bench.streams: the CPU backend's streams (and running requests), 4 by
        // default (the server's max-concurrent-requests: one per core); 1 shows what one
        // OpenMP team gives with 4 in flight
        s = Runtimes.create(new RuntimeSettings("cpu", PLANNER, List.of(
            new RuntimeSettings.ModelSpec(c.model(), "1",
                c.folder() == null ? null : c.folder().toString(), null, k)), 64,
            Integer.getInteger("planline.bench.streams", 4), 64,
            Long.MAX_VALUE, 1_000));
      } catch (RuntimeException e) {
        System.err.println("# " + c.model() + ": no " + k + " row: " + e.getMessage());
        continue;
      }
      // a folder exported with --compile inductor has only the compiled program
      boolean compiled = s.find(c.model(), null).nativeKernels() != null;
      measuredCompiled |= compiled;
      Callable<Object> ours = () -> {
        List<HostTensor> out = s.infer(c.model(), null, in).block(Duration.ofMinutes(1));
        HostTensor.releaseAll(out); // as a server does once the answer is written
        return out;
      };
      engines.add(new Engine(compiled ? "planline-inductor" : "planline-java", ours, s));
    }
  }

  /**
   * Measures every engine of {@code c} in turn, {@code rounds} times over, and prints one row per
   * engine: the medians of its rounds' figures, and its p50's ratio to ONNX Runtime's in each
   * round. Rounds alternate the engines, so that a guest that slows down for a while slows each
   * engine in some round rather than one engine in all of them.
   */
  private static void measure(Case c, List<Engine> engines, double seconds, int rounds)
      throws Exception {
    List<List<Figures>> byEngine = new java.util.ArrayList<>();
    engines.forEach(e -> byEngine.add(new java.util.ArrayList<>()));
    for (int r = 0; r < rounds; r++) {
      for (int e = 0; e < engines.size(); e++) {
        byEngine.get(e).add(figures(engines.get(e).call(), seconds));
      }
    }
    List<Figures> ort = engines.isEmpty() || !engines.get(0).name().equals("onnxruntime") ? null
        : byEngine.get(0);
    for (int e = 0; e < engines.size(); e++) {
      List<Figures> mine = byEngine.get(e);
      double[] ratios = new double[rounds];
      for (int r = 0; r < rounds; r++) {
        ratios[r] = ort == null ? Double.NaN : mine.get(r).p50() / ort.get(r).p50();
      }
      print(c, engines.get(e).name(), mine, ratios);
    }
  }

  private static Figures figures(Callable<Object> call, double seconds) throws Exception {
    for (int i = 0; i < 20; i++) {
      call.call();
    }
    long warmEnd = System.nanoTime() + (long) (warmupSeconds * 1e9);
    while (System.nanoTime() < warmEnd) {
      call.call();
    }
    long gcBefore = gcMillis();
    double[] lat = latencies(call, seconds);
    long gc = gcMillis() - gcBefore;
    double r1 = throughput(call, 1, seconds);
    double r4 = throughput(call, 4, seconds);
    return new Figures(lat[lat.length / 2], lat[(int) (lat.length * 0.99)], r1, r4, gc);
  }

  private static double median(double[] values) {
    double[] v = values.clone();
    Arrays.sort(v);
    return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
  }

  private static double median(List<Figures> rounds, ToDoubleFunction<Figures> f) {
    return median(rounds.stream().mapToDouble(f).toArray());
  }

  private static void print(Case c, String engine, List<Figures> rounds, double[] ratios) {
    double p50 = median(rounds, Figures::p50);
    double p99 = median(rounds, Figures::p99);
    double r1 = median(rounds, Figures::rps1);
    double r4 = median(rounds, Figures::rps4);
    long gc = rounds.stream().mapToLong(Figures::gcMillis).sum();
    double ratio = median(ratios);
    String shape = Arrays.toString(c.shape()).replace(" ", "");
    String each = Arrays.stream(ratios).mapToObj(x -> String.format(Locale.ROOT, "%.2f", x))
        .collect(Collectors.joining(", "));
    if (json) {
      System.out.printf(Locale.ROOT, "{\"model\": \"%s\", \"input\": \"%s\", \"engine\": \"%s\", "
          + "\"p50_ms\": %.4f, \"p99_ms\": %.4f, \"rps_1\": %.1f, \"rps_4\": %.1f, "
          + "\"gc_ms\": %d, \"rounds\": %d, \"ratio_per_round\": [%s]}%n", c.model(), shape,
          engine, p50, p99, r1, r4, gc, rounds.size(), Double.isNaN(ratio) ? "" : each);
    } else {
      // "-": no model.onnx, so no ONNX Runtime row to compare with
      String ratioText = Double.isNaN(ratio) ? "-"
          : rounds.size() == 1 ? String.format(Locale.ROOT, "%.2f", ratio)
          : String.format(Locale.ROOT, "%.2f (%s)", ratio, each);
      System.out.printf(Locale.ROOT, "%-11s %-14s %-19s %9.3f %9.3f %10.1f %10.1f %6d  %s%n",
          c.model(), shape, engine, p50, p99, r1, r4, gc, ratioText);
    }
  }

  /**
   * The JVM's collection time so far, summed over its collectors. Both engines share this
   * process, and the fresh input copies of each call are garbage; a p99 far above the p50 with
   * no GC time beside it is not the collector's doing (ResNet-50 [1], session 17: p99 of 34-148
   * ms against a p50 of 24-29, and no collection in eleven of twelve runs).
   */
  private static long gcMillis() {
    return java.lang.management.ManagementFactory.getGarbageCollectorMXBeans().stream()
        .mapToLong(b -> Math.max(0, b.getCollectionTime())).sum();
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

  /** Calls per second from {@code concurrency} threads calling {@code call} for {@code seconds}. */
  static double throughput(Callable<Object> call, int concurrency, double seconds)
      throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(concurrency, r -> {
      Thread t = new Thread(r, "bench-caller");
      t.setDaemon(true); // a call that never returns must not keep the JVM up
      return t;
    });
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
    // a generous bound: ONNX Runtime once left all four calls waiting forever here (session 12),
    // and a benchmark that hangs says nothing about which engine did
    long bound = (long) (seconds * 1e9) + TimeUnit.MINUTES.toNanos(2);
    for (Future<?> f : fs) {
      try {
        f.get(Math.max(0, start + bound - System.nanoTime()), TimeUnit.NANOSECONDS);
      } catch (java.util.concurrent.TimeoutException e) {
        pool.shutdownNow();
        throw new IllegalStateException(concurrency + " calls in flight did not all return within "
            + TimeUnit.NANOSECONDS.toSeconds(bound) + " s");
      }
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

  /** One ONNX Runtime call on fresh copies of {@code inputs} (by name, as the ONNX file's). */
  private static Callable<Object> ortCall(OrtEnvironment env, OrtSession session,
      Map<String, HostTensor> inputs) {
    return () -> {
      Map<String, OnnxTensor> feed = new java.util.LinkedHashMap<>();
      try {
        for (var e : inputs.entrySet()) {
          feed.put(e.getKey(), ortTensor(env, e.getValue()));
        }
        try (var r = session.run(feed)) {
          return r.get(0).getValue();
        }
      } finally {
        feed.values().forEach(OnnxTensor::close);
      }
    };
  }

  /** A model folder measured at batch 1 and 8, its sample's input shape otherwise. */
  private static List<Case> folderCases(Path dir) throws Exception {
    var source = ModelLoader.folder(dir);
    io.planline.exec.Samples.Sample sample = io.planline.exec.Samples.of(source);
    var first = sample.inputs().entrySet().iterator().next();
    List<Case> out = new java.util.ArrayList<>();
    for (long batch : new long[] {1, 8}) {
      long[] shape = first.getValue().shape().clone();
      shape[0] = batch;
      Map<String, HostTensor> others = new java.util.LinkedHashMap<>();
      sample.inputs().forEach((name, t) -> {
        if (!name.equals(first.getKey())) {
          others.put(name, rows(t, batch));
        }
      });
      out.add(new Case(dir.getFileName().toString(), first.getKey(), shape,
          first.getValue().dtype(), others, dir));
    }
    return out;
  }

  /** {@code t} with {@code batch} rows: its own rows in turn, repeated as needed. */
  static HostTensor rows(HostTensor t, long batch) {
    long[] ones = new long[Math.toIntExact(t.shape()[0])];
    Arrays.fill(ones, 1);
    List<List<HostTensor>> each = BatchTensors.split(List.of(t), ones, 0);
    List<List<HostTensor>> picked = new java.util.ArrayList<>();
    for (long i = 0; i < batch; i++) {
      picked.add(each.get(Math.toIntExact(i % ones.length)));
    }
    return BatchTensors.concat(picked, 0).get(0);
  }

  private static OrtSession ortSession(OrtEnvironment env, Case c, boolean denormalsAsZero)
      throws Exception {
    var source = c.source();
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
