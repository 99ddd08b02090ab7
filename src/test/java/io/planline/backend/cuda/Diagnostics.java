package io.planline.backend.cuda;

import io.planline.backend.Backend.PreparedLaunch;
import io.planline.backend.DeviceBuffer;
import io.planline.backend.DeviceTensor;
import io.planline.ir.DType;
import io.planline.ir.Device;
import io.planline.ir.WrapperLine.KernelCallLine;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/**
 * Where a large tiny-gpt request's time goes: the time of single kernels at that request's
 * shapes (each launched many times back to back, then one wait) and of copying its output back.
 */
final class Diagnostics {

  private Diagnostics() {}

  /** Milliseconds per launch of each probe, and per 16.7 MB download. */
  static Map<String, Object> run(CudaBackend gpu) {
    Map<String, Object> out = new LinkedHashMap<>();
    long t = 16384;
    probe(gpu, out, "mm 16384x128 @ 128x512", "aten.mm.default", List.of("a", "b"),
        List.of(KernelCases.f("a", t, 128), KernelCases.tr("b", 128, 512)),
        List.of(KernelCases.of("y", t, 512)), 2.0 * t * 128 * 512);
    probe(gpu, out, "addmm 16384x512 @ 512x128", "aten.addmm.default",
        List.of("c", "a", "b", "1", "1"), List.of(KernelCases.f("c", 128),
            KernelCases.f("a", t, 512), KernelCases.tr("b", 512, 128)),
        List.of(KernelCases.of("y", t, 128)), 2.0 * t * 128 * 512);
    probe(gpu, out, "bmm 256x64x32 @ 32x64", "aten.bmm.default", List.of("a", "b"),
        List.of(KernelCases.f("a", 256, 64, 32), KernelCases.tr("b", 256, 32, 64)),
        List.of(KernelCases.of("y", 256, 64, 64)), 2.0 * 256 * 64 * 64 * 32);
    probe(gpu, out, "softmax 256x64x64", "aten._softmax.default", List.of("x", "-1", "False"),
        List.of(KernelCases.f("x", 256, 64, 64)), List.of(KernelCases.of("y", 256, 64, 64)), 0);
    probe(gpu, out, "layer_norm 16384x128", "aten.native_layer_norm.default",
        List.of("x", "[128]", "w", "b", "1e-05"), List.of(KernelCases.f("x", 256, 64, 128),
            KernelCases.f("w", 128), KernelCases.f("b", 128)),
        List.of(KernelCases.of("y", 256, 64, 128), KernelCases.of("m", 256, 64, 1),
            KernelCases.of("r", 256, 64, 1)), 0);
    probe(gpu, out, "gelu tanh 16384x512", "aten.gelu.default", List.of("x", "'tanh'"),
        List.of(KernelCases.f("x", t, 512)), List.of(KernelCases.of("y", t, 512)), 0);
    probe(gpu, out, "conv 8192x16x8x8 -> 32", "aten.convolution.default", List.of("x", "w",
        "None", "[1, 1]", "[1, 1]", "[1, 1]", "False", "[0, 0]", "1"),
        List.of(KernelCases.f("x", 8192, 16, 8, 8), KernelCases.f("w", 32, 16, 3, 3)),
        List.of(KernelCases.of("y", 8192, 32, 8, 8)), 2.0 * 8192 * 64 * 32 * 144);
    // the output copy of a [256, 64, 256] float request
    DeviceBuffer b = gpu.allocate(t * 256 * 4);
    DeviceTensor y = gpu.view(b, 0, DType.FLOAT32, new long[] {t, 256}, new long[] {256, 1});
    for (int i = 0; i < 3; i++) {
      gpu.call(0, () -> gpu.download(y, "y")).block(Duration.ofSeconds(30));
    }
    long t0 = System.nanoTime();
    for (int i = 0; i < 20; i++) {
      gpu.call(0, () -> gpu.download(y, "y")).block(Duration.ofSeconds(30));
    }
    out.put("download 16.7 MB ms", (System.nanoTime() - t0) / 1e6 / 20);
    copyProbe(gpu, (CudaTensor) y, out);
    gpu.free(b);
    out.forEach((k, v) -> System.out.printf(Locale.ROOT, "diagnostic %-40s %s%n", k, v));
    return out;
  }

  /** Ways to bring a dense 16.7 MB result to the Java heap, each timed alone. */
  private static void copyProbe(CudaBackend gpu, CudaTensor t, Map<String, Object> out) {
    int n = (int) (t.numel() * 4);
    gpu.contextForTests().makeCurrent();
    jcuda.driver.CUdeviceptr src = t.buffer().pointer();
    PinnedPool.Block pin = gpu.pinnedForTests().take(n);
    String[] names = {"dtoh pinned", "heap allocate", "pinned to heap put",
        "pinned to heap put, 8 threads", "dtoh byte[]", "dtoh direct allocate+copy"};
    double[] ms = new double[names.length];
    byte[][] keep = new byte[1][];
    for (int rep = 0; rep < 12; rep++) {
      long[] ts = new long[names.length + 1];
      ts[0] = System.nanoTime();
      jcuda.driver.JCudaDriver.cuMemcpyDtoH(pin.pointer(), src, n);
      ts[1] = System.nanoTime();
      ByteBuffer heap = ByteBuffer.allocate(n);
      ts[2] = System.nanoTime();
      heap.put(pin.bytes().duplicate().clear().limit(n)).clear();
      ts[3] = System.nanoTime();
      ByteBuffer heap2 = ByteBuffer.allocate(n);
      int chunk = n / 8;
      java.util.stream.IntStream.range(0, 8).parallel().forEach(c -> heap2.duplicate()
          .position(c * chunk).put(pin.bytes().duplicate().clear().position(c * chunk)
              .limit(c == 7 ? n : (c + 1) * chunk)));
      ts[4] = System.nanoTime();
      byte[] arr = new byte[n];
      jcuda.driver.JCudaDriver.cuMemcpyDtoH(jcuda.Pointer.to(arr), src, n);
      ts[5] = System.nanoTime();
      ByteBuffer direct = ByteBuffer.allocateDirect(n);
      jcuda.driver.JCudaDriver.cuMemcpyDtoH(jcuda.Pointer.to(direct), src, n);
      ts[6] = System.nanoTime();
      keep[0] = arr;
      if (rep >= 2) {
        for (int i = 0; i < names.length; i++) {
          ms[i] += (ts[i + 1] - ts[i]) / 1e6 / 10;
        }
      }
    }
    gpu.pinnedForTests().give(pin);
    for (int i = 0; i < names.length; i++) {
      out.put("copy " + names[i] + " ms", ms[i]);
    }
  }

  private static void probe(CudaBackend gpu, Map<String, Object> out, String label, String op,
      List<String> args, List<KernelCases.Input> inputs, List<KernelCases.Output> outputs,
      double flops) {
    Random rnd = new Random(5);
    Map<String, DeviceTensor> dev = new HashMap<>();
    List<DeviceBuffer> held = new ArrayList<>();
    for (KernelCases.Input in : inputs) {
      ByteBuffer storage = HostData.input(in, rnd);
      DeviceBuffer b = gpu.allocate(storage.capacity());
      held.add(b);
      gpu.upload(b, storage);
      dev.put(in.name(), gpu.view(b, 0, in.dtype(), in.shape(), HostData.strides(in)));
    }
    for (KernelCases.Output o : outputs) {
      long bytes = Math.max(1, KernelCases.numel(o.shape())) * o.dtype().itemSize();
      DeviceBuffer b = gpu.allocate(bytes);
      held.add(b);
      dev.put(o.name(), gpu.view(b, 0, o.dtype(), o.shape(), KernelCases.contiguous(o.shape())));
    }
    PreparedLaunch l = gpu.prepare(new KernelCallLine(op, args, Device.CUDA0,
        outputs.stream().map(KernelCases.Output::name).toList()));
    int reps = 50;
    gpu.submit(0, () -> l.run(dev::get)).block(Duration.ofSeconds(30));
    long t0 = System.nanoTime();
    gpu.submit(0, () -> {
      for (int i = 0; i < reps; i++) {
        l.run(dev::get);
      }
    }).block(Duration.ofSeconds(60));
    double ms = (System.nanoTime() - t0) / 1e6 / reps;
    out.put(label + " ms", ms);
    if (flops > 0) {
      out.put(label + " TFLOP/s", flops / (ms * 1e-3) / 1e12);
    }
    held.forEach(gpu::free);
  }
}
