package io.planline.exec;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The threads that bind, plan, verify and compile new input shapes: a fixed number, with a
 * bounded queue that refuses work beyond it (the cache turns that into a 503), so a flood of new
 * shapes can neither stall the event loops nor grow a backlog without bound. Daemon threads: a
 * plan in progress never keeps the JVM alive.
 */
final class PlanningPool extends ThreadPoolExecutor {

  PlanningPool(int threads, int queue) {
    super(threads, threads, 0, TimeUnit.MILLISECONDS, queue(queue), daemonThreads(),
        new ThreadPoolExecutor.AbortPolicy());
  }

  private static BlockingQueue<Runnable> queue(int capacity) {
    return capacity == 0 ? new SynchronousQueue<>() : new ArrayBlockingQueue<>(capacity);
  }

  private static java.util.concurrent.ThreadFactory daemonThreads() {
    AtomicInteger n = new AtomicInteger();
    return task -> {
      Thread t = new Thread(task, "planline-plan-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }
}
