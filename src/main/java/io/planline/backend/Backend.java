package io.planline.backend;

import static java.util.Objects.requireNonNull;

import io.planline.ir.DType;
import io.planline.ir.Device;
import io.planline.ir.WrapperLine.KernelCallLine;
import io.planline.kernel.CompiledKernels;
import io.planline.kernel.Tensor;
import io.planline.kernel.TritonKernel;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;

/**
 * A device the executor runs programs on: memory, in-order streams and kernels.
 *
 * <p>Like tinygrad's {@code Allocator}, the public memory methods are {@code final}: they check
 * their arguments, keep the in-use and peak accounting, and wrap failures with the device, the
 * bytes asked for and the bytes in use; a backend only implements the small protected hooks.
 */
public abstract class Backend implements AutoCloseable {

  private final Device device;
  private final AtomicLong inUse = new AtomicLong();
  private final AtomicLong peak = new AtomicLong();

  protected Backend(Device device) {
    this.device = requireNonNull(device, "device");
  }

  /** The device this backend drives. */
  public final Device device() {
    return device;
  }

  /**
   * Allocates {@code bytes} of device memory.
   *
   * @throws BackendException when the device cannot provide it
   */
  public final DeviceBuffer allocate(long bytes) {
    if (bytes < 0) {
      throw new IllegalArgumentException("cannot allocate " + bytes + " bytes");
    }
    DeviceBuffer b;
    try {
      b = doAllocate(bytes);
    } catch (OutOfMemoryError | RuntimeException e) {
      throw new BackendException("out of memory on " + device + ": asked for " + bytes
          + " bytes with " + inUse.get() + " in use (" + e.getMessage() + ")", e);
    }
    long now = inUse.addAndGet(b.bytes());
    peak.accumulateAndGet(now, Math::max);
    return b;
  }

  /** Returns {@code buffer} to the device. Requires: it came from this backend, not yet freed. */
  public final void free(DeviceBuffer buffer) {
    requireNonNull(buffer, "buffer");
    doFree(buffer);
    inUse.addAndGet(-buffer.bytes());
  }

  /** Bytes handed out and not yet freed. */
  public final long bytesInUse() {
    return inUse.get();
  }

  /** The most bytes ever in use at once. */
  public final long peakBytes() {
    return peak.get();
  }

  /** A tensor view of {@code buffer}, {@code byteOffset} bytes in. */
  public abstract DeviceTensor view(DeviceBuffer buffer, long byteOffset, DType dtype,
      long[] shape, long[] stride);

  /**
   * Another view of {@code base}'s memory, {@code elementOffset} elements from where {@code base}
   * starts (views of weights, which live outside request memory).
   */
  public abstract DeviceTensor reinterpret(DeviceTensor base, long[] shape, long[] stride,
      long elementOffset);

  /**
   * Copies host bytes (little-endian, from position 0) to the start of {@code buffer}, reading
   * {@code host} without moving its position, so requests may share an input's bytes.
   */
  public abstract void upload(DeviceBuffer buffer, ByteBuffer host);

  /**
   * Puts a model's weights on the device once, for all its requests; they are not counted in
   * {@link #bytesInUse} (which is request memory).
   */
  public abstract Map<String, DeviceTensor> uploadWeights(Map<String, Tensor> weights);

  /**
   * Gives back what {@link #uploadWeights} and {@link #loadTriton} took for a model that is
   * unloaded: no request of it runs any more. The default keeps nothing to give back (the CPU's
   * weights and kernels are memory the collector frees).
   */
  public void releaseModel(Map<String, DeviceTensor> weights, @Nullable CompiledKernels kernels) {
  }

  /**
   * Copies {@code tensor} into a dense host tensor called {@code name}. Called in a task on a
   * stream's thread it first waits for the work enqueued on that stream (an asynchronous device
   * need not have finished it), so a task may launch kernels and read their results back.
   */
  public abstract HostTensor download(DeviceTensor tensor, String name);

  /**
   * Lets {@link #download} hand out large results in the backend's own host memory instead of
   * copying them, for consumers that call {@link HostTensor#release()} once they are done (the
   * server does); nothing on backends whose results are copies anyway. Lent results must not be
   * read after the backend is closed.
   */
  public void lendResults(boolean lend) {}

  /** Bytes of results lent out ({@link #lendResults}) and not yet released. */
  public long lentBytes() {
    return 0;
  }

  /**
   * Prepares a kernel call for repeated launches.
   *
   * @throws IllegalArgumentException naming the operator when the backend has no kernel for it or
   *     its arguments do not fit
   */
  public abstract PreparedLaunch prepare(KernelCallLine call);

  /**
   * Prepares a call of a kernel compiled ahead of time for this device ({@code kernels} holds
   * it, as {@link #loadTriton} or the CPU's library loader made it).
   *
   * @throws BackendException when this device cannot run such kernels
   * @throws IllegalArgumentException naming the kernel when the call does not fit it
   */
  public PreparedLaunch prepareNative(CompiledKernels kernels, KernelCallLine call) {
    throw new BackendException("the " + device + " backend cannot run kernels compiled for "
        + "another device (" + kernels.describe() + ", kernel " + call.kernelName() + ")");
  }

  /**
   * Loads a model's Triton kernels onto this device, once per model.
   *
   * @throws BackendException when this device cannot run them (only the CUDA backend can) or a
   *     binary does not load
   */
  public CompiledKernels loadTriton(List<TritonKernel.Binary> kernels) {
    throw new BackendException("the " + device + " backend cannot run Triton GPU kernels; "
        + "serve this model with backend: cuda, or export it without --device cuda");
  }

  /** Whether this backend has a kernel for the operator {@code kernelName}. */
  public abstract boolean supports(String kernelName);

  /** How many in-order streams the backend runs. */
  public abstract int streams();

  /**
   * Runs {@code work} on stream {@code stream} after everything submitted there before it; the
   * Mono completes when the work has completed on the device (for an asynchronous device: when
   * the kernels it enqueued have finished), never by blocking the subscriber's thread.
   */
  public abstract Mono<Void> submit(int stream, Runnable work);

  /**
   * Whether a kernel has finished when the task that ran it returns (the CPU). On such a device
   * a small request can run whole in one stream task: there is nothing asynchronous to wait for
   * between its steps, so every extra hand-over would be pure cost.
   */
  public boolean synchronous() {
    return false;
  }

  /**
   * Whether {@link #record} can record device work for replays on this backend.
   */
  public boolean canRecord() {
    return false;
  }

  /**
   * Records the device work {@code enqueue} submits, for replays against the same memory
   * (on CUDA: stream capture into a CUDA graph; the work is recorded, not run). Call it on a
   * stream's own thread, from a task given to {@link #submit}.
   *
   * @throws BackendException when this backend cannot record, or the work cannot be recorded
   *     (it waits for the device, allocates, or copies to the host)
   */
  public Replay record(Runnable enqueue) {
    throw new BackendException("the " + device + " backend cannot record work for replays");
  }

  /** Device work recorded once by {@link #record}, replayed with the memory it was recorded on. */
  public interface Replay extends AutoCloseable {
    /** Runs (asynchronous device: enqueues) the recorded work on the calling stream's thread. */
    void launch();

    /** Frees what the recording holds; the memory it ran on is its owner's to free. */
    @Override
    void close();
  }

  /**
   * Like {@link #submit} for work with a result that needs everything before it on the stream to
   * have finished (reading outputs back).
   */
  public abstract <T> Mono<T> call(int stream, Callable<T> work);

  protected abstract DeviceBuffer doAllocate(long bytes);

  protected abstract void doFree(DeviceBuffer buffer);

  @Override
  public abstract void close();

  /** A kernel ready to run against the tensors a request binds names to. */
  @FunctionalInterface
  public interface PreparedLaunch {
    /**
     * Runs (or, on an asynchronous device, enqueues) the kernel; {@code tensors} resolves every
     * buffer name the call mentions. Called on the stream's own thread.
     */
    void run(Function<String, DeviceTensor> tensors);
  }
}
