package io.planline.kernel;

import org.bytedeco.openblas.global.openblas_nolapack;
import org.jspecify.annotations.Nullable;

/**
 * A product of a few rows with a weight as one OpenBLAS {@code cblas_sgemv} per row, on the
 * calling thread: a matrix-vector product reads the weight once, where it lies, and packs
 * nothing, where {@code cblas_sgemm} packs the whole weight on every call. {@link SmallProducts}
 * sends batch-1 rows here. On the 2-core build machine, with a bias, µs per call against the
 * Java rows: 1x128x64 0.43-0.60 / 0.63-0.65, 1x64x10 0.14 / 0.27, 1x512x64 1.6-1.8 / 2.5-3.2,
 * 1x64x128 level ({@code SmallProductsBench}, docs/benchmarks.md, session 26).
 */
final class GemvRows {

  /** One pointer per operand and thread ({@link AddressPointer}). */
  private static final ThreadLocal<AddressPointer[]> HANDLES = ThreadLocal.withInitial(
      () -> new AddressPointer[] {new AddressPointer(), new AddressPointer(),
          new AddressPointer()});

  private GemvRows() {}

  /**
   * {@code c[0] = beta * init[0] + alpha * (a[0] @ b[0])}, with the shapes and contract of
   * {@link Gemm#run}, one row of a at a time. Returns false, having written nothing, where
   * OpenBLAS is missing, an operand is not in direct memory, b has no unit stride, or a row of a
   * or c is not evenly strided forward.
   */
  static boolean tryRun(Tensor a, Tensor b, Tensor c, @Nullable Tensor init, float beta,
      float alpha) {
    long[] sa = a.strideRef();
    long[] sb = b.strideRef();
    long[] sc = c.strideRef();
    if (!Blas.loaded() || !a.data().isDirect() || !b.data().isDirect() || !c.data().isDirect()
        || sa[2] < 1 || sc[2] < 1 || sa[2] > Integer.MAX_VALUE || sc[2] > Integer.MAX_VALUE
        || c.byteOffset() % 4 != 0 || (init != null && init.byteOffset() % 4 != 0)) {
      return false;
    }
    int m = Math.toIntExact(a.shapeRef()[1]);
    int k = Math.toIntExact(a.shapeRef()[2]);
    int n = Math.toIntExact(b.shapeRef()[2]);
    // y = alpha * op(B) x + beta * y, B being b's memory read row-major: b [K, N] with unit
    // columns is B itself, transposed; with unit rows (a linear layer's weight, read as its
    // transpose) it is B = b^T, [N, K], not transposed
    int trans;
    int rowsOfB;
    int colsOfB;
    long ld;
    if (sb[2] == 1 && sb[1] >= Math.max(1, n)) {
      trans = Blas.TRANS;
      rowsOfB = k;
      colsOfB = n;
      ld = sb[1];
    } else if (sb[1] == 1 && sb[2] >= Math.max(1, k)) {
      trans = Blas.NO_TRANS;
      rowsOfB = n;
      colsOfB = k;
      ld = sb[2];
    } else {
      return false;
    }
    if (ld > Integer.MAX_VALUE) {
      return false;
    }
    float betaUsed = init != null && beta != 0f ? beta : 0f;
    return NativeCompute.run(1, () -> {
      AddressPointer[] h = HANDLES.get();
      for (int i = 0; i < m; i++) {
        long cRow = c.byteOffset() + 4L * i * sc[1];
        if (betaUsed != 0f) { // init is expanded to c's shape
          Rows.copyFloats(init, init.byteOffset() + (int) (4 * i * init.strideRef()[1]),
              init.strideRef()[2], c, (int) cRow, sc[2], n);
        }
        // beta 0: OpenBLAS's gemv then writes y without reading it (the reference BLAS's rule)
        openblas_nolapack.cblas_sgemv(Blas.ROW_MAJOR, trans, rowsOfB, colsOfB, alpha,
            h[0].at(b.address()), (int) ld, h[1].at(a.address() + 4L * i * sa[1]), (int) sa[2],
            betaUsed, h[2].at(c.address() - c.byteOffset() + cRow), (int) sc[2]);
      }
      return true;
    });
  }
}
