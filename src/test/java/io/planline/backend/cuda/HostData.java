package io.planline.backend.cuda;

import io.planline.ir.DType;
import io.planline.kernel.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Random;

/** Random input storages for {@link KernelCases}, and NaN-poisoned output storages. */
final class HostData {

  private HostData() {}

  /** The bytes of an input's storage, drawn from its domain (storage order). */
  static ByteBuffer input(KernelCases.Input in, Random rnd) {
    long n = KernelCases.numel(in.shape());
    ByteBuffer b = ByteBuffer.allocateDirect((int) Math.max(1, n * in.dtype().itemSize()))
        .order(ByteOrder.LITTLE_ENDIAN);
    for (long i = 0; i < n; i++) {
      switch (in.domain()) {
        case SIGNED -> b.putFloat((float) (rnd.nextDouble() * 4 - 2));
        case POSITIVE -> b.putFloat((float) (0.25 + rnd.nextDouble() * 2.75));
        case INDEX -> b.putLong(rnd.nextInt((int) in.bound()));
        case BOOL -> b.put((byte) (rnd.nextBoolean() ? 1 : 0));
      }
    }
    b.clear();
    return b;
  }

  /** Output storage filled with a poison value: NaN for floats, a sentinel pattern otherwise. */
  static ByteBuffer poisoned(DType t, long[] shape) {
    long n = KernelCases.numel(shape);
    ByteBuffer b = ByteBuffer.allocateDirect((int) Math.max(1, n * t.itemSize()))
        .order(ByteOrder.LITTLE_ENDIAN);
    for (long i = 0; i < n; i++) {
      switch (t) {
        case FLOAT32 -> b.putFloat(Float.NaN);
        case INT64 -> b.putLong(0x5a5a5a5a5a5a5a5aL);
        default -> b.put((byte) 0x5a);
      }
    }
    b.clear();
    return b;
  }

  /** The strides an input is viewed with. */
  static long[] strides(KernelCases.Input in) {
    return in.transposed() ? KernelCases.transposedStrides(in.shape())
        : KernelCases.contiguous(in.shape());
  }

  /** A CPU kernel-library tensor over {@code storage} with the input's view. */
  static Tensor cpuTensor(KernelCases.Input in, ByteBuffer storage) {
    ByteBuffer copy = ByteBuffer.allocateDirect(storage.capacity()).order(ByteOrder.LITTLE_ENDIAN);
    copy.put(storage.duplicate().clear()).clear();
    return Tensor.of(copy, 0, in.dtype(), in.shape(), strides(in));
  }

  /** Dense values of a tensor as doubles (bool and int64 too). */
  static double[] values(Tensor t) {
    long n = t.numel();
    double[] out = new double[(int) n];
    long[] shape = t.shape();
    long[] idx = new long[shape.length];
    for (int i = 0; i < n; i++) {
      out[i] = t.get(idx);
      for (int d = shape.length - 1; d >= 0; d--) {
        if (++idx[d] < shape[d]) {
          break;
        }
        idx[d] = 0;
      }
    }
    return out;
  }
}
