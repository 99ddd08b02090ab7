package io.planline.kernel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.planline.ir.DType;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A compiled kernel that throws (Inductor's ZeroDivisionError) reports it as a
 * {@link KernelCheckException} through its guarded entry point, on either build and either way of
 * calling, and the process goes on: before the guards such a throw ended the JVM running the
 * test. The kernel, from {@code tools/test_models.py}, computes {@code (a // b) * 2 + 1}; as a
 * kernel that divides integers it carries the exporter's marker and runs with no other native
 * call at once.
 */
final class KernelGuardTest {

  private static final Path DIR = Path.of("src/test/resources/inductor-cpu/floor-divide");
  private static final String KERNEL = "cpp_fused_add_floor_divide_mul_0";
  /** a, b, y and the batch size. */
  private static final List<NativeKernels.Param> PARAMS = List.of(NativeKernels.Param.PTR,
      NativeKernels.Param.PTR, NativeKernels.Param.PTR, NativeKernels.Param.I64);
  private static final List<String> ARGS = List.of("a", "b", "y", "1");

  /** build: the OpenMP library alone, or with its serial build (which small calls take). */
  @ParameterizedTest(name = "{0}, helper {1}")
  @CsvSource({"openmp, true", "openmp, false", "serial, true", "serial, false"})
  void zeroDivisor_isAKernelCheckException_andTheKernelRunsOnAfterIt(String build,
      boolean helper) {
    assumeTrue(System.getProperty("os.arch").equals("amd64"), "x86-64 kernels");
    NativeKernels kernels = NativeKernels.load(DIR.resolve("kernels-avx2.so"),
        build.equals("serial") ? DIR.resolve("kernels-avx2-serial.so") : null,
        Map.of(KERNEL, PARAMS), Integer.MAX_VALUE);
    PreparedKernel call = kernels.prepare(KERNEL, ARGS, List.of("y"),
        helper && DirectCalls.available());
    Tensor a = Tensor.fromLongs(new long[] {7, -8, 9, 10}, 1, 4);
    Tensor y = Tensor.allocate(DType.INT64, 1, 4);

    Tensor zero = Tensor.fromLongs(new long[] {2, 0, -4, 5}, 1, 4);
    KernelCheckException e = assertThrows(KernelCheckException.class,
        () -> call.run(Map.of("a", a, "b", zero, "y", y)::get));
    assertTrue(e.getMessage().startsWith(KERNEL + ": "), e.getMessage());
    assertTrue(e.getMessage().contains("ZeroDivisionError"), e.getMessage());
    assertTrue(e.thrown().contains("cpp_prefix.h:"), e.thrown());
    assertFalse(e.thrown().contains("/"), "the exporting machine's paths cut: " + e.thrown());

    Tensor b = Tensor.fromLongs(new long[] {2, 3, -4, 5}, 1, 4);
    call.run(Map.of("a", a, "b", b, "y", y)::get);
    // floor division, as Python's: -8 // 3 = -3, 9 // -4 = -3
    assertArrayEquals(new long[] {7, -5, -5, 5}, y.toLongArray());
  }

  /**
   * The dividing kernel waits for a one-thread native call in progress (which another kernel
   * would run beside), and runs once it ends; a kernel without the marker does not wait.
   */
  @Test
  void dividingKernel_runsWithNoOtherNativeCallAtOnce() throws Exception {
    assumeTrue(System.getProperty("os.arch").equals("amd64"), "x86-64 kernels");
    NativeKernels kernels = NativeKernels.load(DIR.resolve("kernels-avx2.so"),
        DIR.resolve("kernels-avx2-serial.so"), Map.of(KERNEL, PARAMS), Integer.MAX_VALUE);
    assertTrue(kernels.exclusive(KERNEL));
    Path cnn = Path.of("src/main/resources/models/digits-cnn/inductor/kernels-avx2.so");
    String relu = "cpp_fused__native_batch_norm_legit_no_training_convolution_mul_relu_0";
    assertFalse(NativeKernels.load(cnn, Map.of(relu, PARAMS)).exclusive(relu),
        "a kernel exported before the marker, or without division, shares the cores");
    PreparedKernel call = kernels.prepare(KERNEL, ARGS, List.of("y"));
    Tensor a = Tensor.fromLongs(new long[] {7, -8, 9, 10}, 1, 4);
    Tensor b = Tensor.fromLongs(new long[] {2, 3, -4, 5}, 1, 4);
    Tensor y = Tensor.allocate(DType.INT64, 1, 4);
    CountDownLatch otherInside = new CountDownLatch(1);
    CountDownLatch letOtherGo = new CountDownLatch(1);
    CompletableFuture<Void> other = CompletableFuture.runAsync(() -> NativeCompute.run(1, () -> {
      otherInside.countDown();
      try {
        return letOtherGo.await(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        throw new AssertionError(e);
      }
    }));
    assertTrue(otherInside.await(10, TimeUnit.SECONDS));
    CompletableFuture<Void> divide = CompletableFuture.runAsync(
        () -> call.run(Map.of("a", a, "b", b, "y", y)::get));
    for (int i = 0; i < 1000 && !NativeCompute.hasWaiting(); i++) {
      Thread.sleep(5);
    }
    assertTrue(NativeCompute.hasWaiting(), "the dividing kernel waits for the other call");
    assertFalse(divide.isDone());
    letOtherGo.countDown();
    other.get(10, TimeUnit.SECONDS);
    divide.get(10, TimeUnit.SECONDS);
    assertArrayEquals(new long[] {7, -5, -5, 5}, y.toLongArray());
  }
}
