package io.planline.backend.cuda;

import io.planline.backend.HostTensor;
import io.planline.ir.DType;
import io.planline.kernel.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import jcuda.driver.JCudaDriver;

/**
 * Copies between host and device for the CUDA backend: inputs up through pinned blocks
 * (asynchronously on the request's stream, the block given back once the copy has run), results
 * down into Java arrays (dense ones straight, strided ones through a pinned block and a gather).
 */
final class HostCopies {

  private final CudaContext context;
  private final PinnedPool pinned;

  HostCopies(CudaContext context, PinnedPool pinned) {
    this.context = context;
    this.pinned = pinned;
  }

  /** Copies host bytes (from position 0) to the start of {@code b}. */
  void upload(CudaBuffer b, ByteBuffer host) {
    long n = host.remaining();
    if (n > b.bytes()) {
      throw new IllegalArgumentException(n + " bytes do not fit " + b);
    }
    if (n == 0) {
      return;
    }
    context.makeCurrent();
    PinnedPool.Block block = pinned.take(n);
    block.bytes().clear();
    block.bytes().put(host.duplicate());
    CudaStream s = CudaStream.current();
    if (s != null) {
      CudaException.check("cuMemcpyHtoDAsync", JCudaDriver.cuMemcpyHtoDAsync(b.pointer(),
          block.pointer(), n, s.handle()));
      s.deferRelease(() -> pinned.give(block));
    } else {
      try {
        CudaException.check("cuMemcpyHtoD", JCudaDriver.cuMemcpyHtoD(b.pointer(),
            block.pointer(), n));
      } finally {
        pinned.give(block);
      }
    }
  }

  /** {@code t} as a dense host tensor called {@code name}. */
  HostTensor download(CudaTensor t, String name) {
    CudaStream s = CudaStream.current();
    if (s != null && s.errors().takeAndClear() != 0) {
      throw new CudaException("an embedding or index_select index was out of range on the "
          + "device (stream " + s.index() + ")");
    }
    if (t.dtype() != DType.FLOAT32 && t.dtype() != DType.INT64) {
      throw new IllegalStateException("output " + name + " has unsupported type " + t.dtype());
    }
    int item = t.dtype().itemSize();
    long n = t.numel();
    ByteBuffer out = ByteBuffer.allocate((int) (n * item)).order(ByteOrder.LITTLE_ENDIAN);
    if (n == 0) {
      return new HostTensor(name, t.dtype(), t.shape(), out);
    }
    context.makeCurrent();
    if (java.util.Arrays.equals(t.strideRef(), Tensor.contiguousStrides(t.shapeRef()))) {
      // dense (the usual output): straight into the result's array, no staging copy in Java
      CudaException.check("cuMemcpyDtoH", JCudaDriver.cuMemcpyDtoH(
          jcuda.Pointer.to(out.array()), t.buffer().pointer().withByteOffset(t.byteOffset()),
          n * item));
      return new HostTensor(name, t.dtype(), t.shape(), out);
    }
    long lo = 0;
    long hi = 0;
    for (int d = 0; d < t.dim(); d++) {
      long span = (t.shapeRef()[d] - 1) * t.strideRef()[d];
      lo += Math.min(0, span);
      hi += Math.max(0, span);
    }
    long bytes = (hi - lo + 1) * item;
    PinnedPool.Block block = pinned.take(bytes);
    try {
      CudaException.check("cuMemcpyDtoH", JCudaDriver.cuMemcpyDtoH(block.pointer(),
          t.buffer().pointer().withByteOffset(t.byteOffset() + lo * item), bytes));
      // gather on the host: the view is strided or broadcast
      Tensor host = Tensor.of(block.bytes(), -lo * item, t.dtype(), t.shapeRef(),
          t.strideRef());
      if (t.dtype() == DType.FLOAT32) {
        out.asFloatBuffer().put(host.toFloatArray());
      } else {
        out.asLongBuffer().put(host.toLongArray());
      }
    } finally {
      pinned.give(block);
    }
    return new HostTensor(name, t.dtype(), t.shape(), out);
  }

  /**
   * The bytes of a dense tensor, copied to the host (any element type; for checks). Requires:
   * the work that wrote it has finished (run it through {@link #call}).
   */
  ByteBuffer rawCopy(CudaTensor t) {
    long bytes = t.numel() * t.dtype().itemSize();
    ByteBuffer out = ByteBuffer.allocate((int) bytes);
    if (bytes == 0) {
      return out;
    }
    context.makeCurrent();
    PinnedPool.Block block = pinned.take(bytes);
    try {
      CudaException.check("cuMemcpyDtoH", JCudaDriver.cuMemcpyDtoH(block.pointer(),
          t.buffer().pointer().withByteOffset(t.byteOffset()), bytes));
      out.put(block.bytes().duplicate().clear().limit((int) bytes)).clear();
    } finally {
      pinned.give(block);
    }
    return out;
  }
}
