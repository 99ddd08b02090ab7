package io.planline.bench;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * ONNX Runtime's own time per node for one input (floats, or token ids where it takes int64), to set beside planline's
 * {@code run --profile} and oneDNN's {@code ONEDNN_VERBOSE=profile_exec}: ONNX Runtime's session
 * profiler (the same options as {@link ModelBench}'s {@code onnxruntime-daz} row: a thread per
 * core, subnormals as zero) over 250 runs, the first 50 left out, each node's median.
 *
 * <p>{@code java -cp target/test-classes:target/classes:CLASSPATH
 * io.planline.bench.OrtNodeProfile MODEL.onnx 1,3,224,224}: prints the run's median, the sum of
 * the nodes' medians, that sum per operator type, and each node.
 */
public final class OrtNodeProfile {

  private static final int RUNS = 250;
  private static final int WARM = 50;

  private OrtNodeProfile() {}

  public static void main(String[] args) throws Exception {
    if (args.length != 2) {
      System.err.println("usage: OrtNodeProfile MODEL.onnx SHAPE (e.g. 1,3,224,224)");
      System.exit(2);
    }
    long[] shape = Arrays.stream(args[1].split(",")).mapToLong(Long::parseLong).toArray();
    Path prefix = Files.createTempDirectory("ort-profile").resolve("profile");
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    var opts = new OrtSession.SessionOptions();
    opts.setIntraOpNumThreads(Runtime.getRuntime().availableProcessors());
    opts.addConfigEntry("session.set_denormal_as_zero", "1");
    opts.enableProfiling(prefix.toString());
    int count = Math.toIntExact(Arrays.stream(shape).reduce(1, (a, b) -> a * b));
    SplittableRandom r = new SplittableRandom(1);
    double[] runs = new double[RUNS - WARM];
    String profile;
    try (OrtSession session = env.createSession(args[0], opts)) {
      String input = session.getInputNames().iterator().next();
      boolean ids = ((TensorInfo) session.getInputInfo().get(input).getInfo()).type
          == OnnxJavaType.INT64;
      // token ids (BERT, GPT-2) below 1,000, else floats in [-1, 1)
      long[] tokens = r.longs(count, 0, 1000).toArray();
      float[] x = new float[ids ? 0 : count];
      for (int i = 0; i < x.length; i++) {
        x[i] = (float) (r.nextDouble() * 2 - 1);
      }
      for (int i = 0; i < RUNS; i++) {
        try (OnnxTensor t = ids ? OnnxTensor.createTensor(env, LongBuffer.wrap(tokens), shape)
            : OnnxTensor.createTensor(env, FloatBuffer.wrap(x), shape)) {
          long start = System.nanoTime();
          session.run(Map.of(input, t)).close();
          if (i >= WARM) {
            runs[i - WARM] = (System.nanoTime() - start) / 1e6;
          }
        }
      }
      profile = session.endProfiling();
    }
    JsonNode events = new ObjectMapper().readTree(Path.of(profile).toFile());
    Files.delete(Path.of(profile)); // tens of MB of events per profile
    Files.delete(prefix.getParent());
    report(events, median(runs));
  }

  private static void report(JsonNode events, double runMedian) {
    Map<String, List<Double>> byNode = new LinkedHashMap<>();
    Map<String, String> opOf = new LinkedHashMap<>();
    for (JsonNode e : events) {
      String name = e.path("name").asText();
      if (!"Node".equals(e.path("cat").asText()) || !name.endsWith("_kernel_time")) {
        continue;
      }
      byNode.computeIfAbsent(name, k -> new ArrayList<>()).add(e.path("dur").asDouble() / 1000);
      opOf.putIfAbsent(name, e.path("args").path("op_name").asText());
    }
    Map<String, Double> byOp = new LinkedHashMap<>();
    Map<String, Double> nodeMedians = new LinkedHashMap<>();
    byNode.forEach((name, times) -> {
      // the last RUNS - WARM calls of each node are the measured runs
      List<Double> kept = times.subList(Math.max(0, times.size() - (RUNS - WARM)), times.size());
      double m = median(kept.stream().mapToDouble(Double::doubleValue).toArray());
      nodeMedians.put(name, m);
      byOp.merge(opOf.get(name), m, Double::sum);
    });
    double sum = nodeMedians.values().stream().mapToDouble(Double::doubleValue).sum();
    System.out.printf(Locale.ROOT, "run median %.3f ms; nodes' medians sum to %.3f ms%n",
        runMedian, sum);
    byOp.forEach((op, ms) -> System.out.printf(Locale.ROOT, "  %-16s %8.3f ms%n", op, ms));
    nodeMedians.forEach((name, ms) -> System.out.printf(Locale.ROOT, "%8.3f  %-14s %s%n", ms,
        opOf.get(name), name.substring(0, name.length() - "_kernel_time".length())));
  }

  private static double median(double[] v) {
    double[] s = v.clone();
    Arrays.sort(s);
    return s[s.length / 2];
  }
}
