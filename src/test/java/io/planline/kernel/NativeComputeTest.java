package io.planline.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * One-thread native calls run side by side; a call on several threads runs alone, and a waiting
 * one holds back one-thread calls that come after it.
 */
final class NativeComputeTest {

  /** Both calls must be inside at once to pass the barrier; one at a time, it times out. */
  @Test
  void oneThreadCalls_runSideBySide() throws Exception {
    CyclicBarrier bothInside = new CyclicBarrier(2);
    Runnable call = () -> NativeCompute.run(1, () -> {
      try {
        return bothInside.await(10, TimeUnit.SECONDS);
      } catch (Exception e) {
        throw new AssertionError("the other one-thread call never ran beside this one", e);
      }
    });
    CompletableFuture<Void> other = CompletableFuture.runAsync(call);
    call.run();
    other.get(10, TimeUnit.SECONDS);
    assertTrue(NativeCompute.idle());
  }

  @Test
  void wideCall_waitsForOneThreadCalls_andHoldsBackLaterOnes() throws Exception {
    CountDownLatch narrowInside = new CountDownLatch(1);
    CountDownLatch letNarrowGo = new CountDownLatch(1);
    CompletableFuture<Void> narrow = CompletableFuture.runAsync(() -> NativeCompute.run(1, () -> {
      narrowInside.countDown();
      await(letNarrowGo);
      return null;
    }));
    assertTrue(narrowInside.await(10, TimeUnit.SECONDS));
    AtomicBoolean wideRan = new AtomicBoolean();
    AtomicBoolean narrowWhileWide = new AtomicBoolean();
    AtomicBoolean wideInside = new AtomicBoolean();
    CompletableFuture<Void> wide = CompletableFuture.runAsync(() -> NativeCompute.run(2, () -> {
      wideInside.set(true);
      sleep(50); // a later one-thread call must not start meanwhile
      wideInside.set(false);
      wideRan.set(true);
      return null;
    }));
    awaitQueued();
    assertFalse(NativeCompute.idle());
    CompletableFuture<Void> later = CompletableFuture.runAsync(() -> NativeCompute.run(1, () -> {
      narrowWhileWide.set(wideInside.get());
      return null;
    }));
    sleep(100);
    assertFalse(wideRan.get(), "the wide call ran while a one-thread call was inside");
    letNarrowGo.countDown();
    narrow.get(10, TimeUnit.SECONDS);
    wide.get(10, TimeUnit.SECONDS);
    later.get(10, TimeUnit.SECONDS);
    assertTrue(wideRan.get());
    assertFalse(narrowWhileWide.get(), "a one-thread call ran inside the wide call");
    assertTrue(NativeCompute.idle());
  }

  @Test
  void widestSinceLast_reportsTheWidestCallOnThisThread_thenStartsAgain() {
    NativeCompute.widestSinceLast();
    NativeCompute.run(1, () -> null);
    NativeCompute.run(3, () -> null);
    NativeCompute.run(1, () -> null);
    assertEquals(3, NativeCompute.widestSinceLast());
    assertEquals(0, NativeCompute.widestSinceLast());
  }

  /** Until the wide call waits for its turn. */
  private static void awaitQueued() {
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!NativeCompute.hasWaiting()) {
      if (System.nanoTime() > until) {
        throw new AssertionError("the wide call never waited");
      }
      Thread.onSpinWait();
    }
  }

  private static void await(CountDownLatch latch) {
    try {
      latch.await(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Test
  void oneThreadEach_holdsThisThreadsCallsToOne_andRestoresWhatWasBefore() throws Exception {
    assertFalse(NativeCompute.oneThreadOnly());
    boolean inner = NativeCompute.oneThreadEach(
        () -> NativeCompute.oneThreadOnly() && NativeCompute.oneThreadEach(
            NativeCompute::oneThreadOnly) && NativeCompute.oneThreadOnly());
    assertTrue(inner, "inside, nested or not");
    assertFalse(NativeCompute.oneThreadOnly(), "after");
    boolean elsewhere = NativeCompute.oneThreadEach(() -> CompletableFuture.supplyAsync(
        NativeCompute::oneThreadOnly).get(10, TimeUnit.SECONDS));
    assertFalse(elsewhere, "another thread's calls are not held");
    try {
      NativeCompute.oneThreadEach(() -> {
        throw new IllegalStateException("a failing call");
      });
    } catch (IllegalStateException expected) {
      // the flag must still be cleared
    }
    assertFalse(NativeCompute.oneThreadOnly(), "after a failure");
  }
}
