package io.planline.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.planline.backend.DeviceBuffer;
import io.planline.backend.DeviceTensor;
import io.planline.backend.HostLeases;
import io.planline.backend.HostTensor;
import io.planline.ir.DType;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

/**
 * Results the CPU backend lends when asked to (the server asks): large ones go out in a kept
 * direct buffer that comes back for the next request once released; small ones, strided ones'
 * values and everything without lending are plain copies.
 */
final class LentResultsTest {

  private static float[] ramp(int n) {
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = i * 0.25f;
    }
    return v;
  }

  @Test
  void largeResult_isLentUntilReleased_thenItsBufferServesTheNext() {
    int n = (int) (HostLeases.WORTH_LENDING / 4);
    try (CpuBackend cpu = new CpuBackend(1)) {
      cpu.lendResults(true);
      DeviceBuffer b = cpu.allocate(n * 4L);
      cpu.upload(b, HostTensor.ofFloats("x", new long[] {n}, ramp(n)).data());
      DeviceTensor t = cpu.view(b, 0, DType.FLOAT32, new long[] {n}, new long[] {1});
      HostTensor first = cpu.download(t, "y");
      assertTrue(HostLeases.isLent(first));
      assertEquals(n * 4L, cpu.lentBytes());
      assertArrayEquals(ramp(n), first.floats());
      ByteBuffer lentMemory = first.data();
      first.release();
      assertEquals(0, cpu.lentBytes());
      HostTensor second = cpu.download(t, "y");
      assertArrayEquals(ramp(n), second.floats());
      assertTrue(second.data().isDirect() && lentMemory.isDirect());
      second.release();
      cpu.free(b);
    }
  }

  @Test
  void smallStridedOrUnlent_areCopies() {
    try (CpuBackend cpu = new CpuBackend(1)) {
      DeviceBuffer b = cpu.allocate(6 * 4L);
      cpu.upload(b, HostTensor.ofFloats("x", new long[] {6}, ramp(6)).data());
      // [2,3] read transposed: [3,2] with strides (1,3)
      DeviceTensor tr = cpu.view(b, 0, DType.FLOAT32, new long[] {3, 2}, new long[] {1, 3});
      HostTensor t = cpu.download(tr, "y");
      assertArrayEquals(new float[] {0, 0.75f, 0.25f, 1, 0.5f, 1.25f}, t.floats());
      assertFalse(HostLeases.isLent(t));
      cpu.lendResults(true);
      HostTensor small = cpu.download(tr, "y");
      assertFalse(HostLeases.isLent(small), "under a MiB: copied");
      assertEquals(0, cpu.lentBytes());
      ByteBuffer data = small.data().duplicate().order(ByteOrder.LITTLE_ENDIAN);
      assertEquals(0.75f, data.getFloat(4));
      cpu.free(b);
    }
  }
}
