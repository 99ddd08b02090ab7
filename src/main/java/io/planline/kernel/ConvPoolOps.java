package io.planline.kernel;

import io.planline.ir.DType;
import java.util.Arrays;
import org.jspecify.annotations.Nullable;

/**
 * 2-D convolution (oneDNN's where it loaded and takes the layouts: {@link DnnlConv}; else
 * im2col + the blocked {@link Gemm}, with stride, padding, dilation, groups and an optional
 * bias; 1-D is run as 2-D with height 1) and registration of the 2-D pools, which live in
 * {@link Pooling}.
 */
final class ConvPoolOps {

  private ConvPoolOps() {}

  static void register(OpTable t) {
    t.add("aten.convolution.default", "Tensor input, Tensor weight, Tensor? bias, SymInt[] stride,"
        + " SymInt[] padding, SymInt[] dilation, bool transposed, SymInt[] output_padding,"
        + " SymInt groups", 1, ConvPoolOps::bindConvolution);
    Pooling.register(t);
  }

  private static OpTable.Invocation bindConvolution(CallArgs a) {
    String input = a.tensor(0);
    String weight = a.tensor(1);
    @Nullable String bias = a.optTensor(2);
    if (a.bool(6)) {
      throw a.error(6, "transposed convolution is not supported");
    }
    ConvGeometry g = ConvGeometry.read(a, 3, 4, 5, 8);
    DnnlSite<DnnlConv.Primitive> site = new DnnlSite<>();
    return c -> {
      Tensor[] t = g.asTwoD(c.in(input), c.in(weight), c.out(0));
      conv2d(c.parallel(), t[0], t[1], c.opt(bias), g.stride(), g.padding(), g.dilation(),
          g.groups(), t[2], ConvEpilogue.NONE, null, site);
    };
  }

  /**
   * {@code out[n, o] = bias[o] + sum over c, kh, kw of w[o, c, kh, kw] * x[n, c, ...]} per
   * group, as {@code W_g [OCg, Cg*KH*KW] @ im2col(x_g) [Cg*KH*KW, OH*OW]}.
   */
  static void conv2d(Parallel par, Tensor x, Tensor w, @Nullable Tensor bias, long[] stride,
      long[] padding, long[] dilation, int groups, Tensor out) {
    conv2d(par, x, w, bias, stride, padding, dilation, groups, out, ConvEpilogue.NONE, null,
        null);
  }

  /**
   * The same followed by {@code epilogue}: its binary with {@code other} (for {@code
   * ADD_INTO_OUTPUT}, with what {@code out} holds), then its unary. oneDNN runs both as
   * post-ops; the Java path convolves and then applies them in one elementwise pass.
   */
  static void conv2d(Parallel par, Tensor x, Tensor w, @Nullable Tensor bias, long[] stride,
      long[] padding, long[] dilation, int groups, Tensor out, ConvEpilogue epilogue,
      @Nullable Tensor other, @Nullable DnnlSite<DnnlConv.Primitive> site) {
    if (x.dim() != 4 || w.dim() != 4 || out.dim() != 4) {
      throw new IllegalArgumentException("convolution needs 4-D input, weight and output, got "
          + x + ", " + w + ", " + out);
    }
    Geometry g = new Geometry(x, w, stride, padding, dilation, groups);
    long[] expected = {g.batch, g.outChannels, g.outH, g.outW};
    if (!Arrays.equals(expected, out.shapeRef())) {
      throw new IllegalArgumentException("output shape " + Arrays.toString(out.shapeRef())
          + ", expected " + Arrays.toString(expected));
    }
    if (bias != null && (bias.dim() != 1 || bias.size(0) != g.outChannels)) {
      throw new IllegalArgumentException("bias " + bias + " must be [" + g.outChannels + "]");
    }
    if (other != null && !Arrays.equals(other.shapeRef(), expected)) {
      throw new IllegalArgumentException("the fused operand " + other + " must have the "
          + "output's shape " + Arrays.toString(expected));
    }
    if (WinogradConv.tryRun(x, w, bias, stride, padding, dilation, groups, out, epilogue,
        other)) {
      return;
    }
    if (DnnlConv.tryRun(x, w, bias, stride, padding, dilation, groups, out, epilogue, other,
        site)) {
      // oneDNN first, whatever the size: ResNet-50 [2] (channels-last) convolutions 72-77 ->
      // 53-60 ms per run, digits-cnn's two small ones 0.92 -> 0.07 ms (2 AVX-512 cores)
      return;
    }
    if (epilogue.equals(ConvEpilogue.NONE)) {
      convolve(par, g, x, w, bias, groups, out);
      return;
    }
    // the in-place form's output holds the other operand until the product is added to it
    boolean inPlace = epilogue.binary() == ConvEpilogue.Binary.ADD_INTO_OUTPUT;
    Tensor product = inPlace ? Tensor.allocate(DType.FLOAT32, expected) : out;
    convolve(par, g, x, w, bias, groups, product);
    Tensor operand = inPlace ? out : other;
    // no operand: the sign is 0 and the product is read twice
    double sign = operand == null ? 0 : epilogue.binary() == ConvEpilogue.Binary.SUB ? -1 : 1;
    Tensor[] in = {product, operand == null ? product : operand};
    Elementwise.map(out, in, (v, o, n) -> {
      for (int i = 0; i < n; i++) {
        o[i] = epilogue.apply(v[0][i] + sign * v[1][i]);
      }
    });
  }

  /** The Java paths of a plain convolution, for shapes {@code g} checked. */
  private static void convolve(Parallel par, Geometry g, Tensor x, Tensor w,
      @Nullable Tensor bias, int groups, Tensor out) {
    long[] stride = g.stride;
    long[] padding = g.pad;
    long[] dilation = g.dil;
    if (ConvChannelsLast.suits(x, w, out, groups)) {
      // Inductor's CPU layout for convolution-heavy models: one OpenBLAS product per image,
      // reading the weights where they lie (OHWI or OIHW: no copy)
      ConvChannelsLast.run(par, x, w, bias, out, stride, padding, dilation);
      return;
    }
    Tensor wc = w.isContiguous() ? w : copyContiguous(w);
    int jobs = g.batch * groups;
    if (ConvColumns.suitsBlas(g.ocg, g.cg * g.kh * g.kw, g.outH * g.outW, wc, out)) {
      // large NCHW products (4 M multiply-adds per image and group and up): one OpenBLAS call
      // each, its columns laid out by every core first. No model measured here takes this path
      // (Inductor's CPU layout for convolution-heavy models is channels-last, above); the
      // tests check it against direct loops
      for (int j = 0; j < jobs; j++) {
        g.runBlas(par, x, wc, bias, out, j / groups, j % groups);
      }
      return;
    }
    // few large images: parallelize inside each GEMM; many small ones: one image per worker
    boolean perImage = jobs >= 2 * par.threads();
    if (perImage) {
      par.forEach(jobs, j -> g.run(par, x, wc, bias, out, j / groups, j % groups, false));
    } else {
      for (int j = 0; j < jobs; j++) {
        g.run(par, x, wc, bias, out, j / groups, j % groups, true);
      }
    }
  }

  private static Tensor copyContiguous(Tensor t) {
    Tensor c = Tensor.heap(t.dtype(), t.shapeRef());
    Elementwise.map(c, new Tensor[] {t}, (in, o, n) -> System.arraycopy(in[0], 0, o, 0, n));
    return c;
  }

  /** Sizes of one convolution and the per-(image, group) product. */
  private static final class Geometry {
    final int batch;
    final int cg;
    final int height;
    final int width;
    final int outChannels;
    final int ocg;
    final int kh;
    final int kw;
    final int outH;
    final int outW;
    final long[] stride;
    final long[] pad;
    final long[] dil;

    Geometry(Tensor x, Tensor w, long[] stride, long[] pad, long[] dil, int groups) {
      this.batch = (int) x.size(0);
      int channels = (int) x.size(1);
      this.height = (int) x.size(2);
      this.width = (int) x.size(3);
      this.outChannels = (int) w.size(0);
      this.kh = (int) w.size(2);
      this.kw = (int) w.size(3);
      if (channels % groups != 0 || outChannels % groups != 0 || w.size(1) != channels / groups) {
        throw new IllegalArgumentException("weight " + w + " does not fit input " + x + " with "
            + groups + " groups");
      }
      this.cg = channels / groups;
      this.ocg = outChannels / groups;
      this.stride = stride;
      this.pad = pad;
      this.dil = dil;
      this.outH = (int) ((height + 2 * pad[0] - dil[0] * (kh - 1) - 1) / stride[0] + 1);
      this.outW = (int) ((width + 2 * pad[1] - dil[1] * (kw - 1) - 1) / stride[1] + 1);
      if (outH < 1 || outW < 1) {
        throw new IllegalArgumentException("kernel " + kh + "x" + kw + " larger than padded input "
            + x);
      }
    }

    /** One image n, one group g: out[n, g-slice] = W_g @ cols (+ bias). */
    void run(Parallel par, Tensor x, Tensor w, @Nullable Tensor bias, Tensor out, int n, int g,
        boolean parallelGemm) {
      int k = cg * kh * kw;
      int pixels = outH * outW;
      Tensor wg = w.narrow(0, (long) g * ocg, ocg).view(1, ocg, k);
      Tensor cols = columns(x, n, g);
      Tensor og = out.select(0, n).narrow(0, (long) g * ocg, ocg);
      boolean merged = og.stride(1) == og.stride(2) * outW || outH == 1;
      Tensor target = merged
          ? og.asStrided(new long[] {1, ocg, pixels}, new long[] {0, og.stride(0), og.stride(2)},
              0)
          : Tensor.heap(DType.FLOAT32, 1, ocg, pixels);
      Tensor init = bias == null ? null : bias.narrow(0, (long) g * ocg, ocg)
          .asStrided(new long[] {1, ocg, pixels}, new long[] {0, bias.stride(0), 0}, 0);
      Gemm.run(par, wg, cols, target, init, init == null ? 0f : 1f, 1f, parallelGemm);
      if (!merged) {
        Tensor src = target.view(ocg, outH, outW);
        Elementwise.map(og, new Tensor[] {src}, (in, o, len) -> System.arraycopy(in[0], 0, o, 0,
            len));
      }
    }

    /**
     * One image n, one group g on OpenBLAS: the columns in direct memory (the input itself for
     * an unpadded 1x1 convolution), the product straight into the output's rows.
     */
    void runBlas(Parallel par, Tensor x, Tensor w, @Nullable Tensor bias, Tensor out, int n,
        int g) {
      int k = cg * kh * kw;
      int pixels = outH * outW;
      Tensor wg = w.narrow(0, (long) g * ocg, ocg).view(1, ocg, k);
      Tensor og = out.select(0, n).narrow(0, (long) g * ocg, ocg);
      Tensor target = og.asStrided(new long[] {1, ocg, pixels},
          new long[] {0, og.stride(0), og.stride(2)}, 0);
      Tensor init = bias == null ? null : bias.narrow(0, (long) g * ocg, ocg)
          .asStrided(new long[] {1, ocg, pixels}, new long[] {0, bias.stride(0), 0}, 0);
      Tensor xg = x.select(0, n).narrow(0, (long) g * cg, cg);
      Tensor cols = pointwise(xg) ? pointwiseColumns(xg)
          : ConvColumns.fill(par, xg, kh, kw, outH, outW, stride, pad, dil);
      if (!Blas.tryRun(wg, cols, target, init, init == null ? 0f : 1f, 1f)) {
        // the layouts suitsBlas checked hold for every image: only a lost native library
        // could bring us here, and then the Java GEMM takes the same operands
        Gemm.run(par, wg, cols, target, init, init == null ? 0f : 1f, 1f, true);
      }
    }

    private boolean pointwise(Tensor xg) {
      return kh == 1 && kw == 1 && stride[0] == 1 && stride[1] == 1 && pad[0] == 0
          && pad[1] == 0 && xg.stride(1) == xg.stride(2) * width && xg.data().isDirect();
    }

    private Tensor pointwiseColumns(Tensor xg) {
      return xg.asStrided(new long[] {1, cg, (long) outH * outW},
          new long[] {0, xg.stride(0), xg.stride(2)}, 0);
    }

    /** The im2col matrix [1, Cg*KH*KW, OH*OW] of image n, group g (zeros where padded). */
    private Tensor columns(Tensor x, int n, int g) {
      Tensor xg = x.select(0, n).narrow(0, (long) g * cg, cg);
      int pixels = outH * outW;
      if (kh == 1 && kw == 1 && stride[0] == 1 && stride[1] == 1 && pad[0] == 0 && pad[1] == 0
          && xg.stride(1) == xg.stride(2) * width) {
        // a 1x1 convolution reads the input as it is
        return xg.asStrided(new long[] {1, cg, pixels}, new long[] {0, xg.stride(0), xg.stride(2)},
            0);
      }
      float[] plane = new float[cg * height * width];
      long[] st = xg.strideRef();
      for (int c = 0; c < cg; c++) {
        for (int h = 0; h < height; h++) {
          int b = xg.byteOffset() + (int) ((c * st[0] + h * st[1]) * 4);
          Rows.loadFloats(xg, b, width, st[2], plane, (c * height + h) * width);
        }
      }
      float[] col = new float[cg * kh * kw * pixels];
      for (int c = 0; c < cg; c++) {
        ConvColumns.windows(plane, c * height * width, height, width, kh, kw, outH, outW,
            stride, pad, dil, col, c * kh * kw * pixels);
      }
      Tensor t = Tensor.heap(DType.FLOAT32, 1, (long) cg * kh * kw, pixels);
      t.floats().put(0, col);
      return t;
    }
  }
}
