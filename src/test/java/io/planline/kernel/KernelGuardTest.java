package io.planline.kernel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.planline.ir.DType;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A compiled kernel that throws (Inductor's ZeroDivisionError) reports it as a
 * {@link KernelCheckException} through its guarded entry point, on either build and either way of
 * calling, and the process goes on: before the guards such a throw ended the JVM running the
 * test. The kernel, from {@code tools/test_models.py}, computes {@code (a // b) * 2 + 1}.
 */
final class KernelGuardTest {

  private static final Path DIR = Path.of("src/test/resources/inductor-cpu/floor-divide");
  private static final String KERNEL = "cpp_fused_add_floor_divide_mul_0";
  private static final List<NativeKernels.Param> PARAMS = List.of(NativeKernels.Param.PTR,
      NativeKernels.Param.PTR, NativeKernels.Param.PTR);

  /** build: the OpenMP library alone, or with its serial build (which small calls take). */
  @ParameterizedTest(name = "{0}, helper {1}")
  @CsvSource({"openmp, true", "openmp, false", "serial, true", "serial, false"})
  void zeroDivisor_isAKernelCheckException_andTheKernelRunsOnAfterIt(String build,
      boolean helper) {
    assumeTrue(System.getProperty("os.arch").equals("amd64"), "x86-64 kernels");
    NativeKernels kernels = NativeKernels.load(DIR.resolve("kernels-avx2.so"),
        build.equals("serial") ? DIR.resolve("kernels-avx2-serial.so") : null,
        Map.of(KERNEL, PARAMS), Integer.MAX_VALUE);
    PreparedKernel call = kernels.prepare(KERNEL, List.of("a", "b", "y"), List.of("y"),
        helper && DirectCalls.available());
    Tensor a = Tensor.fromLongs(new long[] {7, -8, 9, 10}, 1, 4);
    Tensor y = Tensor.allocate(DType.INT64, 1, 4);

    Tensor zero = Tensor.fromLongs(new long[] {2, 0, -4, 5}, 1, 4);
    KernelCheckException e = assertThrows(KernelCheckException.class,
        () -> call.run(Map.of("a", a, "b", zero, "y", y)::get));
    assertTrue(e.getMessage().startsWith(KERNEL + ": "), e.getMessage());
    assertTrue(e.getMessage().contains("ZeroDivisionError"), e.getMessage());

    Tensor b = Tensor.fromLongs(new long[] {2, 3, -4, 5}, 1, 4);
    call.run(Map.of("a", a, "b", b, "y", y)::get);
    // floor division, as Python's: -8 // 3 = -3, 9 // -4 = -3
    assertArrayEquals(new long[] {7, -5, -5, 5}, y.toLongArray());
  }
}
