package io.planline.backend.cuda;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import jcuda.driver.CUstream;
import jcuda.driver.CUstream_flags;
import jcuda.driver.JCudaDriver;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.MonoSink;

/**
 * One CUDA stream driven by one dedicated thread, where the context is current. Work runs in
 * submission order on that thread and enqueues device work (launches, async copies); only a
 * task that reads results back waits for the device ({@link #synchronize}). After each
 * submitted task (the launch stage's batch of launches) it records one event, and
 * {@link Completions} completes the task's Mono and runs the deferred releases when the event
 * has passed: one signal per batch, never one per kernel.
 *
 * <p>One event per task, not one per run of the queue: the launch stage keeps a few batches
 * submitted and refills as each completes, and when one event covered every batch the thread
 * found queued, all of them completed together and the device ran dry before the next ones were
 * submitted. BERT-base [32,128] on an H200 (tools/gpu/kernel_gaps.sh, docs/gpu.md) had an idle
 * gap of about 100 µs (medians 99-116, means 136-158) every 64 launches from it.
 */
final class CudaStream implements AutoCloseable {

  /** How long an idle stream thread polls before it blocks. */
  private static final long SPIN_NANOS = 50_000;

  private static final ThreadLocal<@Nullable CudaStream> CURRENT = new ThreadLocal<>();

  /** What the stream thread runs: device work with a Mono to complete, or a plain step. */
  private record Task(Runnable work, @Nullable MonoSink<Void> sink) {}

  private final int index;
  private final CudaContext context;
  private final Completions completions;
  private final DirectDriver.Stream stream = new DirectDriver.Stream();
  private final long address;
  private final BlockingQueue<Task> queue = new LinkedBlockingQueue<>();
  private final Thread thread;
  private final ErrorWord errors;
  private volatile boolean running = true;
  /** Whether the stream's thread is capturing it into a graph (read only on that thread). */
  private boolean capturing;
  private List<MonoSink<Void>> sinks = new ArrayList<>();
  private List<Runnable> releases = new ArrayList<>();

  CudaStream(int index, CudaContext context, Completions completions) {
    this.index = index;
    this.context = context;
    this.completions = completions;
    context.makeCurrent();
    CudaException.check("cuStreamCreate",
        JCudaDriver.cuStreamCreate(stream, CUstream_flags.CU_STREAM_NON_BLOCKING));
    this.address = stream.address();
    this.errors = new ErrorWord();
    this.thread = new Thread(this::loop, "planline-cuda-stream-" + index);
    thread.setDaemon(true);
    thread.start();
  }

  /** The stream whose thread is running the caller, or null on any other thread. */
  static @Nullable CudaStream current() {
    return CURRENT.get();
  }

  int index() {
    return index;
  }

  CUstream handle() {
    return stream;
  }

  /** The driver's handle of the stream, for calls bound outside JCuda (JNA). */
  long address() {
    return address;
  }

  /**
   * Whether what is enqueued now is being captured into a CUDA graph, where a call's host cost
   * is paid once instead of per request (a convolution then takes cuDNN whatever its size).
   */
  boolean capturing() {
    return capturing;
  }

  void capturing(boolean on) {
    capturing = on;
  }

  /** The host-mapped word kernels raise on a bad index. */
  ErrorWord errors() {
    return errors;
  }

  /** Runs {@code work} on the stream thread; {@code sink} completes once its device work has. */
  void submit(Runnable work, MonoSink<Void> sink) {
    enqueue(new Task(work, sink));
  }

  /** Runs {@code step} on the stream thread in order; it completes whatever it needs itself. */
  void post(Runnable step) {
    enqueue(new Task(step, null));
  }

  /**
   * Waits until the device has run everything enqueued on this stream so far. Stream thread
   * only: a step that reads results back calls it, and the thread takes no other task meanwhile.
   */
  void synchronize() {
    requireOwnThread();
    CudaException.check("cuStreamSynchronize", JCudaDriver.cuStreamSynchronize(stream));
  }

  /** Defers {@code release} until the device has run everything enqueued so far. Stream thread. */
  void deferRelease(Runnable release) {
    requireOwnThread();
    releases.add(release);
  }

  private void enqueue(Task t) {
    if (!running) {
      throw new CudaException("CUDA stream " + index + " is closed");
    }
    queue.add(t);
  }

  private void requireOwnThread() {
    if (CURRENT.get() != this) {
      throw new IllegalStateException("not on the thread of CUDA stream " + index);
    }
  }

  private void loop() {
    CURRENT.set(this);
    context.makeCurrent();
    while (running) {
      Task t = spinPoll();
      try {
        t = t != null ? t : queue.take();
      } catch (InterruptedException e) {
        break;
      }
      while (t != null) {
        run(t);
        if (t.sink() != null) {
          signal();
        }
        t = queue.poll();
      }
      signal(); // deferred releases of posted steps
    }
  }

  /**
   * Waits briefly without blocking for the next task: the next launch of a request usually
   * follows within microseconds, and waking a parked thread costs tens of them.
   */
  private @Nullable Task spinPoll() {
    long end = System.nanoTime() + SPIN_NANOS;
    do {
      Task t = queue.poll();
      if (t != null) {
        return t;
      }
      Thread.onSpinWait();
    } while (System.nanoTime() < end);
    return null;
  }

  private void run(Task t) {
    try {
      t.work().run();
      if (t.sink() != null) {
        sinks.add(t.sink());
      }
    } catch (Throwable e) {
      // the host side failed (bad shapes, a refused launch): nothing of it runs on the device
      if (t.sink() != null) {
        t.sink().error(e);
      }
    }
  }

  /** Records one event after the batch so far and hands the batch to the poller. */
  private void signal() {
    if (sinks.isEmpty() && releases.isEmpty()) {
      return;
    }
    List<MonoSink<Void>> s = sinks;
    List<Runnable> r = releases;
    sinks = new ArrayList<>();
    releases = new ArrayList<>();
    completions.record(this, s, r);
  }

  @Override
  public void close() {
    running = false;
    thread.interrupt();
    try {
      thread.join(5_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    context.makeCurrent();
    CudaException.warnIfFailed("cuStreamSynchronize", JCudaDriver.cuStreamSynchronize(stream));
    CudaException.warnIfFailed("cuStreamDestroy", JCudaDriver.cuStreamDestroy(stream));
    errors.close();
  }
}
