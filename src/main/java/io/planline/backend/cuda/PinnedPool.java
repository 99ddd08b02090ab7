package io.planline.backend.cuda;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import jcuda.Pointer;
import jcuda.driver.JCudaDriver;

/**
 * Page-locked host blocks for copies, by power-of-two size class (4 KiB and up), reused: pinning
 * memory costs far more than a copy, and only pinned memory copies asynchronously. A block goes
 * back only after the copy that read it has completed on the device.
 */
final class PinnedPool {

  /** A pinned block and a byte view of it. */
  record Block(Pointer pointer, ByteBuffer bytes, long capacity) {}

  private static final long MIN = 4096;

  private final Map<Long, ArrayDeque<Block>> free = new HashMap<>();
  private final List<Block> all = new ArrayList<>();

  /** A block of at least {@code bytes}; the context must be current. */
  synchronized Block take(long bytes) {
    long size = Math.max(MIN, Long.highestOneBit(Math.max(1, bytes - 1)) << 1);
    ArrayDeque<Block> q = free.get(size);
    if (q != null && !q.isEmpty()) {
      return q.pop();
    }
    if (size > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("a host copy holds at most 2 GiB, asked " + bytes);
    }
    Pointer p = new Pointer();
    CudaException.check("cuMemAllocHost(" + size + " bytes)", JCudaDriver.cuMemAllocHost(p, size));
    Block b = new Block(p, p.getByteBuffer(0, size).order(ByteOrder.LITTLE_ENDIAN), size);
    all.add(b);
    return b;
  }

  /** Returns {@code block} for reuse. Requires: no copy reads or writes it any more. */
  synchronized void give(Block block) {
    free.computeIfAbsent(block.capacity(), k -> new ArrayDeque<>()).push(block);
  }

  /** Unpins everything (at close). */
  synchronized void close() {
    for (Block b : all) {
      CudaException.warnIfFailed("cuMemFreeHost", JCudaDriver.cuMemFreeHost(b.pointer()));
    }
    all.clear();
    free.clear();
  }
}
