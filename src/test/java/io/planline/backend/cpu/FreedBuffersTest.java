package io.planline.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.planline.backend.DeviceBuffer;
import io.planline.ir.DType;
import io.planline.kernel.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

/** The CPU backend's cache of freed buffers: exact sizes, bounded, accounting unchanged. */
final class FreedBuffersTest {

  @Test
  void take_exactSizeOnly_andAtMostTheLimit() {
    FreedBuffers cache = new FreedBuffers(100);
    FreedBuffers.Block a = FreedBuffers.Block.allocate(64);
    a.data().position(10);
    cache.give(a);
    cache.give(FreedBuffers.Block.allocate(64)); // 128 > 100: left to the collector
    assertEquals(64, cache.bytes());
    assertNull(cache.take(32), "no buffer of another size");
    FreedBuffers.Block back = cache.take(64);
    assertSame(a, back);
    assertEquals(0, back.data().position(), "handed out cleared");
    assertEquals(Tensor.addressOf(back.data()), back.address(), "with its own address");
    assertNull(cache.take(64));
    assertEquals(0, cache.bytes());
  }

  @Test
  void backend_reusesAFreedBufferAndKeepsItsAccounting() {
    try (CpuBackend cpu = new CpuBackend(1)) {
      DeviceBuffer first = cpu.allocate(16);
      ByteBuffer value = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
      value.asFloatBuffer().put(new float[] {1, 2, 3, 4});
      cpu.upload(first, value);
      cpu.free(first);
      assertEquals(0, cpu.bytesInUse(), "a kept buffer is not in use");
      DeviceBuffer second = cpu.allocate(16);
      assertEquals(16, cpu.bytesInUse());
      // a fresh direct buffer reads zeros: these values show it is the same memory again
      var t = cpu.view(second, 0, DType.FLOAT32, new long[] {4}, new long[] {1});
      assertArrayEquals(new float[] {1, 2, 3, 4}, cpu.download(t, "t").floats());
    }
  }
}
