package io.planline.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import io.planline.backend.HostTensor;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

/** The benchmark's further inputs (an attention mask) at the measured batch. */
final class ModelBenchTest {

  private static long[] values(HostTensor t) {
    long[] v = new long[(int) t.elements()];
    t.data().duplicate().order(ByteOrder.LITTLE_ENDIAN).asLongBuffer().get(v);
    return v;
  }

  @Test
  void rows_repeatsTheSamplesRowsInTurn() {
    HostTensor mask = HostTensor.ofLongs("attention_mask", new long[] {2, 3},
        new long[] {1, 1, 1, 1, 0, 0});
    HostTensor five = ModelBench.rows(mask, 5);
    assertArrayEquals(new long[] {5, 3}, five.shape());
    assertArrayEquals(new long[] {1, 1, 1, 1, 0, 0, 1, 1, 1, 1, 0, 0, 1, 1, 1}, values(five));
    HostTensor one = ModelBench.rows(mask, 1);
    assertArrayEquals(new long[] {1, 3}, one.shape());
    assertArrayEquals(new long[] {1, 1, 1}, values(one));
  }
}
