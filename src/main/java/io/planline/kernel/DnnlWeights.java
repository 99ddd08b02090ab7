package io.planline.kernel;

import com.github.benmanes.caffeine.cache.Cache;
import java.lang.ref.WeakReference;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import org.bytedeco.dnnl.memory;
import org.bytedeco.dnnl.reorder;
import org.bytedeco.javacpp.BytePointer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Models' weights as oneDNN reads them fastest: a weight's buffer is marked constant when the
 * model loads ({@link #markConstant}); the first primitive that reads a view of it in a blocked
 * layout reorders it once into a copy in that layout, kept for as long as the weight's buffer
 * lives (weak keys: unloading a model lets its copies go with its weights). The copies are
 * direct buffers, so the JVM's direct-memory limit counts them.
 */
final class DnnlWeights {

  private static final Logger LOG = LoggerFactory.getLogger(DnnlWeights.class);

  /** Weights' buffers (identity, weak), each with the copies made of it. */
  private static final Cache<ByteBuffer, List<Copy>> CONSTANTS =
      Caches.onCallingThread().weakKeys().build();
  private static final AtomicLong BYTES = new AtomicLong();

  /**
   * One reordered copy: which view of the buffer, in which layout, for which primitive (found
   * by identity on later calls: comparing oneDNN descriptors goes through JNI, and took a
   * 1x64x128 product from 12 to 2.6 GFLOP/s), and its address. The primitive is held weakly:
   * one evicted from its cache must not stay alive through a weight's copy.
   */
  private record Copy(int offset, WeakReference<Object> user, memory.desc view,
      memory.desc layout, ByteBuffer data, BytePointer address) {}

  private DnnlWeights() {}

  /** Marks {@code weight}'s buffer as constant for the model's life. */
  static void markConstant(Tensor weight) {
    if (weight.data().isDirect()) {
      CONSTANTS.get(weight.data(), k -> new CopyOnWriteArrayList<>());
    }
  }

  /** Whether {@code t} reads a buffer marked constant. */
  static boolean isConstant(Tensor t) {
    return CONSTANTS.getIfPresent(t.data()) != null;
  }

  /** Bytes held in reordered copies made so far. */
  static long bytes() {
    return BYTES.get();
  }

  /**
   * The address of {@code weight} (described to oneDNN as {@code view}) reordered into
   * {@code layout}, made now if there is no such copy yet. {@code user} is the primitive that
   * asks (same view and layout on every call of it), which makes the usual lookup an identity
   * check, made without a lock. Making a copy takes the weight's lock, so that it is made once;
   * its reorder, once per weight, may run on more threads than the caller's turn counted
   * ({@link NativeCompute}).
   *
   * @throws IllegalStateException if {@code weight} was not marked constant
   */
  static BytePointer reordered(Tensor weight, Object user, memory.desc view,
      memory.desc layout) {
    List<Copy> copies = CONSTANTS.getIfPresent(weight.data());
    if (copies == null) {
      throw new IllegalStateException("not a weight: " + weight);
    }
    int offset = weight.byteOffset();
    // the usual case, without the lock: the list copies itself on every change, so it can be
    // read while another request adds to it
    BytePointer known = mine(copies, offset, user);
    if (known != null) {
      return known;
    }
    synchronized (copies) {
      known = mine(copies, offset, user); // another thread of this primitive may have added it
      if (known != null) {
        return known;
      }
      for (Copy c : copies) {
        if (c.offset == offset && c.view.equals(view) && c.layout.equals(layout)) {
          // another primitive wanting the same copy: remember it under this one too
          copies.removeIf(k -> k.user.get() == null);
          copies.add(new Copy(offset, new WeakReference<>(user), view, layout, c.data, c.address));
          return c.address;
        }
      }
      long bytes = layout.get_size();
      ByteBuffer data = Tensor.allocateDirect(Math.toIntExact(bytes));
      memory from = new memory(view, Dnnl.engine(), Dnnl.at(weight.address()));
      BytePointer address = Dnnl.address(data, 0);
      memory to = new memory(layout, Dnnl.engine(), address);
      Dnnl.useThreads(bytes);
      new reorder(from, to).execute(Dnnl.stream(), from, to);
      copies.add(new Copy(offset, new WeakReference<>(user), view, layout, data, address));
      LOG.debug("reordered a weight {} for oneDNN ({} bytes; {} in all)", weight, bytes,
          BYTES.addAndGet(bytes));
      return address;
    }
  }

  /** The copy {@code user} was given for the view at {@code offset}, or null. */
  private static @Nullable BytePointer mine(List<Copy> copies, int offset, Object user) {
    for (Copy c : copies) {
      if (c.offset == offset && c.user.get() == user) {
        return c.address;
      }
    }
    return null;
  }
}
