package io.planline.kernel;

import java.nio.ByteBuffer;
import java.util.Arrays;
import org.bytedeco.javacpp.BytePointer;
import org.jspecify.annotations.Nullable;

/**
 * One program step's oneDNN call ({@link DnnlConv}, {@link DnnlProducts}), kept between its
 * calls: per thread ({@link #THREADS} at most), the primitive and packed weight its last call
 * used, with the variant (the thread count and whatever else made the primitive that the
 * operands' layouts do not show), weight and the operands' shapes and strides they were made
 * for. A later call that fits skips the primitive's key, the per-thread primitive cache and the
 * packed weight's lookup: in a model those cost 8 µs of the 14-16 µs planline spent around each
 * of ResNet-50 [1]'s convolutions, their data evicted by the weights streamed since the previous
 * request. With the sites off and on in alternating 1 s blocks, one process (docs/benchmarks.md,
 * session 24): ResNet-50 [1] 29.09 -> 27.40 ms (faster in 10 of 12 blocks), BERT [1,128]
 * 78.8 -> 75.7 and 77.1 -> 76.3 ms (7 and 9 of 10); digits-cnn [64] and tiny-gpt [8,64], whose
 * data stays in cache, level.
 *
 * <p>A step's operands keep their shapes and strides (a program is compiled per input shape)
 * and its weight; only the activations' addresses change, and those are set on every call. A
 * call that does not fit (another thread, another weight) takes the usual way, and a call with
 * a packed weight leaves what it found, for its thread. The primitive belongs to the thread
 * that made it ({@link Dnnl}).
 *
 * @param <P> the caller's primitive record
 */
final class DnnlSite<P> {

  /**
   * What calls left, one per thread that ran the step (a split request's parts run one program
   * on two threads at once); a copy replaces the array on each change, which is rare.
   */
  @SuppressWarnings("unchecked")
  private volatile Memo<P>[] memos = new Memo[0];

  /**
   * The most threads whose calls are kept, a further thread replacing the oldest: one stream
   * thread per core runs requests, and callers that may wait run short programs and a split
   * request's last part themselves, so twice the cores (at least eight).
   */
  static final int THREADS = Math.max(8, 2 * Runtime.getRuntime().availableProcessors());

  /** What a call left. */
  record Memo<P>(Thread thread, long variant, P primitive, BytePointer weights,
      ByteBuffer weightData, int weightOffset, long[][] layouts) {}

  /** Whether a call has left what it found (for tests). */
  boolean kept() {
    return memos.length > 0;
  }

  /**
   * What the last call left, if a call on this thread of this {@code variant}, with this packed
   * {@code weight} and these {@code operands} (the weight among them; nulls where absent) may
   * use it; else null.
   */
  @Nullable Memo<P> fitting(long variant, Tensor weight, @Nullable Tensor... operands) {
    Memo<P> m = mine(memos, Thread.currentThread());
    if (m == null || m.variant != variant || weight.data() != m.weightData
        || weight.byteOffset() != m.weightOffset) {
      return null;
    }
    for (int i = 0; i < operands.length; i++) {
      Tensor t = operands[i];
      if (t == null ? m.layouts[2 * i] != null
          : !Arrays.equals(m.layouts[2 * i], t.shapeRef())
              || !Arrays.equals(m.layouts[2 * i + 1], t.strideRef())) {
        return null;
      }
    }
    return m;
  }

  /** Keeps what this call used, replacing what an earlier one left. */
  void keep(long variant, P primitive, BytePointer weights, Tensor weight,
      @Nullable Tensor... operands) {
    long[][] layouts = new long[operands.length * 2][];
    for (int i = 0; i < operands.length; i++) {
      if (operands[i] != null) {
        layouts[2 * i] = operands[i].shapeRef().clone();
        layouts[2 * i + 1] = operands[i].strideRef().clone();
      }
    }
    Thread me = Thread.currentThread();
    Memo<P> m = new Memo<>(me, variant, primitive, weights, weight.data(), weight.byteOffset(),
        layouts);
    Memo<P>[] now = memos;
    int at = 0;
    while (at < now.length && now[at].thread != me) {
      at++;
    }
    Memo<P>[] next;
    if (at < now.length) {
      next = now.clone();
      next[at] = m;
    } else {
      int keep = Math.min(now.length, THREADS - 1);
      next = Arrays.copyOfRange(now, now.length - keep, now.length + 1);
      next[keep] = m;
    }
    memos = next; // a racing thread's change may be lost: that thread keeps its own again
  }

  private static <P> @Nullable Memo<P> mine(Memo<P>[] memos, Thread me) {
    for (Memo<P> m : memos) {
      if (m.thread == me) {
        return m;
      }
    }
    return null;
  }
}
