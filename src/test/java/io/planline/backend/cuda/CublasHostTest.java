package io.planline.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import org.junit.jupiter.api.Test;

/**
 * What the cuBLAS products decide on the host (no GPU needed): where cuBLASLt's library is
 * looked for, and the alignment a cuBLASLt plan is keyed and chosen by.
 */
class CublasHostTest {

  @Test
  void cublasLt_isLookedForBesideCublas() {
    assertEquals("/opt/nvidia/cublas/lib/libcublasLt.so.13",
        Cublas.ltBeside("/opt/nvidia/cublas/lib/libcublas.so.13"));
    assertEquals("libcublasLt.so.12", Cublas.ltBeside("libcublas.so.12"));
    assertEquals("cublasLt", Cublas.ltBeside("cublas"));
  }

  @Test
  void alignment_isTheLargestPowerOfTwoUpTo256() {
    assertEquals(256, Cublas.Gemm.alignment(0x7f0000001000L));
    assertEquals(16, Cublas.Gemm.alignment(0x7f0000001010L));
    assertEquals(4, Cublas.Gemm.alignment(0x7f0000001004L));
  }

  @Test
  void plansDiffer_byAlignment_notByAddress() {
    Cublas.Gemm a = gemm(0x1000, 0x2000, 0x3000);
    Cublas.Gemm b = gemm(0x9000, 0xa000, 0xb000);
    Cublas.Gemm c = gemm(0x1000, 0x2004, 0x3000);
    assertEquals(a.shape(), b.shape());
    assertNotEquals(a.shape(), c.shape());
  }

  private static Cublas.Gemm gemm(long a, long b, long c) {
    return Cublas.Gemm.of(Cublas.OP_N, Cublas.OP_T, 64, 32, 128, 1f, a, 64, 0, b, 32, 0, 0f, c,
        64, 0, 1, 0);
  }
}
