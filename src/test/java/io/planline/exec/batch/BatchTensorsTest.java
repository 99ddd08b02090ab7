package io.planline.exec.batch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.planline.backend.HostTensor;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Concatenation along the batch dimension and the split back, checked value by value. */
final class BatchTensorsTest {

  private static HostTensor range(long[] shape, float start) {
    float[] v = new float[(int) HostTensor.elements(shape)];
    for (int i = 0; i < v.length; i++) {
      v[i] = start + i;
    }
    return HostTensor.ofFloats("x", shape, v);
  }

  @Test
  void concatThenSplit_alongDimensionZero_givesEachRequestItsRows() {
    HostTensor a = range(new long[] {1, 3}, 0);
    HostTensor b = range(new long[] {2, 3}, 100);
    HostTensor batch = BatchTensors.concat(List.of(List.of(a), List.of(b)), 0).get(0);
    assertArrayEquals(new long[] {3, 3}, batch.shape());
    assertArrayEquals(new float[] {0, 1, 2, 100, 101, 102, 103, 104, 105}, batch.floats());
    var parts = BatchTensors.split(List.of(batch), new long[] {1, 2}, 0);
    assertArrayEquals(a.floats(), parts.get(0).get(0).floats());
    assertArrayEquals(b.floats(), parts.get(1).get(0).floats());
    assertArrayEquals(new long[] {2, 3}, parts.get(1).get(0).shape());
  }

  @Test
  void concatThenSplit_alongDimensionOne_interleavesPerOuterIndex() {
    HostTensor a = range(new long[] {2, 1, 2}, 0); // [[0,1]], [[2,3]]
    HostTensor b = range(new long[] {2, 2, 2}, 10); // [[10,11],[12,13]], [[14,15],[16,17]]
    HostTensor batch = BatchTensors.concat(List.of(List.of(a), List.of(b)), 1).get(0);
    assertArrayEquals(new long[] {2, 3, 2}, batch.shape());
    assertArrayEquals(new float[] {0, 1, 10, 11, 12, 13, 2, 3, 14, 15, 16, 17}, batch.floats());
    var parts = BatchTensors.split(List.of(batch), new long[] {1, 2}, 1);
    assertArrayEquals(a.floats(), parts.get(0).get(0).floats());
    assertArrayEquals(b.floats(), parts.get(1).get(0).floats());
  }

  @Test
  void split_outputWithoutTheBatchRows_failsSayingBatchDimDoesNotHold() {
    var e = assertThrows(IllegalStateException.class, () -> BatchTensors.split(
        List.of(range(new long[] {1, 10}, 0)), new long[] {1, 1}, 0));
    assertTrue(e.getMessage().contains("batch_dim does not hold"), e.getMessage());
  }

  @Test
  void laneKey_differsOnlyOutsideTheBatchDimension() {
    String k1 = BatchTensors.laneKey(List.of(range(new long[] {1, 16}, 0)), 0);
    String k3 = BatchTensors.laneKey(List.of(range(new long[] {3, 16}, 0)), 0);
    String other = BatchTensors.laneKey(List.of(range(new long[] {1, 9}, 0)), 0);
    assertEquals(k1, k3);
    assertTrue(!k1.equals(other));
  }
}
