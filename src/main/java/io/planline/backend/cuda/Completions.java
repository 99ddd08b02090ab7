package io.planline.backend.cuda;

import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.locks.LockSupport;
import jcuda.driver.CUevent;
import jcuda.driver.CUevent_flags;
import jcuda.driver.CUresult;
import jcuda.driver.JCudaDriver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.MonoSink;

/**
 * The completion poller: one thread that watches the oldest recorded event of each stream with
 * {@code cuEventQuery} (events of one stream pass in order) and, when it has passed, returns the
 * batch's memory to the caches and completes its Monos. It spins while batches are pending and
 * parks when none is. A failed event fails its batch with the CUDA error.
 */
final class Completions implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(Completions.class);

  /** A batch of work of one stream, ended by {@code event}. */
  private record Pending(CudaStream stream, CUevent event, List<MonoSink<Void>> sinks,
      List<Runnable> releases) {}

  /** How long the poller stays awake with nothing pending before it parks. */
  private static final long SPIN_NANOS = 100_000;

  private final CudaContext context;
  private final Queue<Pending>[] pending;
  private final Queue<CUevent> events = new ConcurrentLinkedQueue<>();
  private final Thread thread;
  private volatile boolean running = true;

  @SuppressWarnings("unchecked") // generic array of queues, one per stream
  Completions(CudaContext context, int streams) {
    this.context = context;
    this.pending = new Queue[streams];
    for (int i = 0; i < streams; i++) {
      pending[i] = new ConcurrentLinkedQueue<>();
    }
    this.thread = new Thread(this::loop, "planline-cuda-completions");
    thread.setDaemon(true);
    thread.start();
  }

  /** Records an event on {@code stream} after its work so far; called on the stream thread. */
  void record(CudaStream stream, List<MonoSink<Void>> sinks, List<Runnable> releases) {
    CUevent e = events.poll();
    try {
      if (e == null) {
        e = new CUevent();
        CudaException.check("cuEventCreate",
            JCudaDriver.cuEventCreate(e, CUevent_flags.CU_EVENT_DISABLE_TIMING));
      }
      CudaException.check("cuEventRecord", JCudaDriver.cuEventRecord(e, stream.handle()));
    } catch (CudaException ex) {
      // without an event nothing tells when the work ends: wait for it here instead
      int sync = JCudaDriver.cuStreamSynchronize(stream.handle());
      finish(new Pending(stream, new CUevent(), sinks, releases), sync == CUresult.CUDA_SUCCESS
          ? ex.code() : sync);
      return;
    }
    pending[stream.index()].add(new Pending(stream, e, sinks, releases));
    LockSupport.unpark(thread);
  }

  private void loop() {
    context.makeCurrent();
    long idleSince = 0;
    while (running) {
      boolean waiting = false;
      for (Queue<Pending> q : pending) {
        Pending head = q.peek();
        if (head == null) {
          continue;
        }
        int status = JCudaDriver.cuEventQuery(head.event());
        if (status == CUresult.CUDA_ERROR_NOT_READY) {
          waiting = true;
          continue;
        }
        q.poll();
        events.add(head.event());
        finish(head, status);
        waiting |= !q.isEmpty();
      }
      if (waiting) {
        Thread.onSpinWait();
        idleSince = 0;
      } else if (idleSince == 0) {
        idleSince = System.nanoTime();
      } else if (System.nanoTime() - idleSince < SPIN_NANOS) {
        // a request's next batch usually comes within microseconds: stay awake a little
        Thread.onSpinWait();
      } else {
        LockSupport.parkNanos(this, 10_000_000L);
        idleSince = 0;
      }
    }
  }

  private void finish(Pending p, int status) {
    // memory first: a request that the completion lets proceed may allocate right away
    for (Runnable r : p.releases()) {
      try {
        r.run();
      } catch (RuntimeException e) {
        LOG.error("releasing memory after stream {} failed", p.stream().index(), e);
      }
    }
    if (status == CUresult.CUDA_SUCCESS) {
      p.sinks().forEach(MonoSink::success);
    } else {
      CudaException error = new CudaException("kernel execution on CUDA stream "
          + p.stream().index(), status);
      p.sinks().forEach(s -> s.error(error));
    }
  }

  @Override
  public void close() {
    running = false;
    LockSupport.unpark(thread);
    try {
      thread.join(5_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    for (CUevent e : events) {
      CudaException.warnIfFailed("cuEventDestroy", JCudaDriver.cuEventDestroy(e));
    }
  }
}
