package io.planline.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.planline.model.ModelProgram.CppBuild;
import java.util.List;
import org.junit.jupiter.api.Test;

class CpuIsaTest {

  private static final String AVX2_FLAGS = "flags : fpu sse2 avx avx2 fma f16c bmi1 bmi2";
  private static final String AVX512_FLAGS = AVX2_FLAGS + " avx512f avx512dq avx512cd avx512bw"
      + " avx512vl";
  private static final CppBuild NARROW = new CppBuild("avx2", "kernels-avx2.so", "a");
  private static final CppBuild WIDE = new CppBuild("avx512", "kernels-avx512.so", "b");

  @Test
  void choose_widestTheProcessorRuns() {
    assertEquals(WIDE, CpuIsa.choose(List.of(NARROW, WIDE), "avx512", AVX512_FLAGS));
    assertEquals(NARROW, CpuIsa.choose(List.of(NARROW, WIDE), "avx512", AVX2_FLAGS));
  }

  @Test
  void choose_neverWiderThanTheCap() {
    assertEquals(NARROW, CpuIsa.choose(List.of(NARROW, WIDE), "avx2", AVX512_FLAGS));
    assertEquals(NARROW, CpuIsa.choose(List.of(NARROW, WIDE), "AVX2", AVX512_FLAGS));
  }

  @Test
  void choose_exportWithoutAWideBuild_isTheAvx2One() {
    assertEquals(NARROW, CpuIsa.choose(List.of(NARROW), "avx512", AVX512_FLAGS));
  }

  @Test
  void choose_avx512WithoutOneOfItsParts_staysOnAvx2() {
    String noBw = AVX512_FLAGS.replace(" avx512bw", "");
    assertEquals(NARROW, CpuIsa.choose(List.of(NARROW, WIDE), "avx512", noBw));
    assertEquals("no avx512bw", CpuIsa.missing("avx512", noBw));
  }

  @Test
  void choose_unknownCap_isRefusedNamingTheProperty() {
    String msg = assertThrows(IllegalArgumentException.class,
        () -> CpuIsa.choose(List.of(NARROW, WIDE), "sse4", AVX512_FLAGS)).getMessage();
    assertTrue(msg.contains("-Dplanline.cpu.isa=sse4") && msg.contains("avx2, avx512"), msg);
  }

  @Test
  void missing_namesEachLackingFlag() {
    assertNull(CpuIsa.missing("avx2", AVX2_FLAGS));
    assertEquals("no avx2, no fma, no f16c, no bmi2", CpuIsa.missing("avx2", "flags : sse2"));
    assertEquals("no avx512f, no avx512bw, no avx512dq, no avx512vl",
        CpuIsa.missing("avx512", AVX2_FLAGS));
  }
}
