package io.planline.kernel;

import com.github.benmanes.caffeine.cache.Cache;
import java.util.Arrays;
import org.bytedeco.dnnl.IntMemoryMap;
import org.bytedeco.dnnl.matmul;
import org.bytedeco.dnnl.memory;
import org.bytedeco.dnnl.post_ops;
import org.bytedeco.dnnl.primitive_attr;
import org.bytedeco.dnnl.global.dnnl;
import org.bytedeco.javacpp.BytePointer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Float32 products on oneDNN's matmul ({@link Dnnl}). A product whose right operand is a model's
 * weight reads it packed ({@link DnnlWeights}: reordered once into the layout oneDNN's kernels
 * chose for it; {@code KernelBench} at BERT's shapes, 2 AVX-512 cores: 324-413 GFLOP/s plain,
 * 403-426 packed).
 *
 * <p>Takes what {@link Blas} takes (each operand's matrices row- or column-major, the output's
 * row-major, all in direct memory, alpha 1); anything else returns {@code false} and the caller
 * goes on to OpenBLAS or Java. ATen's {@code beta * self} becomes oneDNN's bias when self is a
 * row broadcast with beta 1, else self is copied into the output and summed by a post-op.
 *
 * <p>A primitive is made once per signature (shapes, strides, how the weight and self come) and
 * thread, and kept with its memory objects, whose data handles are set per call: only its own
 * thread uses them ({@link Dnnl}).
 */
final class DnnlProducts {

  private static final Logger LOG = LoggerFactory.getLogger(DnnlProducts.class);
  /**
   * Products smaller than this stay on OpenBLAS: oneDNN's handful of JNI calls per product cost
   * more than such a product. digits-mlp (three products of 640-8,192 multiply-adds) over HTTP at
   * concurrency 64, oneDNN off / on alternated twice: 3,864 / 3,761 and 4,829 / 3,878 req/s.
   */
  static final long MIN_MACS = 1L << 14;
  private static final int NONE = 0;
  private static final int BIAS = 1;
  private static final int SUM = 2;

  /**
   * This thread's primitives by signature; a signature oneDNN refused maps to {@link #REFUSED}.
   */
  private static final ThreadLocal<Cache<DnnlKey, Primitive>> PRIMITIVES =
      Dnnl.primitivesPerThread();
  @SuppressWarnings("NullAway")
  private static final Primitive REFUSED = new Primitive(null, null, null, null, null, null,
      null, null);

  private DnnlProducts() {}

  /**
   * {@code c[i] = beta * init[i] + alpha * (a[i] @ b[i])}, with the shapes and contract of
   * {@link Gemm#run}. Returns false, having written nothing, when oneDNN is not here or does
   * not take this product.
   */
  static boolean tryRun(Tensor a, Tensor b, Tensor c, @Nullable Tensor init, float beta,
      float alpha) {
    return tryRun(a, b, c, init, beta, alpha, null);
  }

  /**
   * The same for one step of a program, which keeps what its last call found ({@code site},
   * {@link DnnlSite}): a product with a packed weight skips the key, the primitive cache and the
   * weight's lookup on its next call on the same thread.
   */
  static boolean tryRun(Tensor a, Tensor b, Tensor c, @Nullable Tensor init, float beta,
      float alpha, @Nullable DnnlSite<Primitive> site) {
    long macs = a.size(0) * a.size(1) * a.size(2) * b.size(2);
    if (!Dnnl.available() || alpha != 1f || macs < MIN_MACS) {
      return false;
    }
    long work = Dnnl.productWork(macs, b.size(0) * b.size(1) * b.size(2));
    @Nullable Tensor selfOperand = init == null || beta == 0f ? null : init;
    if (site != null) {
      int threads = Dnnl.threadsFor(work);
      DnnlSite.Memo<Primitive> memo = site.fitting(variant(beta, threads), b, a, b, c,
          selfOperand);
      if (memo != null) {
        Primitive p = memo.primitive();
        long weights = Dnnl.addressOf(memo.weights());
        return NativeCompute.run(threads, () -> execute(p, weights, a, c, init, beta, work));
      }
    }
    Operand oa = Operand.of(a, false);
    Operand ob = Operand.of(b, false);
    Operand oc = Operand.of(c, true);
    if (oa == null || ob == null || oc == null) {
      return false;
    }
    int self = selfOperand == null ? NONE : isRowBias(selfOperand, beta) ? BIAS : SUM;
    if (self == SUM && a.size(1) == 1) {
      // oneDNN 3.11.0's brg_matmul:avx2, which it picks for one row over a column-major weight,
      // corrupted the C heap with a sum post-op: 1x2048x1000 made glibc abort ("double free or
      // corruption", "invalid size") in 3 of 3 processes, with nothing written outside the
      // output; OpenBLAS takes such products (a one-row bias goes as a bias, above)
      return false;
    }
    // a weight with a matrix per batch index is packed too: 13 batched products by constant
    // [36, C, K] weights (a Winograd trial, session 36) took 11.4 ms a run unpacked, 9.2 packed
    boolean packed = DnnlWeights.isConstant(b);
    // before the primitive is made: oneDNN divides a product's work among the threads OpenMP
    // offers when the primitive is created, and keeps that division (made after a one-thread
    // Inductor kernel, BERT [1]'s products ran on one thread: 70 -> 88 ms per run); so the
    // thread count is part of the key
    int threads = Dnnl.useThreads(work);
    DnnlKey key = DnnlKey.of(oa.key(), ob.key(), oc.key(),
        new long[] {packed ? 1 : 0, self, self == SUM ? Float.floatToIntBits(beta) : 0, threads});
    Primitive p = PRIMITIVES.get().get(key, k -> make(k, oa, ob, oc, packed, self, beta));
    if (p == REFUSED) {
      return false;
    }
    return NativeCompute.run(threads, () -> {
      if (!packed) {
        return execute(p, b.address(), a, c, init, beta, work);
      }
      BytePointer reordered = DnnlWeights.reordered(b, p, p.plainWeights, p.chosenWeights);
      if (site != null) {
        site.keep(variant(beta, threads), p, reordered, b, a, b, c, selfOperand);
      }
      return execute(p, Dnnl.addressOf(reordered), a, c, init, beta, work);
    });
  }

  /** Runs {@code p} on these operands: self copied into c first where a post-op sums it. */
  private static boolean execute(Primitive p, long weights, Tensor a, Tensor c,
      @Nullable Tensor init, float beta, long work) {
    if (p.bias == null && init != null && beta != 0f) {
      IndexingOps.copy(init, c, false); // summed by the post-op
    }
    p.weights.set_data_handle(Dnnl.at(weights));
    p.src.set_data_handle(Dnnl.at(a.address()));
    p.dst.set_data_handle(Dnnl.at(c.address()));
    if (p.bias != null && init != null) {
      p.bias.set_data_handle(Dnnl.at(init.address()));
    }
    Dnnl.useThreads(work); // a weight's first reorder may have set another count
    p.matmul.execute(Dnnl.stream(), p.args);
    return true;
  }

  /**
   * What makes a product's primitive beside its operands' layouts, for {@link DnnlSite}: beta
   * (a post-op's scale, or a bias where it is 1) and the thread count.
   */
  private static long variant(float beta, int threads) {
    return ((long) Float.floatToIntBits(beta) << 32) | threads;
  }

  /**
   * self is [B, M, N] with beta 1 and the same row for every (batch, row): a bias. One row is
   * such a row whatever its stride (a contiguous [1, 1, N] self).
   */
  private static boolean isRowBias(Tensor init, float beta) {
    return beta == 1f && (init.stride(1) == 0 || init.size(1) == 1)
        && (init.size(2) == 1 || init.stride(2) == 1)
        && (init.size(0) == 1 || init.stride(0) == 0) && init.data().isDirect()
        && init.byteOffset() % 4 == 0;
  }

  private static Primitive make(DnnlKey key, Operand a, Operand b, Operand c, boolean packed,
      int self, float beta) {
    try {
      memory.desc src = a.desc();
      memory.desc plainWeights = b.desc();
      memory.desc weights = packed
          ? new memory.desc(b.dims(), memory.data_type.f32, memory.format_tag.any)
          : plainWeights;
      memory.desc dst = c.desc();
      primitive_attr attr = new primitive_attr();
      if (self == SUM) {
        post_ops ops = new post_ops();
        ops.append_sum(beta, 0, memory.data_type.undef);
        attr.set_post_ops(ops);
      }
      memory.desc bias = null;
      if (self == BIAS) {
        long[] dims = new long[c.dims().length];
        Arrays.fill(dims, 1);
        dims[dims.length - 1] = c.dims()[dims.length - 1];
        bias = new memory.desc(dims, memory.data_type.f32, contiguous(dims));
      }
      matmul.primitive_desc pd = bias == null
          ? new matmul.primitive_desc(Dnnl.engine(), src, weights, dst, attr, false)
          : new matmul.primitive_desc(Dnnl.engine(), src, weights, bias, dst, attr, false);
      memory.desc chosen = pd.weights_desc();
      IntMemoryMap args = new IntMemoryMap();
      memory srcMem = new memory(src, Dnnl.engine(), (org.bytedeco.javacpp.Pointer) null);
      memory weightsMem = new memory(chosen, Dnnl.engine(), (org.bytedeco.javacpp.Pointer) null);
      memory dstMem = new memory(dst, Dnnl.engine(), (org.bytedeco.javacpp.Pointer) null);
      memory biasMem = bias == null ? null
          : new memory(bias, Dnnl.engine(), (org.bytedeco.javacpp.Pointer) null);
      args.put(dnnl.DNNL_ARG_SRC, srcMem);
      args.put(dnnl.DNNL_ARG_WEIGHTS, weightsMem);
      args.put(dnnl.DNNL_ARG_DST, dstMem);
      if (biasMem != null) {
        args.put(dnnl.DNNL_ARG_BIAS, biasMem);
      }
      return new Primitive(new matmul(pd), srcMem, weightsMem, dstMem, biasMem, args,
          plainWeights, chosen);
    } catch (RuntimeException e) {
      // an unimplemented combination: OpenBLAS takes it, every time
      LOG.debug("oneDNN matmul refused {}: {}", key, e.toString());
      return REFUSED;
    }
  }

  private static memory.format_tag contiguous(long[] dims) {
    return dims.length == 2 ? memory.format_tag.ab : memory.format_tag.abc;
  }

  record Primitive(matmul matmul, memory src, memory weights, memory dst,
      @Nullable memory bias, IntMemoryMap args, memory.desc plainWeights,
      memory.desc chosenWeights) {}

  /**
   * One operand as oneDNN sees it: dims and strides, two-dimensional when its batch is one,
   * else three with a broadcast batch (stride 0) as dimension 1.
   */
  private record Operand(long[] dims, long[] strides, long batch) {

    static @Nullable Operand of(Tensor t, boolean output) {
      Blas.Layout layout = Blas.Layout.of(t);
      if (layout == null || (output && !layout.rowMajor())) {
        return null;
      }
      long rows = t.size(1);
      long cols = t.size(2);
      long[] matrix = layout.rowMajor() ? new long[] {layout.ld(), 1} : new long[] {1, layout.ld()};
      long batches = t.size(0);
      if (batches == 1) {
        return new Operand(new long[] {rows, cols}, matrix, 1);
      }
      long bs = t.stride(0);
      if (bs == 0 && !output) {
        return new Operand(new long[] {1, rows, cols},
            new long[] {rows * cols, matrix[0], matrix[1]}, 1);
      }
      return new Operand(new long[] {batches, rows, cols}, new long[] {bs, matrix[0], matrix[1]},
          batches);
    }

    memory.desc desc() {
      return new memory.desc(dims, memory.data_type.f32, strides);
    }

    long[] key() {
      long[] k = Arrays.copyOf(dims, dims.length * 2);
      System.arraycopy(strides, 0, k, dims.length, strides.length);
      return k;
    }
  }
}
