package io.planline.kernel;

import io.planline.exec.HostTensor;
import io.planline.exec.LocalInferenceService;
import io.planline.exec.RuntimeSettings;
import io.planline.exec.Runtimes;
import io.planline.ir.DType;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/**
 * Manual driver (not a test): p50 and best latency of the built-in models on the CPU backend
 * with the offset planner, for measuring kernel changes without ONNX Runtime. Run with
 * {@code java -cp <test classpath> io.planline.kernel.ModelLatencyMain [SECONDS [FILTER]]}.
 */
final class ModelLatencyMain {

  private record Case(String model, String input, long[] shape, DType dtype) {}

  private static final List<Case> CASES = List.of(
      new Case("digits-mlp", "x", new long[] {1, 64}, DType.FLOAT32),
      new Case("digits-cnn", "x", new long[] {64, 1, 8, 8}, DType.FLOAT32),
      new Case("tiny-gpt", "tokens", new long[] {1, 64}, DType.INT64),
      new Case("tiny-gpt", "tokens", new long[] {8, 64}, DType.INT64));

  private ModelLatencyMain() {}

  public static void main(String[] args) throws Exception {
    double seconds = args.length > 0 ? Double.parseDouble(args[0]) : 2.0;
    String only = args.length > 1 ? args[1] : "";
    for (Case c : CASES) {
      if (!(c.model() + Arrays.toString(c.shape()).replace(" ", "")).contains(only)) {
        continue;
      }
      try (LocalInferenceService s = Runtimes.create(new RuntimeSettings("cpu", "offset",
          List.of(new RuntimeSettings.ModelSpec(c.model(), "1", null, null)), 64, 4, 64,
          Long.MAX_VALUE, 1_000))) {
        Map<String, HostTensor> in = Map.of(c.input(), input(c));
        Runnable call = () -> s.infer(c.model(), null, in).block(Duration.ofMinutes(1));
        for (int i = 0; i < 50; i++) {
          call.run();
        }
        long end = System.nanoTime() + (long) (seconds * 1e9);
        double[] lat = new double[1 << 16];
        int n = 0;
        while (System.nanoTime() < end && n < lat.length) {
          long t0 = System.nanoTime();
          call.run();
          lat[n++] = (System.nanoTime() - t0) / 1e6;
        }
        double[] l = Arrays.copyOf(lat, n);
        Arrays.sort(l);
        System.out.printf(Locale.ROOT, "%-11s %-10s p50 %8.3f ms  min %8.3f ms  (n=%d)%n",
            c.model(), Arrays.toString(c.shape()).replace(" ", ""), l[n / 2], l[0], n);
      }
    }
  }

  private static HostTensor input(Case c) {
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
}
