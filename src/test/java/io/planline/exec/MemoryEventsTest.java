package io.planline.exec;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.planline.ir.Device;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;

class MemoryEventsTest {

  /**
   * An observer that holds an emission for longer than the 50 ms a concurrent emission used to
   * retry for: every other thread's emission waits its turn; none fails its request, none is lost.
   */
  @Test
  void concurrentEmissions_slowObserver_noneFailsNoneLost() throws Exception {
    MemoryEvents events = new MemoryEvents();
    AtomicInteger seen = new AtomicInteger();
    CountDownLatch inObserver = new CountDownLatch(1);
    Disposable feed = events.flux().subscribe(e -> {
      if (seen.getAndIncrement() == 0) {
        inObserver.countDown();
        sleep(120);
      }
    });
    ExecutorService threads = Executors.newFixedThreadPool(4);
    try {
      List<Future<?>> emitters = new ArrayList<>();
      emitters.add(threads.submit(() -> events.emit(event(0))));
      inObserver.await(5, TimeUnit.SECONDS);
      for (int t = 1; t < 4; t++) {
        int id = t;
        emitters.add(threads.submit(() -> {
          for (int i = 0; i < 100; i++) {
            events.emit(event(id));
          }
        }));
      }
      for (Future<?> f : emitters) {
        f.get(10, TimeUnit.SECONDS); // an emission that failed would throw here
      }
      assertEquals(1 + 3 * 100, seen.get());
    } finally {
      threads.shutdownNow();
      feed.dispose();
    }
  }

  private static MemoryEvent event(int thread) {
    return new MemoryEvent("r" + thread, Device.CPU, MemoryEvent.Kind.values()[0], "buf", 64);
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
