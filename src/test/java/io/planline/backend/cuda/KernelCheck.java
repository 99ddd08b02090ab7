package io.planline.backend.cuda;

import io.planline.backend.Backend.PreparedLaunch;
import io.planline.backend.DeviceBuffer;
import io.planline.backend.DeviceTensor;
import io.planline.ir.DType;
import io.planline.ir.Device;
import io.planline.ir.WrapperLine.KernelCallLine;
import io.planline.kernel.KernelLibrary;
import io.planline.kernel.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Runs one {@link KernelCases.Case} on the GPU and on the CPU kernel library over the same fresh
 * random inputs, outputs poisoned (NaN) on the device first, and reports the relative error:
 * the largest absolute difference over the largest magnitude of the CPU result, infinite when
 * the GPU left a NaN the CPU did not produce (an unwritten element), exact equality for integer
 * and bool outputs.
 */
final class KernelCheck {

  /** Relative error allowed for pointwise results (float32 rounding of double arithmetic). */
  static final double ELEMENTWISE = 1e-5;
  /** Relative error allowed for matrix products and reductions (another summation order). */
  static final double PRODUCT = 1e-4;

  /** One case's outcome. */
  record Result(String label, String op, double error, double tolerance, String detail) {
    boolean passed() {
      return error <= tolerance;
    }
  }

  private KernelCheck() {}

  static Result run(CudaBackend gpu, KernelCases.Case c, long seed) {
    Random rnd = new Random(seed);
    List<String> outNames = c.outputs().stream().map(KernelCases.Output::name).toList();
    Map<String, Tensor> cpu = new HashMap<>();
    Map<String, DeviceTensor> dev = new HashMap<>();
    List<DeviceBuffer> held = new ArrayList<>();
    try {
      for (KernelCases.Input in : c.inputs()) {
        ByteBuffer storage = HostData.input(in, rnd);
        cpu.put(in.name(), HostData.cpuTensor(in, storage));
        DeviceBuffer b = gpu.allocate(storage.capacity());
        held.add(b);
        gpu.upload(b, storage.duplicate().clear());
        dev.put(in.name(), gpu.view(b, 0, in.dtype(), in.shape(), HostData.strides(in)));
      }
      for (KernelCases.Output o : c.outputs()) {
        cpu.put(o.name(), Tensor.allocate(o.dtype(), o.shape()));
        ByteBuffer poison = HostData.poisoned(o.dtype(), o.shape());
        DeviceBuffer b = gpu.allocate(poison.capacity());
        held.add(b);
        gpu.upload(b, poison);
        dev.put(o.name(), gpu.view(b, 0, o.dtype(), o.shape(), KernelCases.contiguous(o.shape())));
      }
      KernelLibrary.cpu().prepare(c.op(), c.args(), outNames).run(cpu::get);
      PreparedLaunch launch = gpu.prepare(new KernelCallLine(c.op(), c.args(), Device.CUDA0,
          outNames));
      gpu.submit(0, () -> launch.run(dev::get)).block(Duration.ofSeconds(60));
      double worst = 0;
      String detail = "";
      for (KernelCases.Output o : c.outputs()) {
        double[] got = gpu.call(0, () -> deviceValues(gpu, (CudaTensor) dev.get(o.name())))
            .block(Duration.ofSeconds(60));
        double[] want = HostData.values(cpu.get(o.name()));
        double e = o.dtype() == DType.FLOAT32 ? relative(got, want) : exact(got, want);
        if (e > worst) {
          worst = e;
          detail = o.name();
        }
      }
      return new Result(c.label(), c.op(), worst, c.product() ? PRODUCT : ELEMENTWISE, detail);
    } catch (RuntimeException e) {
      return new Result(c.label(), c.op(), Double.POSITIVE_INFINITY,
          c.product() ? PRODUCT : ELEMENTWISE, e.toString());
    } finally {
      held.forEach(gpu::free);
    }
  }

  /** A dense device tensor's values, read back raw (any element type). */
  static double[] deviceValues(CudaBackend gpu, CudaTensor t) {
    ByteBuffer raw = gpu.rawCopy(t).order(ByteOrder.LITTLE_ENDIAN);
    Tensor host = Tensor.of(ByteBuffer.allocateDirect(Math.max(1, raw.capacity()))
        .order(ByteOrder.LITTLE_ENDIAN).put(raw).clear(), 0, t.dtype(), t.shapeRef(),
        KernelCases.contiguous(t.shapeRef()));
    return HostData.values(host);
  }

  /** max |got - want| / max |want|; NaN where the reference has none counts as infinite. */
  static double relative(double[] got, double[] want) {
    double worst = 0;
    double scale = 0;
    for (int i = 0; i < want.length; i++) {
      boolean wantNan = Double.isNaN(want[i]);
      if (Double.isNaN(got[i]) != wantNan) {
        return Double.POSITIVE_INFINITY;
      }
      if (wantNan || want[i] == got[i]) {
        continue;
      }
      if (Double.isInfinite(want[i]) || Double.isInfinite(got[i])) {
        return Double.POSITIVE_INFINITY;
      }
      worst = Math.max(worst, Math.abs(got[i] - want[i]));
    }
    for (double w : want) {
      if (!Double.isNaN(w) && !Double.isInfinite(w)) {
        scale = Math.max(scale, Math.abs(w));
      }
    }
    return scale == 0 ? worst : worst / scale;
  }

  private static double exact(double[] got, double[] want) {
    for (int i = 0; i < want.length; i++) {
      if (got[i] != want[i]) {
        return Double.POSITIVE_INFINITY;
      }
    }
    return 0;
  }
}
