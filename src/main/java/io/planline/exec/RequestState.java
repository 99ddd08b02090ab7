package io.planline.exec;

import io.planline.backend.Backend;
import io.planline.backend.DeviceBuffer;
import io.planline.backend.DeviceTensor;
import io.planline.backend.HostTensor;
import io.planline.kernel.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The memory one request holds, and the names its kernels resolve: the arena (offset plans), the
 * storages of a streaming pool (reuse plans) and the uploaded inputs. {@link #close} frees all of
 * it, whatever state the request ended in, exactly once.
 */
final class RequestState {

  /** Where a name's bytes are: a device buffer and a byte offset into it. */
  private record Memory(DeviceBuffer buffer, long byteOffset) {}

  private final String id;
  private final Backend backend;
  private final MemoryEvents events;
  /** The request's own names (inputs, planned buffers, views); weights are looked up apart. */
  private final Map<String, DeviceTensor> tensors;
  /** The storage (not the view) each name's bytes belong to. */
  private final Map<String, Memory> memory;
  /**
   * The model's weights, shared by its requests and never copied into a request's maps: a
   * per-request copy of every weight entry (hundreds for GPT-2) was most of a small model's
   * bookkeeping time.
   */
  private volatile Map<String, DeviceTensor> weights = Map.of();
  /** Views of weights, to their root weight tensor (weights live outside requests). */
  private final Map<String, DeviceTensor> weightRoots = new ConcurrentHashMap<>();
  private final List<DeviceBuffer> held = new ArrayList<>();
  private final List<DeviceBuffer> arenas = new ArrayList<>();
  private boolean closed;
  /** Set once {@link #begin} has allocated and uploaded everything. */
  private boolean begun;
  /** Set for a request recorded for replays: its input buffers outlive the program's frees. */
  private boolean resident;

  /**
   * A request's state; {@code names} bounds the names it will hold (its program's steps and
   * inputs). The maps are sized for them once: grown from the default size, their resizing was
   * 1.4% of a batched GPU server's samples (session 19), and RequestBookkeepingBench gives
   * tiny-gpt's two maps 20.5 µs per request grown against 10.6 sized (sizing them for exactly
   * their names, 10.8-11.0, gains nothing over the bound).
   */
  RequestState(String id, Backend backend, MemoryEvents events, int names) {
    this.id = id;
    this.backend = backend;
    this.events = events;
    this.tensors = new ConcurrentHashMap<>(names);
    this.memory = new ConcurrentHashMap<>(names);
  }

  String id() {
    return id;
  }

  /** Allocates the arena and uploads the inputs; weights are bound as they are. */
  synchronized void begin(List<Long> arenaBytes, Map<String, DeviceTensor> weights,
      List<HostTensor> inputs) {
    this.weights = weights;
    for (long bytes : arenaBytes) {
      arenas.add(hold(bytes));
    }
    for (HostTensor in : inputs) {
      DeviceBuffer b = hold(in.data().remaining());
      if (in.dtype() != io.planline.ir.DType.FLOAT32 && in.dtype() != io.planline.ir.DType.INT64) {
        throw new InferenceException.BadInput("input '" + in.name() + "' has type " + in.dtype()
            + "; this backend takes float32 and int64 inputs");
      }
      backend.upload(b, in.data());
      DeviceTensor t = backend.view(b, 0, in.dtype(), in.shape(),
          Tensor.contiguousStrides(in.shape()));
      tensors.put(in.name(), t);
      memory.put(in.name(), new Memory(b, 0));
    }
    begun = true;
  }

  /**
   * Keeps this request's memory, inputs included, for replays: a replay reads its inputs from
   * the buffers the recording was made with, so a program's free of an input must not give
   * the buffer back.
   */
  synchronized void makeResident() {
    resident = true;
  }

  /** Copies new inputs into the buffers of the ones {@link #begin} uploaded (same shapes). */
  synchronized void reupload(List<HostTensor> inputs) {
    for (HostTensor in : inputs) {
      Memory m = memory.get(in.name());
      if (m == null || m.buffer().bytes() != in.data().remaining()) {
        throw new IllegalStateException(id + ": input '" + in.name() + "' does not match the "
            + "buffer it was recorded with");
      }
      backend.upload(m.buffer(), in.data());
    }
  }

  /** Applies one memory step; returns the bytes it concerns. */
  synchronized void apply(Step step) {
    if (step instanceof Step.Allocate a) {
      Memory m = a.arenaOffset() == Step.Allocate.OWN_BUFFER
          ? new Memory(hold(a.bytes()), 0) : new Memory(arenas.get(a.arena()), a.arenaOffset());
      bind(a.name(), m, a.layout());
      events.emit(new MemoryEvent(id, backend.device(), MemoryEvent.Kind.ALLOCATE, a.name(),
          a.bytes()));
    } else if (step instanceof Step.Reuse r) {
      Memory m = memory.get(r.old());
      if (m == null) {
        throw new IllegalStateException(id + ": reuse of " + r.old() + ", which holds no memory");
      }
      bind(r.name(), m, r.layout());
      events.emit(new MemoryEvent(id, backend.device(), MemoryEvent.Kind.REUSE, r.name(),
          r.bytes()));
    } else if (step instanceof Step.View v) {
      // View offsets count from the start of the root storage, whatever the view was taken of.
      Memory base = memory.get(v.source());
      if (base == null) {
        DeviceTensor root = weights.containsKey(v.source()) ? weights.get(v.source())
            : weightRoots.get(v.source());
        if (root == null) {
          throw new IllegalStateException(id + ": view of unknown buffer " + v.source());
        }
        weightRoots.put(v.name(), root);
        tensors.put(v.name(), backend.reinterpret(root, v.layout().shape(), v.layout().stride(),
            v.byteOffset() / v.layout().dtype().itemSize()));
        return;
      }
      memory.put(v.name(), base);
      tensors.put(v.name(), backend.view(base.buffer(), base.byteOffset() + v.byteOffset(),
          v.layout().dtype(), v.layout().shape(), v.layout().stride()));
    } else {
      throw new IllegalArgumentException("not a memory step: " + step);
    }
  }

  /** Releases a storage; runs on the request's stream after every kernel before it. */
  synchronized void free(Step.Free f) {
    if (closed) {
      return;
    }
    Memory m = memory.get(f.name());
    if (m != null && !resident && !arenas.contains(m.buffer()) && held.remove(m.buffer())) {
      backend.free(m.buffer());
    }
    events.emit(new MemoryEvent(id, backend.device(), MemoryEvent.Kind.FREE, f.name(), f.bytes()));
  }

  /** The tensor bound to {@code name}. */
  DeviceTensor tensor(String name) {
    DeviceTensor t = tensors.get(name);
    if (t == null) {
      t = weights.get(name);
    }
    if (t == null) {
      throw new IllegalStateException(id + ": no tensor is bound to '" + name + "'");
    }
    return t;
  }

  synchronized boolean closed() {
    return closed;
  }

  /** Whether steps may run: {@link #begin} succeeded and nothing has been freed yet. */
  synchronized boolean ready() {
    return begun && !closed;
  }

  /** Copies a result out of device memory into a dense host tensor. */
  HostTensor download(String buffer, String name) {
    return backend.download(tensor(buffer), name);
  }

  /** Frees everything still held; safe to call more than once. */
  synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    for (DeviceBuffer b : held) {
      backend.free(b);
    }
    held.clear();
    memory.clear();
    tensors.clear();
    weights = Map.of();
  }

  private DeviceBuffer hold(long bytes) {
    DeviceBuffer b = backend.allocate(bytes);
    held.add(b);
    return b;
  }

  private void bind(String name, Memory m, Step.Layout layout) {
    memory.put(name, m);
    tensors.put(name, backend.view(m.buffer(), m.byteOffset(), layout.dtype(), layout.shape(),
        layout.stride()));
  }
}
