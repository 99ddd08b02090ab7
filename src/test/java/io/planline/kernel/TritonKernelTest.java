package io.planline.kernel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.planline.kernel.NativeKernels.Param;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Reading a cubin's parameter table and checking launches against it, without a GPU. The
 * binary is {@code src/test/resources/cubin/kernels.cubin}, built by nvcc from the
 * {@code kernels.cu} beside it.
 */
class TritonKernelTest {

  private static byte[] cubin() throws IOException {
    try (InputStream in = TritonKernelTest.class.getResourceAsStream("/cubin/kernels.cubin")) {
      return in.readAllBytes();
    }
  }

  private static TritonKernel add(List<Param> kinds, List<Integer> launched, int scratch) {
    return new TritonKernel("triton_poi_fused_add_0", "triton_poi_fused_add_0", "triton/a.cubin",
        "00", null, 4, 0, List.of("in_out_ptr0", "in_ptr0", "xnumel"), kinds, launched, scratch,
        new TritonKernel.Grid("Grid1D", 1024, 1, 1));
  }

  @Test
  void params_readsEveryParameterOffsetAndSize() throws IOException {
    assertEquals(List.of(new CubinInfo.Param(0, 8), new CubinInfo.Param(8, 8),
        new CubinInfo.Param(16, 4), new CubinInfo.Param(24, 8), new CubinInfo.Param(32, 8)),
        CubinInfo.params(cubin(), "triton_poi_fused_add_0"));
    assertEquals(List.of(new CubinInfo.Param(0, 8), new CubinInfo.Param(8, 8),
        new CubinInfo.Param(16, 4), new CubinInfo.Param(24, 8)),
        CubinInfo.params(cubin(), "scalars"));
  }

  @Test
  void params_badInput_failsSayingWhat() throws IOException {
    var e = assertThrows(IllegalArgumentException.class,
        () -> CubinInfo.params(cubin(), "missing_kernel"));
    assertTrue(e.getMessage().contains("no kernel named missing_kernel"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> CubinInfo.params("not an elf file at all, just text ......................."
            .getBytes(), "k"));
    assertTrue(e.getMessage().contains("not a 64-bit ELF"), e.getMessage());
    byte[] cut = Arrays.copyOf(cubin(), 200);
    e = assertThrows(IllegalArgumentException.class, () -> CubinInfo.params(cut, "k"));
    assertTrue(e.getMessage().contains("truncated or corrupt"), e.getMessage());
  }

  @Test
  void checkAgainstBinary_matchingLaunch_passes() throws IOException {
    add(List.of(Param.PTR, Param.PTR, Param.I32), List.of(0, 1, 2), 2)
        .checkAgainstBinary(cubin());
  }

  @Test
  void checkAgainstBinary_wrongCountOrSize_failsNamingTheParameter() throws IOException {
    byte[] bin = cubin();
    var e = assertThrows(IllegalArgumentException.class,
        () -> add(List.of(Param.PTR, Param.PTR, Param.I32), List.of(0, 1, 2), 1)
            .checkAgainstBinary(bin));
    assertEquals("triton_poi_fused_add_0: the binary declares 5 parameters, the launch passes 3 "
        + "arguments and 1 scratch pointers", e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> add(List.of(Param.PTR, Param.PTR, Param.I64), List.of(0, 1, 2), 2)
            .checkAgainstBinary(bin));
    assertEquals("triton_poi_fused_add_0: parameter 2 (xnumel, I64) is 8 bytes but the binary "
        + "declares 4", e.getMessage());
  }

  @Test
  void grid_followsInductorsRules() {
    Map<String, Long> n = Map.of("xnumel", 1000L, "ynumel", 300_000L, "znumel", 7L);
    assertArrayEquals(new long[] {8, 1, 1}, new TritonKernel.Grid("Grid1D", 128, 1, 1).of(n));
    assertArrayEquals(new long[] {8, 150_000, 1},
        new TritonKernel.Grid("Grid2D", 128, 2, 1).of(n));
    assertArrayEquals(new long[] {8, 150_000, 4},
        new TritonKernel.Grid("Grid3D", 128, 2, 2).of(n));
    // y beyond 65,535 blocks folds into z, as Inductor's Grid2DWithYZOverflow does
    assertArrayEquals(new long[] {8, 50_000, 3},
        new TritonKernel.Grid("Grid2DWithYZOverflow", 128, 2, 1).of(n));
    // a template's grid is the call's three trailing arguments as they are
    assertArrayEquals(new long[] {392, 2, 1}, new TritonKernel.Grid("FixedGrid", 1, 1, 1)
        .of(Map.of("_grid_0", 392L, "_grid_1", 2L, "_grid_2", 1L, "xnumel", 9L)));
  }

  @Test
  void grid_badRuleOrMissingSize_fails() {
    var e = assertThrows(IllegalArgumentException.class,
        () -> new TritonKernel.Grid("CooperativeReductionGrid", 1, 1, 1));
    assertTrue(e.getMessage().startsWith("grid type 'CooperativeReductionGrid'"));
    e = assertThrows(IllegalArgumentException.class,
        () -> new TritonKernel.Grid("Grid2D", 8, 8, 1).of(Map.of("xnumel", 4L)));
    assertEquals("the grid needs argument ynumel, which the kernel does not take",
        e.getMessage());
  }
}
