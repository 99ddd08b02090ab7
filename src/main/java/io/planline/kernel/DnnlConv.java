package io.planline.kernel;

import com.github.benmanes.caffeine.cache.Cache;
import io.planline.ir.DType;
import java.nio.ByteBuffer;
import java.util.Arrays;
import org.bytedeco.dnnl.IntMemoryMap;
import org.bytedeco.dnnl.convolution_forward;
import org.bytedeco.dnnl.memory;
import org.bytedeco.dnnl.primitive_attr;
import org.bytedeco.dnnl.reorder;
import org.bytedeco.dnnl.global.dnnl;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.Pointer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Float32 2-D convolutions (inference) on oneDNN ({@link Dnnl}), with groups, stride, symmetric
 * padding, dilation and an optional bias. Input and output are described by their own strides
 * (NCHW, channels-last or sliced: nothing is copied); a model's weight is read in the layout
 * the primitive chose for it, reordered once ({@link DnnlWeights}), any other weight as it
 * lies.
 *
 * <p>Channels-last data runs on oneDNN's own kernels (brg_conv_fwd, brgconv_1x1); NCHW goes
 * through a wrapper that reorders it per call (jit_uni_ncsp). {@code ConvBench} (2 AVX-512
 * cores, batch 1, 2026-12-04): channels-last 297-347 GFLOP/s on ResNet-50's shapes against
 * 225-282 for NCHW and 48-262 for im2col; only the 3-channel stem was faster in NCHW (251
 * against 155). Inductor's CPU programs are channels-last. No size threshold: digits-cnn's 8x8
 * convolutions went 0.92 -> 0.07 ms per run at batch 1 and 1.1-1.3 -> 0.35 ms at 64.
 *
 * <p>Takes float32 tensors in direct memory; anything else, or a combination oneDNN only runs
 * on its reference (scalar) kernels, returns {@code false} and {@link ConvPoolOps} goes on to
 * im2col and products. Primitives are made once per signature and thread and kept with their
 * memory objects, whose data handles are set per call, as in {@link DnnlProducts}; a program's
 * convolution step also keeps the primitive and packed weight its last call used
 * ({@link DnnlSite}), so that its next call on that thread skips the lookups.
 */
final class DnnlConv {

  private static final Logger LOG = LoggerFactory.getLogger(DnnlConv.class);

  /**
   * This thread's primitives by signature; a signature oneDNN refused maps to {@link #REFUSED}.
   */
  private static final ThreadLocal<Cache<DnnlKey, Primitive>> PRIMITIVES =
      Dnnl.primitivesPerThread();
  @SuppressWarnings("NullAway")
  private static final Primitive REFUSED = new Primitive(null, null, null, null, null, null,
      null, null, null, null, "refused", null);

  /**
   * Where a weight that is not a model's (Inductor's CPU programs exported with contiguous
   * weights copy each 3x3 weight into channels-last every run; exports since format version 3
   * carry channels-last weights and have no such copies) is reordered per call for its
   * primitive, one buffer per thread, grown as needed. Those reorders cost ResNet-50 [2] about
   * 5 ms of its 53-55 ms of convolutions per run (measured by skipping them).
   */
  private static final ThreadLocal<ByteBuffer[]> SCRATCH =
      ThreadLocal.withInitial(() -> new ByteBuffer[] {ByteBuffer.allocateDirect(0)});

  private DnnlConv() {}

  /**
   * {@code out = conv2d(x, w) + bias} with the shapes {@link ConvPoolOps#conv2d} checked.
   * Returns false, having written nothing, when oneDNN is not here or does not take it.
   */
  static boolean tryRun(Tensor x, Tensor w, @Nullable Tensor stridedBias, long[] stride,
      long[] padding, long[] dilation, int groups, Tensor out) {
    return tryRun(x, w, stridedBias, stride, padding, dilation, groups, out, ConvEpilogue.NONE,
        null, null);
  }

  /**
   * {@code out = epilogue(conv2d(x, w) + bias, other)}: the epilogue's binary with {@code other}
   * (null unless the binary is {@link ConvEpilogue.Binary#ADD} or {@code SUB}; for {@code
   * ADD_INTO_OUTPUT} {@code out} holds the other operand) and its unary, as oneDNN post-ops.
   * {@code site}, where the call is one step of a program, keeps what the call found
   * ({@link DnnlSite}): with a packed weight the step's next call on the same thread skips the
   * key, the primitive cache and the weight's lookup. Returns false, having written nothing,
   * when oneDNN is not here or does not take it.
   */
  static boolean tryRun(Tensor x, Tensor w, @Nullable Tensor stridedBias, long[] stride,
      long[] padding, long[] dilation, int groups, Tensor out, ConvEpilogue epilogue,
      @Nullable Tensor other, @Nullable DnnlSite<Primitive> site) {
    if (!Dnnl.available() || !suits(x) || !suits(w) || !suits(out)
        || (stridedBias != null && stridedBias.dtype() != DType.FLOAT32)
        || (other != null && !suits(other))) {
      return false;
    }
    // oneDNN's 1x1 kernels read the bias densely whatever its desc's stride says (a bias with
    // stride 2 gave NaN from the gaps): a strided bias is copied, out.size(1) floats
    Tensor bias = stridedBias == null || (stridedBias.stride(0) == 1 && suits(stridedBias))
        ? stridedBias : dense(stridedBias);
    long macs = macs(w, out);
    int threads = Dnnl.useConvThreads(macs); // before the primitive is made, as DnnlProducts says
    DnnlSite.Memo<Primitive> memo = site == null ? null
        : site.fitting(threads, w, x, w, bias, out, other);
    if (memo != null) {
      Primitive p = memo.primitive();
      long packedWeights = Dnnl.addressOf(memo.weights());
      return NativeCompute.run(threads,
          () -> execute(p, packedWeights, x, out, bias, other, macs));
    }
    boolean packed = DnnlWeights.isConstant(w);
    long[] geometry = geometry(stride, padding, dilation, groups);
    Primitive p = PRIMITIVES.get().get(
        key(x, w, bias, out, geometry, packed, epilogue, other, threads),
        k -> make(k, x, w, bias, out, geometry, packed, epilogue, other));
    if (p == REFUSED) {
      return false;
    }
    boolean reorders = !packed && p.perCall != null && p.plainMem != null;
    long bytes = reorders ? p.chosen.get_size() : 0;
    if (reorders) {
      // the weight's reorder before the convolution, below, may take more threads than it
      threads = Math.max(threads, Dnnl.threadsFor(bytes));
    }
    int callThreads = threads;
    return NativeCompute.run(threads, () -> {
      long weights;
      if (packed) {
        BytePointer reordered = DnnlWeights.reordered(w, p, p.plainWeights, p.chosen);
        if (site != null) {
          site.keep(callThreads, p, reordered, w, x, w, bias, out, other);
        }
        weights = Dnnl.addressOf(reordered);
      } else if (reorders) {
        ByteBuffer[] scratch = SCRATCH.get();
        if (scratch[0].capacity() < bytes) {
          scratch[0] = Tensor.allocateDirect(Math.toIntExact(bytes));
        }
        weights = Tensor.addressOf(scratch[0]);
        p.plainMem.set_data_handle(Dnnl.at(w.address()));
        p.weights.set_data_handle(Dnnl.at(weights));
        Dnnl.useThreads(bytes);
        p.perCall.execute(Dnnl.stream(), p.plainMem, p.weights);
      } else {
        weights = w.address();
      }
      return execute(p, weights, x, out, bias, other, macs);
    });
  }

  /** Points the primitive at this call's weights and tensors and runs it. */
  private static boolean execute(Primitive p, long weights, Tensor x, Tensor out,
      @Nullable Tensor bias, @Nullable Tensor other, long macs) {
    p.weights.set_data_handle(Dnnl.at(weights));
    p.src.set_data_handle(Dnnl.at(x.address()));
    p.dst.set_data_handle(Dnnl.at(out.address()));
    if (p.bias != null && bias != null) {
      p.bias.set_data_handle(Dnnl.at(bias.address()));
    }
    if (p.other != null && other != null) {
      p.other.set_data_handle(Dnnl.at(other.address()));
    }
    Dnnl.useConvThreads(macs);
    p.conv.execute(Dnnl.stream(), p.args);
    return true;
  }

  /** The primitive's implementation for this signature ("refused" if none): for tests. */
  static String implementation(Tensor x, Tensor w, @Nullable Tensor bias, long[] stride,
      long[] padding, long[] dilation, int groups, Tensor out) {
    return implementation(x, w, bias, stride, padding, dilation, groups, out, ConvEpilogue.NONE,
        null);
  }

  /** The same for a convolution with an epilogue. */
  static String implementation(Tensor x, Tensor w, @Nullable Tensor bias, long[] stride,
      long[] padding, long[] dilation, int groups, Tensor out, ConvEpilogue epilogue,
      @Nullable Tensor other) {
    Primitive p = PRIMITIVES.get().getIfPresent(key(x, w, bias, out,
        geometry(stride, padding, dilation, groups), DnnlWeights.isConstant(w), epilogue, other,
        Dnnl.convThreads(macs(w, out))));
    return p == null ? "none" : p.impl;
  }

  private static Tensor dense(Tensor bias) {
    Tensor c = Tensor.allocate(bias.dtype(), bias.shapeRef());
    IndexingOps.copy(bias, c, false);
    return c;
  }

  /** A float32 tensor in direct memory, aligned to its elements, with no negative stride. */
  static boolean suits(Tensor t) {
    if (t.dtype() != DType.FLOAT32 || !t.data().isDirect()
        || t.byteOffset() % 4 != 0) {
      return false;
    }
    for (int d = 0; d < t.dim(); d++) {
      if (t.stride(d) < 0) {
        return false;
      }
    }
    return true;
  }

  private static Primitive make(DnnlKey key, Tensor x, Tensor w, @Nullable Tensor bias,
      Tensor out, long[] q, boolean packed, ConvEpilogue epilogue, @Nullable Tensor other) {
    try {
      int groups = (int) q[6];
      memory.desc src = desc(x);
      memory.desc plainWeights = weightsDesc(w, groups);
      // oneDNN has only its reference kernels for plain weights (OHWI or OIHW, with NCHW or
      // NHWC data): the weights always go in the layout it picks
      memory.desc weights = new memory.desc(weightsDims(w, groups), memory.data_type.f32,
          memory.format_tag.any);
      memory.desc dst = desc(out);
      memory.desc biasDesc = bias == null ? new memory.desc() : desc(bias);
      memory.desc otherDesc = other == null ? null : desc(other);
      primitive_attr attr = new primitive_attr();
      if (!epilogue.equals(ConvEpilogue.NONE)) {
        attr.set_post_ops(epilogue.postOps(otherDesc));
      }
      // oneDNN counts dilation from 0 (a dense kernel is dilation 0); torch from 1
      long[] strides = {q[0], q[1]};
      long[] pad = {q[2], q[3]};
      long[] dil = {q[4] - 1, q[5] - 1};
      convolution_forward.primitive_desc pd = new convolution_forward.primitive_desc(
          Dnnl.engine(), dnnl.prop_kind.forward_inference, dnnl.algorithm.convolution_direct,
          src, weights, biasDesc, dst, strides, dil, pad, pad, attr, false);
      String impl = pd.impl_info_str().getString();
      if (impl.startsWith("ref")) {
        // the reference kernels are scalar loops, far slower than im2col and OpenBLAS
        LOG.debug("oneDNN convolution {} only on {}: left to im2col", key, impl);
        return REFUSED;
      }
      IntMemoryMap args = new IntMemoryMap();
      memory srcMem = new memory(src, Dnnl.engine(), (Pointer) null);
      memory.desc chosen = pd.weights_desc();
      memory weightsMem = new memory(chosen, Dnnl.engine(), (Pointer) null);
      memory plainMem = null;
      reorder perCall = null;
      if (!packed && !chosen.equals(plainWeights)) {
        plainMem = new memory(plainWeights, Dnnl.engine(), (Pointer) null);
        perCall = new reorder(plainMem, weightsMem);
      }
      memory dstMem = new memory(dst, Dnnl.engine(), (Pointer) null);
      memory biasMem = bias == null ? null : new memory(biasDesc, Dnnl.engine(), (Pointer) null);
      args.put(dnnl.DNNL_ARG_SRC, srcMem);
      args.put(dnnl.DNNL_ARG_WEIGHTS, weightsMem);
      args.put(dnnl.DNNL_ARG_DST, dstMem);
      if (biasMem != null) {
        args.put(dnnl.DNNL_ARG_BIAS, biasMem);
      }
      memory otherMem = otherDesc == null ? null
          : new memory(otherDesc, Dnnl.engine(), (Pointer) null);
      if (otherMem != null) {
        args.put(ConvEpilogue.otherArgument(), otherMem);
      }
      LOG.debug("oneDNN convolution {} on {}", key, impl);
      return new Primitive(new convolution_forward(pd), srcMem, weightsMem, dstMem, biasMem,
          otherMem, args, plainWeights, plainMem, perCall, impl, chosen);
    } catch (RuntimeException e) {
      // an unimplemented combination: im2col takes it, every time
      LOG.debug("oneDNN convolution refused {}: {}", key, e.toString());
      return REFUSED;
    }
  }

  private static memory.desc desc(Tensor t) {
    return new memory.desc(t.shape(), memory.data_type.f32, t.strideRef().clone());
  }

  private static long[] weightsDims(Tensor w, int groups) {
    return groups == 1 ? w.shape()
        : new long[] {groups, w.size(0) / groups, w.size(1), w.size(2), w.size(3)};
  }

  /** [OC, IC/g, KH, KW], or with groups oneDNN's [g, OC/g, IC/g, KH, KW] over the same memory. */
  private static memory.desc weightsDesc(Tensor w, int groups) {
    if (groups == 1) {
      return desc(w);
    }
    long[] s = w.strideRef();
    long ocg = w.size(0) / groups;
    long[] dims = weightsDims(w, groups);
    long[] strides = {s[0] * ocg, s[0], s[1], s[2], s[3]};
    return new memory.desc(dims, memory.data_type.f32, strides);
  }

  /** The convolution's multiply-adds (groups aside: w's input channels are per group). */
  private static long macs(Tensor w, Tensor out) {
    return out.numel() * w.size(1) * w.size(2) * w.size(3);
  }

  private static long[] key(Tensor t) {
    long[] k = Arrays.copyOf(t.shapeRef(), t.dim() * 2);
    System.arraycopy(t.strideRef(), 0, k, t.dim(), t.dim());
    return k;
  }

  record Primitive(convolution_forward conv, memory src, memory weights, memory dst,
      @Nullable memory bias, @Nullable memory other, IntMemoryMap args, memory.desc plainWeights,
      @Nullable memory plainMem, @Nullable reorder perCall, String impl, memory.desc chosen) {}

  /** Stride, padding and dilation (height, width), then groups. */
  private static long[] geometry(long[] stride, long[] padding, long[] dilation, int groups) {
    return new long[] {stride[0], stride[1], padding[0], padding[1], dilation[0], dilation[1],
        groups};
  }

  /**
   * Shapes and strides of the operands, the geometry, whether the weight is packed and the
   * epilogue; of the bias only its length, since a strided bias is copied dense before oneDNN
   * sees it; and the threads the primitive is made for (oneDNN keeps its division of the work).
   */
  private static DnnlKey key(Tensor x, Tensor w, @Nullable Tensor bias, Tensor out,
      long[] geometry, boolean packed, ConvEpilogue epilogue, @Nullable Tensor other,
      int threads) {
    return DnnlKey.of(key(x), key(w), bias == null ? new long[0] : new long[] {bias.size(0)},
        key(out), geometry, new long[] {packed ? 1 : 0, threads}, epilogue.key(),
        other == null ? new long[0] : key(other));
  }
}
