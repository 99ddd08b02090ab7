package io.planline.kernel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.planline.ir.DType;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

final class TensorTest {

  /**
   * The native address native calls get: each view's element [0, ...] read through it, whether
   * the view was taken before or after its source's address was first asked for.
   */
  /** Buffers start on a cache line, hold exactly what was asked, zeroed, at every size. */
  @Test
  void allocateDirect_startsOnACacheLine_withTheBytesAsked() {
    for (int bytes : new int[] {1, 24, 63, 64, 100, 4096, 1 << 20}) {
      ByteBuffer b = Tensor.allocateDirect(bytes);
      assertEquals(0, Tensor.addressOf(b) % Tensor.CACHE_LINE, bytes + " bytes");
      assertEquals(bytes, b.capacity());
      for (int k = 0; k < bytes; k += 7) {
        assertEquals(0, b.get(k));
      }
    }
    Tensor t = Tensor.allocate(DType.FLOAT32, 3, 5);
    assertEquals(0, t.address() % Tensor.CACHE_LINE);
    assertEquals(60, t.data().capacity());
  }

  @Test
  void addressPointsAtTheFirstElementOfEveryView() {
    Tensor t = Tensor.fromFloats(new float[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}, 3, 4);
    Tensor before = t.narrow(0, 1, 2).narrow(1, 2, 2); // [[6, 7], [10, 11]]
    long a = t.address();
    assertEquals(0f, new com.sun.jna.Pointer(a).getFloat(0));
    assertEquals(6f, new com.sun.jna.Pointer(before.address()).getFloat(0));
    Tensor after = t.asStrided(new long[] {2}, new long[] {1}, 9); // [9, 10]
    assertEquals(a + 36, after.address());
    assertEquals(9f, new com.sun.jna.Pointer(after.address()).getFloat(0));
    Tensor offset = Tensor.of(t.data(), 20, DType.FLOAT32, new long[] {2}, new long[] {1});
    assertEquals(a + 20, offset.address());
  }

  /** A view made with its buffer's address known reads through it, as do views of that view. */
  @Test
  void aKnownAddressIsUsedWithoutALookUp_andAWrongOneIsCaught() {
    ByteBuffer b = ByteBuffer.allocateDirect(32).order(ByteOrder.LITTLE_ENDIAN);
    b.putFloat(8, 2.5f).putFloat(12, 3.5f);
    long base = Tensor.addressOf(b);
    Tensor t = Tensor.of(b, base, 8, DType.FLOAT32, new long[] {2}, new long[] {1});
    assertEquals(base + 8, t.address());
    assertEquals(3.5f, new com.sun.jna.Pointer(t.narrow(0, 1, 1).address()).getFloat(0));
    assertEquals(Tensor.of(b, 8, DType.FLOAT32, new long[] {2}, new long[] {1}).address(),
        t.address(), "the same address as a look-up finds");
    // the tests run with assertions on (Maven's default), as a check against a stale address
    assertThrows(AssertionError.class,
        () -> Tensor.of(b, base + 64, 0, DType.FLOAT32, new long[] {2}, new long[] {1}));
  }

  @Test
  void addressOfAHeapTensorIsRefused() {
    Tensor heap = Tensor.heap(DType.FLOAT32, 4);
    IllegalStateException e = assertThrows(IllegalStateException.class, heap::address);
    assertTrue(e.getMessage().contains("not in direct memory"), e.getMessage());
  }

  @Test
  void of_bigEndianBufferWithPosition_readsLittleEndianFromIndexZero() {
    ByteBuffer b = ByteBuffer.allocateDirect(16).order(ByteOrder.LITTLE_ENDIAN);
    b.putFloat(0, 1.5f).putFloat(4, -2f).putFloat(8, 3f).putFloat(12, 4f);
    b.order(ByteOrder.BIG_ENDIAN).position(12);
    Tensor t = Tensor.of(b, 4, DType.FLOAT32, new long[] {3}, new long[] {1});
    assertArrayEquals(new double[] {-2, 3, 4}, t.toDoubleArray());
  }

  @Test
  void of_viewPastEndOfBuffer_throwsNamingTheBytes() {
    ByteBuffer b = ByteBuffer.allocateDirect(16);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Tensor.of(b, 8, DType.FLOAT32, new long[] {2, 2}, new long[] {2, 1}));
    assertTrue(e.getMessage().contains("24"), e.getMessage());
  }

  @Test
  void of_negativeStrideOrRankMismatch_throws() {
    ByteBuffer b = ByteBuffer.allocateDirect(64);
    assertThrows(IllegalArgumentException.class,
        () -> Tensor.of(b, 0, DType.FLOAT32, new long[] {2}, new long[] {-1}));
    assertThrows(IllegalArgumentException.class,
        () -> Tensor.of(b, 0, DType.FLOAT32, new long[] {2, 2}, new long[] {1}));
    assertThrows(IllegalArgumentException.class,
        () -> Tensor.of(b, -4, DType.FLOAT32, new long[] {2}, new long[] {1}));
  }

  @Test
  void of_emptyShapeAnywhereInBuffer_isAllowed() {
    ByteBuffer b = ByteBuffer.allocateDirect(4);
    Tensor t = Tensor.of(b, 4, DType.FLOAT32, new long[] {0, 5}, new long[] {5, 1});
    assertEquals(0, t.numel());
  }

  @Test
  void permuteNarrowSelect_viewsShareStorageWithExpectedValues() {
    Tensor t = Tensor.fromFloats(new float[] {0, 1, 2, 3, 4, 5}, 2, 3);
    Tensor tt = t.transpose(0, 1);
    assertArrayEquals(new long[] {3, 2}, tt.shape());
    assertArrayEquals(new long[] {1, 3}, tt.stride());
    assertFalse(tt.isContiguous());
    assertArrayEquals(new double[] {0, 3, 1, 4, 2, 5}, tt.toDoubleArray());
    assertArrayEquals(new double[] {1, 2, 4, 5}, t.narrow(1, 1, 2).toDoubleArray());
    assertArrayEquals(new double[] {3, 4, 5}, t.select(0, 1).toDoubleArray());
    t.narrow(1, 2, 1).set(9, 1, 0);
    assertEquals(9, t.get(1, 2));
  }

  @Test
  void expand_sizeOneAndLeadingDims_getStrideZero() {
    Tensor t = Tensor.fromFloats(new float[] {1, 2, 3}, 3, 1);
    Tensor e = t.expand(2, 3, 4);
    assertArrayEquals(new long[] {0, 1, 0}, e.stride());
    assertEquals(2, e.get(1, 1, 3));
    assertThrows(IllegalArgumentException.class, () -> t.expand(2, 4));
  }

  @Test
  void unsqueezeAndView_keepValues() {
    Tensor t = Tensor.fromFloats(new float[] {1, 2, 3, 4, 5, 6}, 2, 3);
    assertArrayEquals(new long[] {2, 1, 3}, t.unsqueeze(1).shape());
    assertArrayEquals(new long[] {2, 3, 1}, t.unsqueeze(-1).shape());
    assertArrayEquals(t.toDoubleArray(), t.view(3, 2).toDoubleArray());
    assertThrows(IllegalArgumentException.class, () -> t.transpose(0, 1).view(6));
    assertThrows(IllegalArgumentException.class, () -> t.view(4));
  }

  @Test
  void permute_repeatedOrWrongRank_throws() {
    Tensor t = Tensor.allocate(DType.FLOAT32, 2, 3);
    assertThrows(IllegalArgumentException.class, () -> t.permute(0, 0));
    assertThrows(IllegalArgumentException.class, () -> t.permute(0));
    assertThrows(IllegalArgumentException.class, () -> t.size(2));
  }

  @Test
  void getAndSet_int64AndBool_roundTripExactly() {
    Tensor l = Tensor.fromLongs(new long[] {1L << 40, -3}, 2);
    assertEquals(1L << 40, l.getLong(0));
    l.set(7, 1);
    assertArrayEquals(new long[] {1L << 40, 7}, l.toLongArray());
    Tensor b = Tensor.allocate(DType.BOOL, 2);
    b.set(5, 1);
    assertArrayEquals(new double[] {0, 1}, b.toDoubleArray());
  }

  @Test
  void get_indexOutOfRange_throws() {
    Tensor t = Tensor.allocate(DType.FLOAT32, 2, 2);
    assertThrows(IndexOutOfBoundsException.class, () -> t.get(2, 0));
    assertThrows(IllegalArgumentException.class, () -> t.get(0));
  }

  @Test
  void fill_slicedView_writesOnlyTheView() {
    Tensor t = Tensor.allocate(DType.FLOAT32, 3, 4);
    t.narrow(0, 1, 1).narrow(1, 1, 2).fill(5);
    assertArrayEquals(new double[] {0, 0, 0, 0, 0, 5, 5, 0, 0, 0, 0, 0}, t.toDoubleArray());
  }

  @Test
  void layouts_holdTheSameLogicalValues() {
    for (Tensors.Layout l : Tensors.Layout.values()) {
      Tensor t = Tensors.random(3, l, 2, 3, 4);
      assertArrayEquals(Tensors.random(3, Tensors.Layout.CONTIGUOUS, 2, 3, 4).toDoubleArray(),
          t.toDoubleArray(), l.toString());
      assertEquals(l == Tensors.Layout.CONTIGUOUS, t.isContiguous(), l.toString());
    }
  }

  @Test
  void flushSubnormals_onlyTouchesContiguousFloat32() {
    Tensor f = Tensor.fromFloats(new float[] {1e-39f, 2f, -1e-45f, 0f}, 4);
    assertEquals(2, f.flushSubnormals());
    assertArrayEquals(new double[] {0, 2, -0.0, 0}, f.toDoubleArray());
    assertEquals(0, f.flushSubnormals());
    Tensor ints = Tensor.heap(io.planline.ir.DType.INT64, 3);
    assertEquals(0, ints.flushSubnormals());
    Tensor strided = Tensor.fromFloats(new float[6], 2, 3).transpose(0, 1);
    assertThrows(IllegalStateException.class, strided::flushSubnormals);
  }
}
