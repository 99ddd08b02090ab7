package io.planline.kernel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.sun.jna.NativeLibrary;
import com.sun.jna.Pointer;
import io.planline.ir.DType;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * planline's call helper against the C library and against JNA's own calls of a real Inductor
 * kernel with 16 parameters (ten of them on the stack).
 */
final class DirectCallsTest {

  private static final boolean X86_64_LINUX = System.getProperty("os.name").equals("Linux")
      && System.getProperty("os.arch").equals("amd64");

  @Test
  void loadsOnX86_64Linux() {
    assumeTrue(X86_64_LINUX);
    assertTrue(DirectCalls.available(), "the helper ships for linux-x86-64");
  }

  /** memset(void*, int, size_t): a pointer, an int read from a word's low half, a size. */
  @Test
  void callsACLibraryFunction() {
    assumeTrue(DirectCalls.available());
    long memset = Pointer.nativeValue(NativeLibrary.getInstance("c").getFunction("memset"));
    ByteBuffer b = ByteBuffer.allocateDirect(16);
    DirectCalls.call(memset, new long[] {Tensor.addressOf(b) + 4, 0x1_0000_00A7L, 8});
    byte[] seen = new byte[16];
    b.get(0, seen);
    byte[] expected = new byte[16];
    for (int i = 4; i < 12; i++) {
      expected[i] = (byte) 0xA7;
    }
    assertArrayEquals(expected, seen);
  }

  @Test
  void refusesMoreWordsThanItPasses_callingNothing() {
    assumeTrue(DirectCalls.available());
    long[] words = new long[DirectCalls.MAX_ARGS + 1];
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> DirectCalls.call(0L, words)); // address 0: a call would crash the process
    assertTrue(e.getMessage().contains("25 arguments"), e.getMessage());
  }

  /**
   * digits-cnn's first-layer kernel (a pointer for its output, 14 for its inputs, its batch size)
   * answers bit for bit the same through the helper as through JNA's function call.
   */
  @Test
  void aSixteenParameterKernel_answersAsThroughJna() {
    assumeTrue(DirectCalls.available());
    Path dir = Path.of("src/main/resources/models/digits-cnn/inductor");
    String name = "cpp_fused__native_batch_norm_legit_no_training_convolution_mul_relu_0";
    List<NativeKernels.Param> params = new ArrayList<>(
        Collections.nCopies(15, NativeKernels.Param.PTR));
    params.add(NativeKernels.Param.I64);
    NativeKernels kernels = NativeKernels.load(dir.resolve("kernels-avx2.so"),
        dir.resolve("kernels-avx2-serial.so"), Map.of(name, params), 1);
    List<String> args = new ArrayList<>(List.of("out", "x"));
    Map<String, Tensor> inputs = new HashMap<>();
    SplittableRandom r = new SplittableRandom(7);
    int batch = 3;
    inputs.put("x", filled(r, batch * 64L));
    for (int i = 1; i <= 13; i++) {
      args.add("w" + i);
      inputs.put("w" + i, filled(r, 16));
    }
    args.add(Integer.toString(batch));
    float[][] answers = new float[2][];
    for (int way = 0; way < 2; way++) {
      Tensor out = Tensor.allocate(DType.FLOAT32, batch * 1024L);
      Map<String, Tensor> bound = new HashMap<>(inputs);
      bound.put("out", out);
      kernels.prepare(name, args, List.of("out"), way == 1).run(bound::get);
      answers[way] = out.toFloatArray();
    }
    assertArrayEquals(answers[0], answers[1]);
    float positive = 0;
    for (float v : answers[1]) {
      positive = Math.max(positive, v);
    }
    assertTrue(positive > 0, "the kernel wrote its output");
    assertEquals(batch * 1024, answers[1].length);
  }

  private static Tensor filled(SplittableRandom r, long n) {
    float[] v = new float[(int) n];
    for (int i = 0; i < v.length; i++) {
      v[i] = (float) (r.nextDouble() * 4 - 1);
    }
    return Tensor.fromFloats(v, n);
  }
}
