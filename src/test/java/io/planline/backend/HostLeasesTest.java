package io.planline.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.planline.ir.DType;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Lent results (what the CUDA backend hands out in pinned memory): given back exactly once, on
 * release or when nothing can read them any more, and never while a view of their data lives.
 */
class HostLeasesTest {

  private static HostTensor lent(AtomicInteger givenBack, int floats) {
    ByteBuffer root = ByteBuffer.allocateDirect(floats * 4).order(ByteOrder.LITTLE_ENDIAN);
    for (int i = 0; i < floats; i++) {
      root.putFloat(i * 4, i);
    }
    return HostLeases.lend(new HostTensor("y", DType.FLOAT32, new long[] {floats}, root), root,
        givenBack::incrementAndGet);
  }

  @Test
  void release_givesBackOnce_andOrdinaryTensorsAreUntouched() {
    AtomicInteger given = new AtomicInteger();
    HostTensor t = lent(given, 8);
    assertTrue(HostLeases.isLent(t));
    assertEquals(7f, t.floats()[7]);
    t.release();
    t.release();
    assertEquals(1, given.get());
    assertFalse(HostLeases.isLent(t));
    HostTensor plain = HostTensor.ofFloats("x", new long[] {2}, new float[] {1, 2});
    plain.release(); // nothing lent: nothing happens
    assertEquals(2f, plain.floats()[1]);
  }

  @Test
  void divide_givesBackAfterTheLastPart() {
    AtomicInteger given = new AtomicInteger();
    HostTensor whole = lent(given, 6);
    List<HostTensor> parts = List.of(
        new HostTensor("y", DType.FLOAT32, new long[] {2}, whole.data().slice(0, 8)),
        new HostTensor("y", DType.FLOAT32, new long[] {4}, whole.data().slice(8, 16)));
    HostLeases.divide(whole, parts);
    assertFalse(HostLeases.isLent(whole));
    whole.release(); // its lease now belongs to the parts
    parts.get(1).release();
    parts.get(1).release(); // twice: still one part's share
    assertEquals(0, given.get());
    parts.get(0).release();
    assertEquals(1, given.get());
  }

  @Test
  void unreleased_goesBackWhenCollected_butNotWhileAViewLives() throws InterruptedException {
    AtomicInteger given = new AtomicInteger();
    HostTensor t = lent(given, 1024);
    FloatBuffer view = t.data().asFloatBuffer();
    t = null; // the tensor is gone, a view of its data is not (a response still being written)
    for (int i = 0; i < 5; i++) {
      System.gc();
      Thread.sleep(20);
    }
    assertEquals(0, given.get(), "given back while a view of the data was reachable");
    assertEquals(1023f, view.get(1023));
    view = null;
    for (int i = 0; i < 500 && given.get() == 0; i++) {
      System.gc();
      Thread.sleep(20);
    }
    assertEquals(1, given.get(), "an unreleased, unreachable result was never given back");
  }
}
