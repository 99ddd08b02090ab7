package io.planline.kernel;

import io.planline.ir.DType;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.FloatPointer;

/**
 * Nanoseconds per call of what a native call costs besides its work: one of digits-cnn's
 * Inductor kernels at batch 1 (the serial build, so no OpenMP region) called through JNA's
 * functions and through planline's call helper ({@link DirectCalls}), with 3 and 16
 * parameters; a direct buffer's address looked up through JNA ({@link Tensor#addressOf}); and
 * JavaCPP pointers made over a buffer, against setting {@link AddressPointer}'s address. Medians
 * of the calls made in 0.3 s after 0.2 s of warm-up.
 *
 * <p>{@code java -cp target/test-classes:target/classes:CLASSPATH
 * io.planline.kernel.NativeCallBench}
 */
public final class NativeCallBench {

  private NativeCallBench() {}

  public static void main(String[] args) {
    Path dir = Path.of("src/main/resources/models/digits-cnn/inductor");
    String pool = "cpp_fused_max_pool2d_with_indices_view_1";
    String conv = "cpp_fused__native_batch_norm_legit_no_training_convolution_mul_relu_0";
    List<NativeKernels.Param> convParams = new ArrayList<>(
        Collections.nCopies(15, NativeKernels.Param.PTR));
    convParams.add(NativeKernels.Param.I64);
    NativeKernels kernels = NativeKernels.load(dir.resolve("kernels-avx2.so"),
        dir.resolve("kernels-avx2-serial.so"), Map.of(pool, List.of(NativeKernels.Param.PTR,
            NativeKernels.Param.PTR, NativeKernels.Param.I64), conv, convParams), 1);
    Map<String, Tensor> tensors = new HashMap<>();
    tensors.put("in", Tensor.allocate(DType.FLOAT32, 2048));
    tensors.put("out", Tensor.allocate(DType.FLOAT32, 1024));
    tensors.put("x", Tensor.allocate(DType.FLOAT32, 64));
    List<String> convArgs = new ArrayList<>(List.of("out", "x"));
    for (int i = 1; i <= 13; i++) {
      convArgs.add("w" + i);
      tensors.put("w" + i, Tensor.allocate(DType.FLOAT32, 16));
    }
    convArgs.add("1");
    System.out.printf(Locale.ROOT, "# helper loaded: %s%n", DirectCalls.available());
    System.out.printf(Locale.ROOT, "%-34s %10s %10s%n", "kernel call, batch 1", "jna ns",
        "helper ns");
    for (String[] call : new String[][] {{pool, "3 parameters"}, {conv, "16 parameters"}}) {
      List<String> a = call[0].equals(pool) ? List.of("in", "out", "1") : convArgs;
      PreparedKernel jna = kernels.prepare(call[0], a, List.of("out"), false);
      PreparedKernel helper = kernels.prepare(call[0], a, List.of("out"), true);
      System.out.printf(Locale.ROOT, "%-34s %10.0f %10.0f%n", call[1],
          CallTimes.medianNanos(() -> jna.run(tensors::get), 1),
          CallTimes.medianNanos(() -> helper.run(tensors::get), 1));
    }
    guardedAgainstPlain();
    ByteBuffer b = ByteBuffer.allocateDirect(4096);
    AddressPointer at = new AddressPointer();
    long address = Tensor.addressOf(b);
    // a view's buffer is a fresh duplicate, so each look-up is of a new buffer object
    System.out.printf(Locale.ROOT, "%-34s %10.0f%n", "Tensor.addressOf, fresh duplicate",
        CallTimes.medianNanos(() -> Tensor.addressOf(b.duplicate()), 1));
    System.out.printf(Locale.ROOT, "%-34s %10.0f%n", "Tensor.addressOf, same buffer",
        CallTimes.medianNanos(() -> Tensor.addressOf(b), 1));
    System.out.printf(Locale.ROOT, "%-34s %10.0f%n", "new BytePointer(duplicate)",
        CallTimes.medianNanos(() -> new BytePointer(b.duplicate().clear()).address(), 1));
    System.out.printf(Locale.ROOT, "%-34s %10.0f%n", "new FloatPointer(float view)",
        CallTimes.medianNanos(() -> new FloatPointer(b.asFloatBuffer()).address(), 1));
    System.out.printf(Locale.ROOT, "%-34s %10.0f%n", "AddressPointer.at",
        CallTimes.medianNanos(() -> at.at(address).address(), 1));
  }

  /**
   * What the exporter's guard adds to a call: the floor-divide test model's kernel (4
   * parameters, serial build) through the helper at its plain entry point and at its guarded
   * one, which the same library carries.
   */
  private static void guardedAgainstPlain() {
    if (!DirectCalls.available()) {
      return;
    }
    var lib = com.sun.jna.NativeLibrary.getInstance(Path.of(
        "src/test/resources/inductor-cpu/floor-divide/kernels-avx2-serial.so").toAbsolutePath()
        .toString());
    String name = "cpp_fused_add_floor_divide_mul_0";
    long plain = com.sun.jna.Pointer.nativeValue(lib.getFunction(name));
    long guarded = com.sun.jna.Pointer.nativeValue(lib.getFunction(name + KernelEntry.GUARDED));
    Tensor a = Tensor.fromLongs(new long[] {7, -8, 9, 10}, 1, 4);
    Tensor d = Tensor.fromLongs(new long[] {2, 3, -4, 5}, 1, 4);
    Tensor y = Tensor.allocate(DType.INT64, 1, 4);
    long[] words = {a.address(), d.address(), y.address(), 1};
    System.out.printf(Locale.ROOT, "%-34s %10.0f%n", "floor-divide kernel, plain entry",
        CallTimes.medianNanos(() -> DirectCalls.call(plain, words), 1));
    System.out.printf(Locale.ROOT, "%-34s %10.0f%n", "floor-divide kernel, guarded entry",
        CallTimes.medianNanos(() -> DirectCalls.callForValue(guarded, words), 1));
  }
}
