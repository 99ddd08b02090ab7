package io.planline.backend.cpu;

import io.planline.kernel.Tensor;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;

/**
 * Freed direct buffers kept by exact capacity for the next allocation of that size. A new
 * direct buffer costs its zeroing and, for a large one, the page faults of fresh memory: keeping
 * them took tiny-gpt [8,64] from 9.6-10.2 to 8.8-9.4 ms a request (docs/benchmarks.md).
 * Requests of one shape ask for the same sizes again, so an exact-size cache hits; it holds
 * at most {@code limit} bytes, and a reused buffer is not cleared (a program writes every buffer before
 * it reads it, as Inductor's {@code empty_strided} buffers and the CUDA backend's cached blocks
 * already assume).
 */
final class FreedBuffers {

  /**
   * A direct buffer and its native address, found once when it was allocated: the views made
   * of it per request then need no native look-up ({@link Tensor#of(ByteBuffer, long, long,
   * io.planline.ir.DType, long[], long[])}).
   */
  record Block(ByteBuffer data, long address) {

    /** A fresh zero-filled block of {@code capacity} bytes. */
    static Block allocate(int capacity) {
      ByteBuffer data = Tensor.allocateDirect(capacity);
      return new Block(data, Tensor.addressOf(data));
    }
  }

  /**
   * What the CPU backend keeps at most: {@code planline.cpu.kept-buffer-bytes}, by default a
   * quarter of the heap's limit (the JVM's default limit on direct memory is the heap's) between
   * 256 MiB and 2 GiB. A fixed 256 MiB could not keep both GPT-2 [8,128]'s 209 MB arena and its
   * 206 MB of logits, so every request allocated, zeroed and faulted in one of them afresh and
   * the collector ran every few requests: {@code run --profile 4} took 1,665 ms per run, 866 with
   * room for both (2026-12-04).
   */
  static final long DEFAULT_BYTES = Long.getLong("planline.cpu.kept-buffer-bytes",
      Math.min(2L << 30, Math.max(256L << 20, Runtime.getRuntime().maxMemory() / 4)));

  private final Map<Integer, Queue<Block>> bySize = new ConcurrentHashMap<>();
  private final AtomicLong bytes = new AtomicLong();
  private final long limit;

  FreedBuffers(long limit) {
    this.limit = limit;
  }

  /** A kept block of exactly {@code capacity} bytes, or null. */
  @Nullable Block take(int capacity) {
    Queue<Block> q = bySize.get(capacity);
    Block b = q == null ? null : q.poll();
    if (b != null) {
      bytes.addAndGet(-capacity);
      b.data().clear();
    }
    return b;
  }

  /** A kept block of exactly {@code capacity} bytes, or a fresh one. */
  Block takeOrAllocate(int capacity) {
    Block kept = take(capacity);
    return kept != null ? kept : Block.allocate(capacity);
  }

  /** Keeps {@code block} if the cache has room; otherwise leaves it to the collector. */
  void give(Block block) {
    int capacity = block.data().capacity();
    if (bytes.addAndGet(capacity) > limit) {
      bytes.addAndGet(-capacity);
      return;
    }
    bySize.computeIfAbsent(capacity, k -> new ConcurrentLinkedQueue<>()).add(block);
  }

  /** Bytes kept now. */
  long bytes() {
    return bytes.get();
  }
}
