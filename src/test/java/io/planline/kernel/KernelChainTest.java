package io.planline.kernel;

import static io.planline.kernel.Tensors.Layout.CONTIGUOUS;
import static io.planline.kernel.Tensors.assertReduction;
import static io.planline.kernel.Tensors.random;

import io.planline.ir.DType;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A small MLP as an executor would run it: every call prepared up front, then run in order over
 * buffers placed at offsets in one arena, with the transposed weights as views.
 */
final class KernelChainTest {

  @Test
  void mlp_preparedThenRunOverArena_matchesReference() {
    KernelLibrary lib = KernelLibrary.cpu();
    List<PreparedKernel> calls = new ArrayList<>();
    calls.add(lib.prepare("aten.addmm.default", List.of("b1", "x", "w1_t", "1", "1"),
        List.of("buf0")));
    calls.add(lib.prepare("aten.relu.default", List.of("buf0"), List.of("buf1")));
    calls.add(lib.prepare("aten.addmm.default", List.of("b2", "buf1", "w2_t", "1", "1"),
        List.of("buf2")));
    calls.add(lib.prepare("aten._softmax.default", List.of("buf2", "-1", "False"),
        List.of("buf3")));

    Tensor x = random(1, CONTIGUOUS, 3, 8);
    Tensor w1 = random(2, CONTIGUOUS, 16, 8);
    Tensor b1 = random(3, CONTIGUOUS, 16);
    Tensor w2 = random(4, CONTIGUOUS, 4, 16);
    Tensor b2 = random(5, CONTIGUOUS, 4);
    // one arena, storages at 64-byte-aligned offsets as a planner would place them
    ByteBuffer arena = ByteBuffer.allocateDirect(1024);
    Map<String, Tensor> env = new HashMap<>(Map.of("x", x, "b1", b1, "b2", b2,
        "w1_t", w1.transpose(0, 1), "w2_t", w2.transpose(0, 1)));
    env.put("buf0", at(arena, 0, 3, 16));
    env.put("buf1", at(arena, 192, 3, 16));
    env.put("buf2", at(arena, 0, 3, 4)); // reuses buf0's bytes: buf0 is dead after relu
    env.put("buf3", at(arena, 448, 3, 4));
    for (PreparedKernel k : calls) {
      k.run(env::get);
    }

    double[] expected = new double[12];
    for (int i = 0; i < 3; i++) {
      double[] h = new double[16];
      for (int j = 0; j < 16; j++) {
        double s = b1.get(j);
        for (int k = 0; k < 8; k++) {
          s += x.get(i, k) * w1.get(j, k);
        }
        h[j] = Math.max(0, s);
      }
      double[] logits = new double[4];
      double sum = 0;
      for (int j = 0; j < 4; j++) {
        logits[j] = b2.get(j);
        for (int k = 0; k < 16; k++) {
          logits[j] += h[k] * w2.get(j, k);
        }
      }
      double max = Math.max(Math.max(logits[0], logits[1]), Math.max(logits[2], logits[3]));
      for (int j = 0; j < 4; j++) {
        sum += Math.exp(logits[j] - max);
      }
      for (int j = 0; j < 4; j++) {
        expected[i * 4 + j] = Math.exp(logits[j] - max) / sum;
      }
    }
    assertReduction(expected, env.get("buf3"), "mlp softmax");
  }

  private static Tensor at(ByteBuffer arena, int byteOffset, long... shape) {
    Tensor t = Tensor.of(arena, byteOffset, DType.FLOAT32, shape,
        Tensor.contiguousStrides(shape));
    t.fill(Double.NaN);
    return t;
  }
}
