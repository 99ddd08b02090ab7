package io.planline.kernel;

import io.planline.ir.DType;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import org.bytedeco.dnnl.IntMemoryMap;
import org.bytedeco.dnnl.convolution_forward;
import org.bytedeco.dnnl.matmul;
import org.bytedeco.dnnl.memory;
import org.bytedeco.dnnl.primitive;
import org.bytedeco.dnnl.primitive_attr;
import org.bytedeco.dnnl.global.dnnl;
import org.bytedeco.javacpp.FloatPointer;

/**
 * ResNet-50's 53 convolutions at batch 1, run one after another as the model runs them, each with
 * its own weight (so each weight is read from memory as in the model, not from a cache a
 * repeated call keeps warm), with the median time of each over 80 passes and of the whole pass.
 * For session 27's question: how far oneDNN's convolutions, not planline's steps around them,
 * are from ONNX Runtime's (whose per-node profile, {@code bench.OrtNodeProfile}, gave 26.8 ms
 * for the same 53 on the same guest).
 *
 * <p>{@code java -cp target/test-classes:target/classes:CLASSPATH
 * io.planline.kernel.ResNetConvSequenceBench [--zeros] [planline|nhwc|blocked|matmul]}:
 * <ul>
 *   <li>{@code planline} (default): through {@link DnnlConv#tryRun}, channels-last tensors and
 *       marked weights, as a program's steps call it;
 *   <li>{@code nhwc}: oneDNN's primitive directly on channels-last data;
 *   <li>{@code blocked}: oneDNN's nChw16c layout (the stem stays channels-last);
 *   <li>{@code matmul}: the stride-1 1x1 convolutions as oneDNN matmuls.
 * </ul>
 * Data are Gaussian (scale 0.05) unless {@code --zeros}. All-zero operands that were written ran
 * as fast as Gaussian ones (30.3 against 30.4 ms a pass, nhwc, 2-core Xeon, session 27); a
 * temporary loop that never wrote its oneDNN-allocated buffers ran 25.5, since untouched pages
 * all map the kernel's one zero page and stay in cache, so a benchmark must write its operands.
 * On that guest the planline mode took 31.9-33.8 ms a pass against nhwc's 30.4-31.0 while
 * planline's buffers started where the JVM put them; oneDNN's own timer put 32.25 ms inside the
 * primitives then, 29.8-30.6 once they started on a cache line ({@link Tensor#allocateDirect}).
 *
 * <p>A caution (session 28): inside the model the same primitives run faster than here, the 1x1
 * ones most (256→64 at 56x56: 0.30 ms a call in the model, 0.44 here), and a choice that wins
 * here can lose there (oneDNN's {@code jit_1x1} against its default {@code brgconv_1x1}).
 * Compare implementations with {@code ONEDNN_VERBOSE=profile_exec} on {@code run --profile}.
 */
public final class ResNetConvSequenceBench {

  private static final int PASSES = 100;
  private static final int WARM = 20;

  private ResNetConvSequenceBench() {}

  /** input channels, size, output channels, kernel, stride, padding; in the model's order. */
  static List<long[]> shapes() {
    List<long[]> seq = new ArrayList<>();
    seq.add(new long[] {3, 224, 64, 7, 2, 3});
    long[][] stages = {{64, 3, 56, 1}, {128, 4, 56, 2}, {256, 6, 28, 2}, {512, 3, 14, 2}};
    long in = 64;
    for (long[] stage : stages) {
      long width = stage[0];
      long size = stage[2];
      for (int block = 0; block < stage[1]; block++) {
        long stride = block == 0 ? stage[3] : 1;
        long out = (size + 2 - 3) / stride + 1;
        seq.add(new long[] {in, size, width, 1, 1, 0});
        seq.add(new long[] {width, size, width, 3, stride, 1});
        if (block == 0) {
          seq.add(new long[] {in, size, width * 4, 1, stride, 0});
        }
        seq.add(new long[] {width, out, width * 4, 1, 1, 0});
        in = width * 4;
        size = out;
      }
    }
    return seq;
  }

  public static void main(String[] args) {
    boolean zeros = Arrays.asList(args).contains("--zeros");
    String mode = Arrays.stream(args).filter(a -> !a.startsWith("--")).findFirst()
        .orElse("planline");
    List<long[]> seq = shapes();
    List<Runnable> calls = new ArrayList<>();
    for (long[] c : seq) {
      calls.add(mode.equals("planline") ? planline(c, zeros) : oneDnn(c, mode, zeros));
    }
    double[][] times = new double[seq.size()][PASSES - WARM];
    double[] whole = new double[PASSES - WARM];
    for (int pass = 0; pass < PASSES; pass++) {
      long start = System.nanoTime();
      for (int i = 0; i < calls.size(); i++) {
        long t0 = System.nanoTime();
        calls.get(i).run();
        if (pass >= WARM) {
          times[i][pass - WARM] = (System.nanoTime() - t0) / 1e6;
        }
      }
      if (pass >= WARM) {
        whole[pass - WARM] = (System.nanoTime() - start) / 1e6;
      }
    }
    Map<String, double[]> byShape = new LinkedHashMap<>(); // sum of medians, count
    for (int i = 0; i < seq.size(); i++) {
      double[] agg = byShape.computeIfAbsent(label(seq.get(i)), k -> new double[2]);
      agg[0] += median(times[i]);
      agg[1]++;
    }
    System.out.printf(Locale.ROOT, "# %s, %s data, %d passes after %d: medians (ms)%n", mode,
        zeros ? "all-zero" : "Gaussian", PASSES - WARM, WARM);
    byShape.forEach((k, v) -> System.out.printf(Locale.ROOT, "%-32s x%d  %.3f each%n", k,
        (int) v[1], v[0] / v[1]));
    System.out.printf(Locale.ROOT, "whole pass %.3f ms%n", median(whole));
  }

  private static String label(long[] c) {
    return String.format(Locale.ROOT, "%dx%d -> %d, %dx%d /%d", c[0], c[1], c[2], c[3], c[3],
        c[4]);
  }

  private static double median(double[] v) {
    double[] s = v.clone();
    Arrays.sort(s);
    return s[s.length / 2];
  }

  private static long outSize(long[] c) {
    return (c[1] + 2 * c[5] - c[3]) / c[4] + 1;
  }

  /** One convolution through planline's oneDNN step. */
  private static Runnable planline(long[] c, boolean zeros) {
    long o = outSize(c);
    Tensor x = filled(zeros, 1, c[1], c[1], c[0]).permute(0, 3, 1, 2);
    Tensor w = filled(zeros, c[2], c[0], c[3], c[3]);
    KernelLibrary.cpu().markWeight(w);
    Tensor bias = filled(zeros, c[2]);
    Tensor out = filled(true, 1, o, o, c[2]).permute(0, 3, 1, 2);
    long[] stride = {c[4], c[4]};
    long[] pad = {c[5], c[5]};
    long[] dil = {1, 1};
    return () -> {
      if (!DnnlConv.tryRun(x, w, bias, stride, pad, dil, 1, out)) {
        throw new IllegalStateException("oneDNN refused " + label(c));
      }
    };
  }

  private static Tensor filled(boolean zeros, long... shape) {
    Tensor t = Tensor.allocate(DType.FLOAT32, shape);
    if (!zeros) {
      FloatBuffer f = t.data().duplicate().order(ByteOrder.nativeOrder()).asFloatBuffer();
      SplittableRandom r = new SplittableRandom(shape.length * 31L + shape[0]);
      while (f.hasRemaining()) {
        f.put((float) (gaussian(r) * 0.05));
      }
    }
    return t;
  }

  private static double gaussian(SplittableRandom r) {
    return Math.sqrt(-2 * Math.log(1 - r.nextDouble())) * Math.cos(2 * Math.PI * r.nextDouble());
  }

  /** One convolution (or, in matmul mode, a stride-1 1x1 one as a product) on oneDNN itself. */
  private static Runnable oneDnn(long[] c, String mode, boolean zeros) {
    long o = outSize(c);
    var eng = Dnnl.engine();
    // every core, before the primitive is made: oneDNN divides its work at creation
    Dnnl.useThreads(Long.MAX_VALUE);
    primitive_attr attr = new primitive_attr();
    memory.desc bias = new memory.desc(new long[] {c[2]}, memory.data_type.f32,
        memory.format_tag.a);
    primitive p;
    memory[] mem;
    if (mode.equals("matmul") && c[3] == 1 && c[4] == 1) {
      long rows = c[1] * c[1];
      memory.desc src = new memory.desc(new long[] {rows, c[0]}, memory.data_type.f32,
          memory.format_tag.ab);
      memory.desc w = new memory.desc(new long[] {c[0], c[2]}, memory.data_type.f32,
          memory.format_tag.any);
      memory.desc b2 = new memory.desc(new long[] {1, c[2]}, memory.data_type.f32,
          memory.format_tag.ab);
      memory.desc dst = new memory.desc(new long[] {rows, c[2]}, memory.data_type.f32,
          memory.format_tag.ab);
      matmul.primitive_desc pd = new matmul.primitive_desc(eng, src, w, b2, dst, attr, false);
      mem = new memory[] {new memory(src, eng), new memory(pd.weights_desc(), eng),
          new memory(b2, eng), new memory(dst, eng)};
      p = new matmul(pd);
    } else {
      memory.format_tag tag = mode.equals("blocked") && c[0] % 16 == 0
          ? memory.format_tag.nChw16c : memory.format_tag.nhwc;
      memory.desc src = new memory.desc(new long[] {1, c[0], c[1], c[1]}, memory.data_type.f32,
          tag);
      memory.desc dst = new memory.desc(new long[] {1, c[2], o, o}, memory.data_type.f32, tag);
      memory.desc w = new memory.desc(new long[] {c[2], c[0], c[3], c[3]},
          memory.data_type.f32, memory.format_tag.any);
      long[] pad = {c[5], c[5]};
      convolution_forward.primitive_desc pd = new convolution_forward.primitive_desc(eng,
          dnnl.prop_kind.forward_inference, dnnl.algorithm.convolution_direct, src, w, bias, dst,
          new long[] {c[4], c[4]}, new long[] {0, 0}, pad, pad, attr, false);
      mem = new memory[] {new memory(pd.src_desc(), eng), new memory(pd.weights_desc(), eng),
          new memory(bias, eng), new memory(pd.dst_desc(), eng)};
      p = new convolution_forward(pd);
    }
    for (int i = 0; i < 3; i++) {
      long floats = mem[i].get_desc().get_size() / 4;
      FloatPointer fp = new FloatPointer(mem[i].get_data_handle()).capacity(floats);
      SplittableRandom r = new SplittableRandom(i);
      for (long e = 0; e < floats; e++) {
        fp.put(e, zeros ? 0f : (float) (gaussian(r) * 0.05));
      }
    }
    IntMemoryMap map = new IntMemoryMap();
    map.put(dnnl.DNNL_ARG_SRC, mem[0]);
    map.put(dnnl.DNNL_ARG_WEIGHTS, mem[1]);
    map.put(dnnl.DNNL_ARG_BIAS, mem[2]);
    map.put(dnnl.DNNL_ARG_DST, mem[3]);
    return () -> {
      Dnnl.useThreads(Long.MAX_VALUE);
      p.execute(Dnnl.stream(), map);
    };
  }
}
