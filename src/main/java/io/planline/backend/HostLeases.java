package io.planline.backend;

import com.github.benmanes.caffeine.cache.Cache;
import io.planline.kernel.Caches;
import java.lang.ref.Cleaner;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Results whose memory a backend lends instead of copying: a CUDA result downloaded into a
 * pinned block is handed out in that block, because copying 25 MB of GPT-2 logits from pinned
 * memory into a fresh Java array costs more than the model (docs/gpu.md). The block goes back
 * when the consumer calls {@link HostTensor#release()} once it has written the data out, or, as
 * a safety net, when the garbage collector finds no view of it left.
 *
 * <p>The safety net is keyed on the lent buffer's root, not on the tensor: a view derived from
 * {@link HostTensor#data()} keeps the root reachable, never the tensor, so a block cannot go
 * back while a response is still being written from a view of it.
 */
public final class HostLeases {

  private static final Cleaner CLEANER = Cleaner.create();

  /** Explicit release: the tensor's data buffer (by identity) to what gives its memory back. */
  private static final Cache<ByteBuffer, Runnable> LENT =
      Caches.onCallingThread().weakKeys().build();

  private HostLeases() {}

  /**
   * Results from this size up are worth lending: below it a copy costs microseconds. On the H200
   * host, GPT-2's 25.7 MB of logits took 0.5 ms into pinned memory and 5.3 ms into a Java array
   * (docs/gpu.md).
   */
  public static final long WORTH_LENDING = 1L << 20;

  /**
   * A tensor over {@code root} (a buffer of its own, not a view of one that outlives the lease)
   * whose memory is given back by {@code giveBack}, exactly once: on {@link #release} or when
   * {@code root} is unreachable. {@code giveBack} must not reach {@code root}.
   */
  public static HostTensor lend(HostTensor over, ByteBuffer root, Runnable giveBack) {
    return lend(over, root, giveBack, giveBack);
  }

  /**
   * As {@link #lend(HostTensor, ByteBuffer, Runnable)} with one action per ending: {@code
   * released} on {@link #release} (it may reach {@code root}, say to pool it again), {@code
   * collected} when {@code root} became unreachable unreleased (it must not reach it). Exactly
   * one of them runs.
   */
  public static HostTensor lend(HostTensor over, ByteBuffer root, Runnable released,
      Runnable collected) {
    AtomicBoolean ended = new AtomicBoolean();
    // the cleaner's action must not reach root, or root would never become unreachable
    Cleaner.Cleanable c = CLEANER.register(root, () -> {
      if (ended.compareAndSet(false, true)) {
        collected.run();
      }
    });
    LENT.put(over.data(), () -> {
      if (ended.compareAndSet(false, true)) {
        released.run();
      }
      c.clean(); // deregisters; its action finds the lease ended
    });
    return over;
  }

  /** Gives {@code t}'s memory back if a backend lent it; otherwise nothing. */
  static void release(HostTensor t) {
    Runnable giveBack = LENT.asMap().remove(t.data());
    if (giveBack != null) {
      giveBack.run();
    }
  }

  /**
   * Hands {@code whole}'s lease to {@code parts} (views of its data, such as a batch's outputs cut
   * back into its requests'): each part is released on its own, and the memory goes back once
   * every part has been. Nothing happens when {@code whole} is not lent.
   */
  public static void divide(HostTensor whole, List<HostTensor> parts) {
    Runnable giveBack = LENT.asMap().remove(whole.data());
    if (giveBack == null) {
      return;
    }
    if (parts.isEmpty()) {
      giveBack.run();
      return;
    }
    AtomicInteger left = new AtomicInteger(parts.size());
    for (HostTensor p : parts) {
      AtomicBoolean once = new AtomicBoolean();
      LENT.put(p.data(), () -> {
        if (once.compareAndSet(false, true) && left.decrementAndGet() == 0) {
          giveBack.run();
        }
      });
    }
  }

  /** Whether {@code t}'s memory is lent and not yet given back (for tests). */
  public static boolean isLent(HostTensor t) {
    return LENT.getIfPresent(t.data()) != null;
  }
}
