package io.planline.kernel;

import java.util.Arrays;
import org.jspecify.annotations.Nullable;

/** The matrix products mm, addmm, bmm and baddbmm, all over the blocked {@link Gemm}. */
final class GemmOps {

  private GemmOps() {}

  static void register(OpTable t) {
    t.add("aten.mm.default", "Tensor self, Tensor mat2", 1, a -> {
      String x = a.tensor(0);
      String y = a.tensor(1);
      DnnlSite<DnnlProducts.Primitive> site = new DnnlSite<>();
      return c -> matmul(c.parallel(), c.in(x), c.in(y), c.out(0), null, 0, 1, site);
    });
    t.add("aten.addmm.default", "Tensor self, Tensor mat1, Tensor mat2, Scalar beta, Scalar alpha",
        1, a -> {
          String self = a.tensor(0);
          String x = a.tensor(1);
          String y = a.tensor(2);
          float beta = (float) a.number(3);
          float alpha = (float) a.number(4);
          DnnlSite<DnnlProducts.Primitive> site = new DnnlSite<>();
          return c -> matmul(c.parallel(), c.in(x), c.in(y), c.out(0), c.in(self), beta, alpha,
              site);
        });
    t.add("aten.bmm.default", "Tensor self, Tensor mat2", 1, a -> {
      String x = a.tensor(0);
      String y = a.tensor(1);
      return c -> batched(c.parallel(), c.in(x), c.in(y), c.out(0), null, 0, 1);
    });
    t.add("aten.baddbmm.default",
        "Tensor self, Tensor batch1, Tensor batch2, Scalar beta, Scalar alpha", 1, a -> {
          String self = a.tensor(0);
          String x = a.tensor(1);
          String y = a.tensor(2);
          float beta = (float) a.number(3);
          float alpha = (float) a.number(4);
          return c -> batched(c.parallel(), c.in(x), c.in(y), c.out(0), c.in(self), beta, alpha);
        });
  }

  /** {@code out = beta * self + alpha * (x @ y)} for 2-D x, y; self broadcasts to the output. */
  static void matmul(Parallel par, Tensor x, Tensor y, Tensor out, @Nullable Tensor self,
      float beta, float alpha) {
    matmul(par, x, y, out, self, beta, alpha, null);
  }

  /** The same as one step of a program, which keeps its oneDNN primitive in {@code site}. */
  private static void matmul(Parallel par, Tensor x, Tensor y, Tensor out, @Nullable Tensor self,
      float beta, float alpha, @Nullable DnnlSite<DnnlProducts.Primitive> site) {
    requireRank(2, x, y, out);
    Tensor init = self == null ? null : self.expand(out.shapeRef()).unsqueeze(0);
    Gemm.run(par, x.unsqueeze(0), y.unsqueeze(0), out.unsqueeze(0), init, beta, alpha, true,
        site);
  }

  /** The batched form: x [B, M, K], y [B, K, N], out [B, M, N]. */
  static void batched(Parallel par, Tensor x, Tensor y, Tensor out, @Nullable Tensor self,
      float beta, float alpha) {
    requireRank(3, x, y, out);
    Tensor init = self == null ? null : self.expand(out.shapeRef());
    Gemm.run(par, x, y, out, init, beta, alpha, true);
  }

  private static void requireRank(int rank, Tensor... ts) {
    for (Tensor t : ts) {
      if (t.dim() != rank) {
        throw new IllegalArgumentException("expected " + rank + "-D tensors, got "
            + Arrays.toString(t.shapeRef()));
      }
    }
  }
}
