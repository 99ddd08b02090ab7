package io.planline.kernel;

import io.planline.ir.DType;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;

/**
 * Convolution's im2col matrix in direct memory, for products on OpenBLAS (which reads only
 * direct memory), laid out by every core: a channel's rows per task. The buffer is the stream
 * thread's own and reused, so a request allocates nothing per convolution beyond its first.
 */
final class ConvColumns {

  /**
   * Below this many multiply-adds per image a product is too small for OpenBLAS to pay for the
   * columns' copy and its threads' hand-over (digits-cnn's convolutions, 0.3 M each, run faster
   * on the Java path, one image per core); ResNet-50's smallest has 51 M.
   */
  static final long MIN_MACS = 4L << 20;

  /** Two per thread: the columns, and weights turned to another layout. */
  private static final ThreadLocal<ByteBuffer[]> SCRATCH =
      ThreadLocal.withInitial(() -> new ByteBuffer[2]);

  private ConvColumns() {}

  /** Whether a convolution of these sizes goes to OpenBLAS, image by image. */
  static boolean suitsBlas(int outChannels, int k, int pixels, Tensor weight, Tensor out) {
    return Blas.available() && (long) outChannels * k * pixels >= MIN_MACS
        && weight.data().isDirect() && out.data().isDirect()
        // each output channel's pixels contiguous (NCHW as the planner lays it out), so a
        // group's channels are the rows of one row-major matrix
        && out.stride(3) == 1 && out.stride(2) == out.size(3)
        && out.stride(1) >= out.size(2) * out.size(3);
  }

  /**
   * The columns [1, C*KH*KW, OH*OW] of one image's group {@code x} [C, H, W] (zeros where
   * the window reaches into the padding), in the calling thread's scratch buffer.
   */
  static Tensor fill(Parallel par, Tensor x, int kh, int kw, int outH, int outW, long[] stride,
      long[] pad, long[] dil) {
    int channels = (int) x.size(0);
    int height = (int) x.size(1);
    int width = (int) x.size(2);
    int pixels = outH * outW;
    int perChannel = kh * kw * pixels;
    ByteBuffer bytes = scratch(0, (long) channels * perChannel * 4);
    FloatBuffer dst = bytes.asFloatBuffer();
    long[] st = x.strideRef();
    par.forEach(channels, c -> {
      float[] plane = new float[height * width];
      for (int h = 0; h < height; h++) {
        int b = x.byteOffset() + (int) ((c * st[0] + h * st[1]) * 4);
        Rows.loadFloats(x, b, width, st[2], plane, h * width);
      }
      float[] rows = new float[perChannel];
      windows(plane, 0, height, width, kh, kw, outH, outW, stride, pad, dil, rows, 0);
      dst.duplicate().position(c * perChannel).put(rows);
    });
    return Tensor.of(bytes, 0, DType.FLOAT32, new long[] {1, (long) channels * kh * kw, pixels},
        new long[] {0, pixels, 1});
  }

  /**
   * One channel's im2col rows: for each kernel position (i, j) a row of OH*OW values read from
   * {@code plane} (H x W at {@code from}) through the window, written at {@code to}; positions
   * in the padding are left as they are (zero in a fresh array).
   */
  static void windows(float[] plane, int from, int height, int width, int kh, int kw, int outH,
      int outW, long[] stride, long[] pad, long[] dil, float[] dst, int to) {
    int pixels = outH * outW;
    for (int i = 0; i < kh; i++) {
      for (int j = 0; j < kw; j++) {
        int row = to + (i * kw + j) * pixels;
        for (int oh = 0; oh < outH; oh++) {
          long ih = oh * stride[0] - pad[0] + i * dil[0];
          if (ih < 0 || ih >= height) {
            continue; // the row stays zero
          }
          int src = from + (int) (ih * width);
          int out = row + oh * outW;
          for (int ow = 0; ow < outW; ow++) {
            long iw = ow * stride[1] - pad[1] + j * dil[1];
            if (iw >= 0 && iw < width) {
              dst[out + ow] = plane[src + (int) iw];
            }
          }
        }
      }
    }
  }

  /**
   * The calling thread's scratch buffer {@code which} (0 or 1), grown to at least {@code bytes}
   * (its contents are whatever the last convolution left).
   */
  static ByteBuffer scratch(int which, long bytes) {
    if (bytes > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("convolution scratch of " + bytes + " bytes");
    }
    ByteBuffer[] mine = SCRATCH.get();
    if (mine[which] == null || mine[which].capacity() < bytes) {
      mine[which] = ByteBuffer.allocateDirect((int) bytes).order(ByteOrder.LITTLE_ENDIAN);
    }
    return mine[which];
  }
}
