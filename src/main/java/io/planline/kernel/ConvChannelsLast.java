package io.planline.kernel;

import io.planline.ir.DType;
import java.nio.ByteBuffer;
import java.nio.FloatBuffer;
import java.util.function.IntConsumer;
import org.jspecify.annotations.Nullable;

/**
 * Convolution on channels-last activations (NHWC), the layout Inductor picks on the CPU for
 * convolution-heavy models (ResNet-50's every activation), as one OpenBLAS product per image:
 * {@code out[P, OC] = cols[P, K] @ W^T[K, OC]}. The weights are read where they lie, either
 * OHWI (K ordered kernel row, column, channel: a window's row of the columns is KH*KW bulk copies
 * of C contiguous input values) or plain OIHW as the model stores them (K ordered channel, row,
 * column: the same runs, scattered). An unpadded 1x1 convolution needs no columns at all: the
 * input is them.
 */
final class ConvChannelsLast {

  /** A batch's columns go into one product up to this size (else image by image). */
  private static final long BATCH_COLUMNS_BYTES = 16L << 20;
  /** Columns (floats) below which one thread fills them all. */
  private static final long SERIAL_COLUMNS = 1 << 15;

  /** A kernel-pool thread's copy of the input rows one output row's windows cover. */
  private static final ThreadLocal<float[]> ROWS = ThreadLocal.withInitial(() -> new float[0]);

  private static volatile float[] zeros = new float[0];

  private ConvChannelsLast() {}

  private static float[] zeros(int n) {
    float[] z = zeros;
    if (z.length < n) {
      z = new float[n];
      zeros = z;
    }
    return z;
  }

  /**
   * Whether this convolution is channels-last throughout and large enough for OpenBLAS:
   * input channels contiguous at each pixel, output NHWC with its rows contiguous, weights OHWI.
   */
  static boolean suits(Tensor x, Tensor w, Tensor out, int groups) {
    long c = x.size(1);
    long oc = out.size(1);
    long k = c * w.size(2) * w.size(3);
    long pixels = out.size(2) * out.size(3);
    // the whole batch counts: a batch whose images lie one after another is one product
    return groups == 1 && Blas.available()
        && x.size(0) * oc * k * pixels >= ConvColumns.MIN_MACS
        && x.data().isDirect() && w.data().isDirect() && out.data().isDirect()
        && x.stride(1) == 1 && x.byteOffset() % 4 == 0
        && out.stride(1) == 1 && out.stride(3) == oc && out.stride(2) == out.size(3) * oc
        && (channelsInner(w) || channelsOuter(w)) && w.stride(0) >= k;
  }

  /** OHWI weights: K runs over (kernel row, kernel column, channel). */
  private static boolean channelsInner(Tensor w) {
    return w.stride(1) == 1 && w.stride(3) == w.size(1) && w.stride(2) == w.size(3) * w.size(1);
  }

  /** OIHW weights: K runs over (channel, kernel row, kernel column). */
  private static boolean channelsOuter(Tensor w) {
    return w.stride(3) == 1 && w.stride(2) == w.size(3) && w.stride(1) == w.size(2) * w.size(3);
  }

  /**
   * Every image: {@code out} [N, OC, OH, OW] (NHWC strides) from {@code x} [N, C, H, W]; the
   * weights are turned (when they are) once for the whole batch.
   */
  static void run(Parallel par, Tensor x, Tensor w, @Nullable Tensor bias, Tensor out,
      long[] stride, long[] pad, long[] dil) {
    int c = (int) x.size(1);
    int oc = (int) w.size(0);
    int kh = (int) w.size(2);
    int kw = (int) w.size(3);
    int outH = (int) out.size(2);
    int outW = (int) out.size(3);
    int pixels = outH * outW;
    int k = c * kh * kw;
    Tensor weights = w;
    boolean inner = channelsInner(w) || kh * kw == 1;
    if (!inner && pixels >= oc) {
      // OIHW with more pixels than filters (ResNet's early 3x3s): turning the weights to OHWI
      // copies OC*K values, fewer than scattering the P*K values of the columns would
      weights = ohwi(par, w);
      inner = true;
    }
    Tensor wt = weights.asStrided(new long[] {1, k, oc}, new long[] {0, 1, weights.stride(0)},
        0);
    float beta = bias == null ? 0f : 1f;
    int images = (int) x.size(0);
    boolean pointwise = unpadded1x1(x.select(0, 0), kh, kw, stride, pad);
    // images one after another in memory make one product of N*P rows (digits-cnn's 3x3 at
    // batch 64: one call instead of 64 too small for OpenBLAS); else one product per image
    boolean whole = images > 1 && out.stride(0) == (long) pixels * oc
        && (pointwise ? x.stride(0) == (long) pixels * x.stride(3)
            : (long) images * pixels * k * 4 <= BATCH_COLUMNS_BYTES);
    int per = whole ? images : 1;
    long rows = (long) per * pixels;
    for (int n = 0; n < images; n += per) {
      Tensor cols;
      if (pointwise) {
        // the input is the columns: a row per pixel, W's stride apart
        cols = x.select(0, n).asStrided(new long[] {1, rows, c},
            new long[] {0, x.stride(3), 1}, 0);
      } else {
        ByteBuffer scratch = columns(par, x, n, per, kh, kw, outH, outW, stride, pad, dil,
            inner);
        cols = Tensor.of(scratch, 0, DType.FLOAT32, new long[] {1, rows, k},
            new long[] {0, k, 1});
      }
      Tensor target = out.select(0, n).asStrided(new long[] {1, rows, oc},
          new long[] {0, oc, 1}, 0);
      Tensor init = bias == null ? null : bias.asStrided(new long[] {1, rows, oc},
          new long[] {0, 0, bias.stride(0)}, 0);
      product(par, cols, wt, target, init, beta);
    }
  }

  private static void product(Parallel par, Tensor cols, Tensor wt, Tensor target,
      @Nullable Tensor init, float beta) {
    if (!Blas.tryRun(cols, wt, target, init, beta, 1f)) {
      // suits() checked every layout OpenBLAS needs; the Java GEMM takes any strides
      Gemm.run(par, cols, wt, target, init, beta, 1f, true);
    }
  }

  private static boolean unpadded1x1(Tensor x, int kh, int kw, long[] stride, long[] pad) {
    return kh == 1 && kw == 1 && stride[0] == 1 && stride[1] == 1 && pad[0] == 0 && pad[1] == 0
        && x.stride(1) == x.stride(2) * x.size(2);
  }

  /** OIHW weights copied to OHWI in the thread's second scratch buffer; a task per filter. */
  private static Tensor ohwi(Parallel par, Tensor w) {
    int oc = (int) w.size(0);
    int c = (int) w.size(1);
    int window = (int) (w.size(2) * w.size(3));
    int k = c * window;
    ByteBuffer bytes = ConvColumns.scratch(1, (long) oc * k * 4);
    FloatBuffer dst = bytes.asFloatBuffer();
    FloatBuffer src = w.floats();
    int base = w.byteOffset() / 4;
    long s0 = w.stride(0);
    par.forEach(oc, o -> {
      float[] in = new float[k];
      float[] out = new float[k];
      src.get((int) (base + o * s0), in, 0, k);
      for (int ch = 0; ch < c; ch++) {
        for (int q = 0; q < window; q++) {
          out[q * c + ch] = in[ch * window + q];
        }
      }
      dst.put(o * k, out);
    });
    return Tensor.of(bytes, 0, DType.FLOAT32, w.shape(),
        new long[] {k, 1, w.size(3) * c, c});
  }

  /**
   * Writes the columns [OH*OW, K] of images {@code first} to {@code first + images - 1}, one
   * after another, into the thread's scratch and returns it; K ordered (row, column, channel)
   * when {@code inner}, else (channel, row, column). One task per (image, output row), all in
   * one round of the pool: a round per image cost more than digits-cnn's columns themselves
   * (64 rounds at batch 64, about 1 ms of its 2.6).
   */
  private static ByteBuffer columns(Parallel par, Tensor x, int first, int images, int kh,
      int kw, int outH, int outW, long[] stride, long[] pad, long[] dil, boolean inner) {
    int c = (int) x.size(1);
    int height = (int) x.size(2);
    int width = (int) x.size(3);
    int k = c * kh * kw;
    int window = kh * kw;
    int imageColumns = outH * outW * k;
    ByteBuffer scratch = ConvColumns.scratch(0, (long) images * imageColumns * 4);
    FloatBuffer dst = scratch.asFloatBuffer();
    FloatBuffer src = x.floats();
    long s0 = x.stride(0);
    long sh = x.stride(2);
    long sw = x.stride(3);
    long firstBase = x.byteOffset() / 4 + first * s0;
    int rowLength = width * c;
    IntConsumer fill = task -> {
      int image = task / outH;
      int oh = task % outH;
      int base = (int) (firstBase + image * s0);
      int origin = image * imageColumns;
      float[] rows = ROWS.get();
      if (rows.length < kh * rowLength) {
        rows = new float[kh * rowLength];
        ROWS.set(rows);
      }
      boolean[] present = new boolean[kh];
      for (int i = 0; i < kh; i++) {
        long ih = oh * stride[0] - pad[0] + i * dil[0];
        present[i] = ih >= 0 && ih < height;
        if (!present[i]) {
          continue;
        }
        if (sw == c) {
          src.get((int) (base + ih * sh), rows, i * rowLength, rowLength);
        } else {
          for (int iw = 0; iw < width; iw++) {
            src.get((int) (base + ih * sh + iw * sw), rows, i * rowLength + iw * c, c);
          }
        }
      }
      if (inner) {
        // straight into the columns: a run of C values per window position, zeros where the
        // window reaches the padding (the scratch holds the last convolution's values)
        float[] zeros = zeros(c);
        int span = kw * c;
        for (int ow = 0; ow < outW; ow++) {
          int at = origin + (oh * outW + ow) * k;
          long left = ow * stride[1] - pad[1];
          // undilated and away from the edges, a kernel row's KW positions are adjacent in the
          // input row: one copy of KW*C values instead of KW copies of C (the stem's C is 3)
          boolean inside = dil[1] == 1 && left >= 0 && left + kw <= width;
          for (int i = 0; i < kh; i++) {
            if (inside && present[i]) {
              dst.put(at, rows, i * rowLength + (int) left * c, span);
              at += span;
              continue;
            }
            for (int j = 0; j < kw; j++, at += c) {
              long iw = ow * stride[1] - pad[1] + j * dil[1];
              if (present[i] && iw >= 0 && iw < width) {
                dst.put(at, rows, i * rowLength + (int) iw * c, c);
              } else {
                dst.put(at, zeros, 0, c);
              }
            }
          }
        }
        return;
      }
      float[] row = new float[outW * k];
      for (int ow = 0; ow < outW; ow++) {
        for (int i = 0; i < kh; i++) {
          if (!present[i]) {
            continue; // the window reaches the padding: zeros
          }
          for (int j = 0; j < kw; j++) {
            long iw = ow * stride[1] - pad[1] + j * dil[1];
            if (iw < 0 || iw >= width) {
              continue;
            }
            int from = i * rowLength + (int) iw * c;
            for (int ch = 0, to = ow * k + i * kw + j; ch < c; ch++, to += window) {
              row[to] = rows[from + ch];
            }
          }
        }
      }
      dst.put(origin + oh * outW * k, row);
    };
    if ((long) images * imageColumns < SERIAL_COLUMNS) {
      // a small image's columns take less than waking the pool (digits-cnn at batch 1)
      for (int task = 0; task < images * outH; task++) {
        fill.accept(task);
      }
    } else {
      par.forEach(images * outH, fill);
    }
    return scratch;
  }
}
