package io.planline.exec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

/** The bounded per-shape cache: one load per key, on the planning pool, within its bound. */
final class ShapeCacheTest {

  private final PlanningPool pool = new PlanningPool(1, 1);
  private final AtomicInteger loads = new AtomicInteger();
  private final AtomicInteger evicted = new AtomicInteger();

  @AfterEach
  void stop() {
    pool.shutdownNow();
  }

  private static Map<String, Long> shape(long s0) {
    return Map.of("s0", s0);
  }

  @Test
  void get_manyAtOnceForOneNewShape_loadedOnceOnThePlanningPool() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    ShapeCache<String> cache = new ShapeCache<>(4, pool, key -> {
      loads.incrementAndGet();
      await(release);
      return Thread.currentThread().getName();
    }, evicted::incrementAndGet);
    List<Mono<String>> waiting = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      waiting.add(cache.get(shape(7)).cache());
      waiting.get(i).subscribe();
    }
    release.countDown();
    StepVerifier.create(Flux.concat(waiting).distinct())
        .assertNext(thread -> assertTrue(thread.startsWith("planline-plan-"), thread))
        .expectComplete().verify(Duration.ofSeconds(10));
    assertEquals(1, loads.get());
  }

  @Test
  void get_moreShapesThanTheBound_keepsTheBoundAndCountsEvictions() {
    ShapeCache<Long> cache = new ShapeCache<>(2, pool, key -> {
      loads.incrementAndGet();
      return key.get("s0");
    }, evicted::incrementAndGet);
    for (long s = 1; s <= 5; s++) {
      StepVerifier.create(cache.get(shape(s))).expectNext(s).expectComplete()
          .verify(Duration.ofSeconds(10));
    }
    assertEquals(2, cache.size());
    assertEquals(3, evicted.get());
    assertEquals(5, loads.get());
  }

  @Test
  void get_loadFails_errorNotCachedAndRetried() {
    ShapeCache<String> cache = new ShapeCache<>(2, pool, key -> {
      if (loads.incrementAndGet() == 1) {
        throw new IllegalArgumentException("no kernel for aten.foo");
      }
      return "ok";
    }, evicted::incrementAndGet);
    StepVerifier.create(cache.get(shape(1))).expectErrorSatisfies(e -> {
      assertTrue(e instanceof IllegalArgumentException, e.toString());
      assertEquals("no kernel for aten.foo", e.getMessage());
    }).verify(Duration.ofSeconds(10));
    StepVerifier.create(cache.get(shape(1))).expectNext("ok").expectComplete()
        .verify(Duration.ofSeconds(10));
  }

  @Test
  void get_planningPoolFull_refusedAsOverloaded() {
    CountDownLatch release = new CountDownLatch(1);
    ShapeCache<String> cache = new ShapeCache<>(8, pool, key -> {
      await(release);
      return "done";
    }, evicted::incrementAndGet);
    cache.get(shape(1)).subscribe(); // runs on the only thread
    cache.get(shape(2)).subscribe(); // the only queue place
    StepVerifier.create(cache.get(shape(3)))
        .expectErrorSatisfies(e -> assertEquals("queue_full",
            ((InferenceException.Overloaded) e).reason()))
        .verify(Duration.ofSeconds(10));
    release.countDown();
    // Once the queued load is done the queue is empty again.
    StepVerifier.create(cache.get(shape(2))).expectNext("done").expectComplete()
        .verify(Duration.ofSeconds(10));
    StepVerifier.create(cache.get(shape(3))).expectNext("done").expectComplete()
        .verify(Duration.ofSeconds(10));
  }

  /**
   * {@code ready} never waits: null while the value is not made (having started one load), the
   * value once it is; a failed load is dropped, so a later call loads again.
   */
  @Test
  void ready_nullUntilMade_startsOneLoad_failureLoadsAgain() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    AtomicInteger fail = new AtomicInteger(1);
    ShapeCache<String> cache = new ShapeCache<>(4, pool, key -> {
      loads.incrementAndGet();
      await(release);
      if (key.get("s0") == 2 && fail.getAndDecrement() > 0) {
        throw new IllegalArgumentException("planning failed");
      }
      return "made " + key.get("s0");
    }, evicted::incrementAndGet);
    assertNull(cache.ready(shape(1)));
    assertNull(cache.ready(shape(1)), "still loading");
    release.countDown();
    StepVerifier.create(cache.get(shape(1))).expectNext("made 1").expectComplete()
        .verify(Duration.ofSeconds(10));
    assertEquals("made 1", cache.ready(shape(1)));
    assertEquals(1, loads.get(), "one load for shape 1");
    assertNull(cache.ready(shape(2)));
    awaitLoads(2);
    long deadline = System.nanoTime() + 10_000_000_000L;
    String two;
    while ((two = cache.ready(shape(2))) == null && System.nanoTime() < deadline) {
      Thread.sleep(5); // the first load of 2 failed and was dropped; a call loads it again
    }
    assertEquals("made 2", two);
    assertEquals(3, loads.get());
  }

  private void awaitLoads(int n) throws InterruptedException {
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (loads.get() < n && System.nanoTime() < deadline) {
      Thread.sleep(5);
    }
    assertEquals(n, loads.get());
  }

  private static void await(CountDownLatch latch) {
    try {
      latch.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
