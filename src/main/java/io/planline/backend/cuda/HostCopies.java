package io.planline.backend.cuda;

import io.planline.backend.HostLeases;
import io.planline.backend.HostTensor;
import io.planline.ir.DType;
import io.planline.kernel.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.IntStream;
import jcuda.driver.JCudaDriver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Copies between host and device for the CUDA backend: inputs up through pinned blocks
 * (asynchronously on the request's stream, the block given back once the copy has run), results
 * down into Java arrays (dense ones straight, strided ones through a pinned block and a gather)
 * or, when lending is on, large dense results into pinned blocks handed out as they are.
 */
final class HostCopies {

  private static final Logger LOG = LoggerFactory.getLogger(HostCopies.class);

  /**
   * At most this much pinned memory is lent at once; past it results are copied, so consumers
   * that never release cannot pin the host's memory away.
   */
  static final long LEND_CAP = 1L << 30;

  /** Host-to-pinned copies from this size up are split over the common pool's threads. */
  private static final int PARALLEL_COPY_MIN = 4 << 20;
  private static final int COPY_CHUNK = 1 << 20;

  private final CudaContext context;
  private final PinnedPool pinned;
  private final AtomicLong lentBytes = new AtomicLong();
  private volatile boolean lend;

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
    copy(host, block.bytes());
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

  /**
   * {@code t} as a dense host tensor called {@code name}. On a stream's thread it first waits for
   * the work enqueued there (the kernels that wrote {@code t}, and their error word); elsewhere
   * that work must have finished already.
   */
  HostTensor download(CudaTensor t, String name) {
    CudaStream s = CudaStream.current();
    if (s != null) {
      s.synchronize();
      if (s.errors().takeAndClear() != 0) {
        throw new CudaException("an embedding or index_select index was out of range on the "
            + "device (stream " + s.index() + ")");
      }
    }
    if (t.dtype() != DType.FLOAT32 && t.dtype() != DType.INT64) {
      throw new IllegalStateException("output " + name + " has unsupported type " + t.dtype());
    }
    int item = t.dtype().itemSize();
    long n = t.numel();
    if (n == 0) {
      return new HostTensor(name, t.dtype(), t.shape(), ByteBuffer.allocate(0));
    }
    context.makeCurrent();
    boolean dense = java.util.Arrays.equals(t.strideRef(),
        Tensor.contiguousStrides(t.shapeRef()));
    if (dense && lend && n * item >= HostLeases.WORTH_LENDING) {
      HostTensor lent = lent(t, name, n * item);
      if (lent != null) {
        return lent;
      }
    }
    if (dense) {
      // dense (the usual output): straight into the result's array, no staging copy in Java
      ByteBuffer out = ByteBuffer.allocate((int) (n * item)).order(ByteOrder.LITTLE_ENDIAN);
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
    ByteBuffer out = ByteBuffer.allocate((int) (n * item)).order(ByteOrder.LITTLE_ENDIAN);
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

  /** Whether large results are lent ({@link io.planline.backend.Backend#lendResults}). */
  void lend(boolean on) {
    lend = on;
  }

  /** Bytes of pinned memory lent out now. */
  long lentBytes() {
    return lentBytes.get();
  }

  /**
   * The dense tensor {@code t} copied into a pinned block that the result keeps until released,
   * or null when the lending cap is reached (the caller copies instead).
   */
  private HostTensor lent(CudaTensor t, String name, long bytes) {
    PinnedPool.Block block = pinned.take(bytes);
    if (lentBytes.addAndGet(block.capacity()) > LEND_CAP) {
      lentBytes.addAndGet(-block.capacity());
      pinned.give(block);
      LOG.debug("{} bytes of results are lent and not released; copying this one", lentBytes);
      return null;
    }
    Runnable giveBack = () -> {
      lentBytes.addAndGet(-block.capacity());
      pinned.give(block);
    };
    try {
      CudaException.check("cuMemcpyDtoH", JCudaDriver.cuMemcpyDtoH(block.pointer(),
          t.buffer().pointer().withByteOffset(t.byteOffset()), bytes));
    } catch (RuntimeException e) {
      giveBack.run();
      throw e;
    }
    // a buffer of its own over the block (not a view of the pool's): views of the result keep
    // it, and only it, reachable, which is what the leases' safety net watches
    ByteBuffer root = block.pointer().getByteBuffer(0, bytes).order(ByteOrder.LITTLE_ENDIAN);
    return HostLeases.lend(new HostTensor(name, t.dtype(), t.shape(), root), root, giveBack);
  }

  /**
   * Copies {@code from} (position to limit) to the start of {@code to}; large copies in 1 MiB
   * chunks on the common pool, because one thread copies slowly on the H200 host: 25.7 MB from
   * pinned memory into a fresh Java array took 7.0 ms there (DownloadProbe's
   * dtoh_pinned_then_array_ms, zeroing included). The split itself was not timed apart from the
   * requests it is part of (docs/gpu.md).
   */
  static void copy(ByteBuffer from, ByteBuffer to) {
    int n = from.remaining();
    if (n < PARALLEL_COPY_MIN) {
      to.duplicate().clear().put(from.duplicate());
      return;
    }
    int base = from.position();
    IntStream.range(0, (n + COPY_CHUNK - 1) / COPY_CHUNK).parallel().forEach(c -> {
      int at = c * COPY_CHUNK;
      int len = Math.min(COPY_CHUNK, n - at);
      to.duplicate().position(at).put(from.duplicate().position(base + at).limit(base + at + len));
    });
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
