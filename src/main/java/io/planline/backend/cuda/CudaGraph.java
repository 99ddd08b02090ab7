package io.planline.backend.cuda;

import io.planline.backend.Backend;
import jcuda.driver.CUgraph;
import jcuda.driver.CUgraphExec;
import jcuda.driver.CUstreamCaptureMode;
import jcuda.driver.JCudaDriver;

/**
 * A request's launches captured from its stream into a CUDA graph and instantiated once, then
 * launched as one unit: one driver call per request instead of one per kernel, which is what
 * batch-1 latency is made of when the kernels themselves take microseconds.
 *
 * <p>The graph holds the device addresses it was captured with (arena, inputs, weights,
 * launch parameters), so it is only valid with that memory; whoever records it keeps that
 * memory for it ({@code exec.Replays}).
 */
final class CudaGraph implements Backend.Replay {

  private final CUgraph graph;
  private final CUgraphExec exec;
  private boolean closed;

  private CudaGraph(CUgraph graph, CUgraphExec exec) {
    this.graph = graph;
    this.exec = exec;
  }

  /**
   * Captures what {@code enqueue} submits on {@code stream} (the caller's own stream thread).
   * Capture is thread-local: work other threads submit meanwhile is not captured, and a call
   * that is illegal while capturing (a synchronous copy, an allocation) fails the capture
   * instead of silently running.
   *
   * @throws CudaException when the work cannot be captured or the graph not instantiated
   */
  static CudaGraph capture(CudaStream stream, Runnable enqueue) {
    CudaException.check("cuStreamBeginCapture", JCudaDriver.cuStreamBeginCapture(
        stream.handle(), CUstreamCaptureMode.CU_STREAM_CAPTURE_MODE_THREAD_LOCAL));
    CUgraph graph = new CUgraph();
    RuntimeException failure = null;
    stream.capturing(true);
    try {
      enqueue.run();
    } catch (RuntimeException e) {
      failure = e;
    } finally {
      stream.capturing(false);
    }
    // End the capture whatever happened, or the stream stays in capture mode for good.
    int ended = JCudaDriver.cuStreamEndCapture(stream.handle(), graph);
    if (failure != null || ended != 0) {
      if (ended == 0) {
        JCudaDriver.cuGraphDestroy(graph);
      }
      CudaException e = new CudaException("stream capture failed: " + (failure != null
          ? failure.getMessage() : "cuStreamEndCapture returned " + ended));
      if (failure != null) {
        e.initCause(failure);
      }
      throw e;
    }
    CUgraphExec exec = new CUgraphExec();
    int made = JCudaDriver.cuGraphInstantiate(exec, graph, 0);
    if (made != 0) {
      JCudaDriver.cuGraphDestroy(graph);
      CudaException.check("cuGraphInstantiate", made);
    }
    return new CudaGraph(graph, exec);
  }

  @Override
  public void launch() {
    CudaStream s = CudaStream.current();
    if (s == null) {
      throw new IllegalStateException("a CUDA graph launches from a stream's own thread");
    }
    CudaException.check("cuGraphLaunch", JCudaDriver.cuGraphLaunch(exec, s.handle()));
  }

  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    CudaException.warnIfFailed("cuGraphExecDestroy", JCudaDriver.cuGraphExecDestroy(exec));
    CudaException.warnIfFailed("cuGraphDestroy", JCudaDriver.cuGraphDestroy(graph));
  }
}
