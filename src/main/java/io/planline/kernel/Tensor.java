package io.planline.kernel;

import static java.util.Objects.requireNonNull;

import com.sun.jna.Native;
import com.sun.jna.Pointer;
import io.planline.ir.DType;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.Arrays;

/**
 * A strided view over a little-endian byte buffer: dtype, shape and strides (in elements) from a
 * byte offset, as a PyTorch tensor views its storage. Views (permute, narrow, expand, ...) share
 * the buffer and copy nothing.
 *
 * <p>The element accessors here are for cold paths and tests; kernels read whole rows through
 * {@link Rows} and never call a method per element.
 */
public final class Tensor {

  private final ByteBuffer data;
  private final FloatBuffer floats;
  private final int byteOffset;
  private final DType dtype;
  private final long[] shape;
  private final long[] stride;
  /**
   * The native address of the buffer's first byte where it is direct, found on first use and
   * handed to the views made from this tensor (0: not yet).
   */
  private long base;

  private Tensor(ByteBuffer data, FloatBuffer floats, int byteOffset, DType dtype, long[] shape,
      long[] stride, long base) {
    this.base = base;
    this.data = data;
    this.floats = floats;
    this.byteOffset = byteOffset;
    this.dtype = dtype;
    this.shape = shape;
    this.stride = stride;
  }

  /**
   * A view of {@code buffer} (its whole capacity, whatever its position or order).
   *
   * @throws IllegalArgumentException if shape and stride differ in rank, hold negative values, or
   *     address bytes outside the buffer
   */
  public static Tensor of(ByteBuffer buffer, long byteOffset, DType dtype, long[] shape,
      long[] stride) {
    return of(buffer, 0, byteOffset, dtype, shape, stride);
  }

  /**
   * A view of the direct {@code buffer} whose first byte's native address, found earlier by
   * {@link #addressOf}, is {@code address}. Owners of long-lived buffers (the CPU backend's
   * arenas) pass it so that a view made per request needs no native look-up when a native call
   * reads it ({@code NativeCallBench}: about 50 ns a look-up, its timer included; one per fresh
   * view).
   *
   * @param address the buffer's address, or 0 where it is not known (found on first use)
   * @throws IllegalArgumentException as {@link #of(ByteBuffer, long, DType, long[], long[])}
   */
  public static Tensor of(ByteBuffer buffer, long address, long byteOffset, DType dtype,
      long[] shape, long[] stride) {
    requireNonNull(buffer, "buffer");
    requireNonNull(dtype, "dtype");
    assert address == 0 || address == addressOf(buffer) : "not the buffer's address";
    ByteBuffer le = buffer.duplicate().clear().order(ByteOrder.LITTLE_ENDIAN);
    FloatBuffer fv = le.asFloatBuffer();
    if (byteOffset < 0 || byteOffset > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("byte offset " + byteOffset + " out of range");
    }
    return checked(le, fv, (int) byteOffset, dtype, shape.clone(), stride.clone(), address);
  }

  /** A new zero-filled contiguous tensor in its own direct buffer ({@link #allocateDirect}). */
  public static Tensor allocate(DType dtype, long... shape) {
    long n = numel(shape);
    long bytes = Math.multiplyExact(Math.max(n, 1), dtype.itemSize());
    if (bytes > Integer.MAX_VALUE - CACHE_LINE) {
      throw new IllegalArgumentException("tensor of " + bytes + " bytes exceeds 2 GiB");
    }
    return of(allocateDirect((int) bytes), 0, dtype, shape, contiguousStrides(shape));
  }

  /** The alignment of {@link #allocateDirect}'s buffers: a cache line, an AVX-512 vector. */
  public static final int CACHE_LINE = 64;

  /**
   * A zero-filled direct buffer of {@code bytes} whose first byte starts a cache line. The JVM's
   * own direct buffers start 16 bytes past one (malloc's alignment), 16, 32 or 48 modulo 64, so
   * every vector load of a row crosses two lines. ResNet-50's 53 convolutions through planline's
   * step ({@code ResNetConvSequenceBench}, 2-core Xeon, session 27) spent 32.25 ms a pass in
   * oneDNN with the JVM's buffers and 29.8-30.6 with aligned activations and packed weights.
   */
  public static ByteBuffer allocateDirect(int bytes) {
    if (bytes > Integer.MAX_VALUE - CACHE_LINE) {
      throw new IllegalArgumentException("a direct buffer of " + bytes + " bytes exceeds 2 GiB");
    }
    ByteBuffer whole = ByteBuffer.allocateDirect(bytes + CACHE_LINE);
    int skip = (int) Math.floorMod(-addressOf(whole), (long) CACHE_LINE);
    // the slice keeps the whole allocation alive; it is freed with the slice
    return whole.slice(skip, bytes);
  }

  /** A new zero-filled contiguous tensor on the Java heap, for a kernel's temporaries. */
  static Tensor heap(DType dtype, long... shape) {
    long bytes = Math.multiplyExact(Math.max(numel(shape), 1), dtype.itemSize());
    return of(ByteBuffer.allocate(Math.toIntExact(bytes)), 0, dtype, shape,
        contiguousStrides(shape));
  }

  /** A new contiguous float32 tensor holding {@code values} in row-major order. */
  public static Tensor fromFloats(float[] values, long... shape) {
    Tensor t = allocate(DType.FLOAT32, shape);
    requireLength(values.length, t.numel());
    t.floats.put(0, values);
    return t;
  }

  /** A new contiguous int64 tensor holding {@code values} in row-major order. */
  public static Tensor fromLongs(long[] values, long... shape) {
    Tensor t = allocate(DType.INT64, shape);
    requireLength(values.length, t.numel());
    t.data.asLongBuffer().put(0, values);
    return t;
  }

  /**
   * The shape {@code shapes} broadcast to (NumPy rules), for backends that check operands the
   * way this library does.
   *
   * @throws IllegalArgumentException when they do not broadcast
   */
  public static long[] broadcastShape(long[]... shapes) {
    return Shapes.broadcast(shapes);
  }

  /** Row-major (C-contiguous) strides for {@code shape}, in elements. */
  public static long[] contiguousStrides(long[] shape) {
    return Shapes.contiguousStrides(shape);
  }

  /**
   * The product of the sizes (1 for a scalar).
   *
   * @throws IllegalArgumentException for a negative size
   */
  public static long numel(long[] shape) {
    return Shapes.numel(shape);
  }

  /** The element type. */
  public DType dtype() {
    return dtype;
  }

  /** The number of dimensions. */
  public int dim() {
    return shape.length;
  }

  /** A copy of the sizes. */
  public long[] shape() {
    return shape.clone();
  }

  /** A copy of the strides, in elements. */
  public long[] stride() {
    return stride.clone();
  }

  /** The size of dimension {@code d} (negative counts from the end). */
  public long size(int d) {
    return shape[wrapDim(d, shape.length)];
  }

  /** The stride of dimension {@code d} in elements (negative counts from the end). */
  public long stride(int d) {
    return stride[wrapDim(d, shape.length)];
  }

  /** The number of elements. */
  public long numel() {
    return numel(shape);
  }

  /** Where element [0, ..., 0] starts in the buffer, in bytes. */
  public int byteOffset() {
    return byteOffset;
  }

  /**
   * The native address of element [0, ..., 0], for native calls (oneDNN, compiled kernels): one
   * native look-up per tensor, inherited by the views taken from it once it was found.
   *
   * @throws IllegalStateException if the tensor is not in direct (off-heap) memory
   */
  public long address() {
    long b = base;
    if (b == 0) {
      if (!data.isDirect()) {
        throw new IllegalStateException("tensor " + this + " is not in direct memory");
      }
      b = addressOf(data);
      base = b; // racing threads find the same value
    }
    return b + byteOffset;
  }

  /** The native address of a direct buffer's first byte (its position aside): a native call. */
  public static long addressOf(ByteBuffer direct) {
    return Pointer.nativeValue(Native.getDirectBufferPointer(direct));
  }

  /**
   * Replaces every subnormal float32 element (magnitude below 2^-126, not zero) by a zero of the
   * same sign, in place, and returns how many there were; other dtypes are left alone. Weights
   * trained with weight decay carry such values, and on x86 every multiply that reads one takes
   * a microcode assist: with digits-mlp's 1,207 in place, {@code run --profile} timed its three
   * matrix products at 1.41 ms per [64, 64] request, and at 0.14 ms once they were zero. Each
   * contributes less than 2^-126 times an activation to a sum, far below float32's resolution
   * of that sum. Requires a contiguous tensor.
   */
  public long flushSubnormals() {
    if (dtype != DType.FLOAT32) {
      return 0;
    }
    if (!isContiguous()) {
      throw new IllegalStateException("flushSubnormals needs a contiguous tensor, got " + this);
    }
    long flushed = 0;
    // by byte position: a tensor inside a safetensors file need not start on a 4-byte boundary
    for (long i = 0, n = numel(); i < n; i++) {
      int at = byteOffset() + (int) (4 * i);
      float v = data.getFloat(at);
      if (v != 0f && Math.abs(v) < Float.MIN_NORMAL) {
        data.putFloat(at, Math.copySign(0f, v));
        flushed++;
      }
    }
    return flushed;
  }

  /** Whether the elements lie row-major with no gaps (size-1 dimensions may have any stride). */
  public boolean isContiguous() {
    long expected = 1;
    for (int d = shape.length - 1; d >= 0; d--) {
      if (shape[d] != 1 && stride[d] != expected) {
        return false;
      }
      expected *= shape[d];
    }
    return true;
  }

  // ---------------------------------------------------------------------------------------------
  // views

  /** The view with dimensions reordered: result dim i is this tensor's dim {@code order[i]}. */
  public Tensor permute(int... order) {
    if (order.length != shape.length) {
      throw new IllegalArgumentException("permute " + Arrays.toString(order) + " of rank "
          + shape.length);
    }
    long[] sh = new long[order.length];
    long[] st = new long[order.length];
    boolean[] seen = new boolean[order.length];
    for (int i = 0; i < order.length; i++) {
      int d = wrapDim(order[i], shape.length);
      if (seen[d]) {
        throw new IllegalArgumentException("repeated dim in permute " + Arrays.toString(order));
      }
      seen[d] = true;
      sh[i] = shape[d];
      st[i] = stride[d];
    }
    return derive(byteOffset, sh, st);
  }

  /** The view with dimensions {@code a} and {@code b} swapped. */
  public Tensor transpose(int a, int b) {
    int[] order = new int[shape.length];
    for (int i = 0; i < order.length; i++) {
      order[i] = i;
    }
    int x = wrapDim(a, shape.length);
    int y = wrapDim(b, shape.length);
    order[x] = y;
    order[y] = x;
    return permute(order);
  }

  /** The view of {@code length} indices of dimension {@code d} from {@code start}. */
  public Tensor narrow(int d, long start, long length) {
    int k = wrapDim(d, shape.length);
    if (start < 0 || length < 0 || start + length > shape[k]) {
      throw new IllegalArgumentException("narrow(" + d + ", " + start + ", " + length
          + ") of size " + shape[k]);
    }
    long[] sh = shape.clone();
    sh[k] = length;
    return derive(byteOffset + (int) (start * stride[k] * dtype.itemSize()), sh, stride.clone());
  }

  /** The view at {@code index} of dimension {@code d}, which is removed. */
  public Tensor select(int d, long index) {
    int k = wrapDim(d, shape.length);
    Tensor n = narrow(k, index, 1);
    return n.dropDim(k);
  }

  /** The view with a size-1 dimension inserted at {@code d}. */
  public Tensor unsqueeze(int d) {
    int k = wrapDim(d, shape.length + 1);
    long st = k < shape.length ? stride[k] * shape[k] : 1;
    return derive(byteOffset, Shapes.with(shape, k, 1), Shapes.with(stride, k, st));
  }

  /**
   * The view broadcast to {@code target} as {@code Tensor.expand} does: leading dimensions are
   * added and size-1 dimensions get stride 0.
   *
   * @throws IllegalArgumentException if this shape does not broadcast to {@code target}
   */
  public Tensor expand(long... target) {
    int lead = target.length - shape.length;
    long[] st = new long[target.length];
    boolean ok = lead >= 0;
    for (int i = 0; ok && i < shape.length; i++) {
      ok = shape[i] == target[lead + i] || shape[i] == 1;
      st[lead + i] = shape[i] == target[lead + i] ? stride[i] : 0;
    }
    if (!ok) {
      throw new IllegalArgumentException("shape " + Arrays.toString(shape)
          + " does not broadcast to " + Arrays.toString(target));
    }
    return derive(byteOffset, target.clone(), st);
  }

  /** The contiguous view with another shape of the same element count (requires contiguity). */
  public Tensor view(long... newShape) {
    if (!isContiguous() || numel(newShape) != numel()) {
      throw new IllegalArgumentException("cannot view " + this + " as "
          + Arrays.toString(newShape));
    }
    return derive(byteOffset, newShape.clone(), contiguousStrides(newShape));
  }

  /** A view over the same buffer with the given shape, strides and element offset from this one. */
  public Tensor asStrided(long[] newShape, long[] newStride, long elementOffset) {
    long off = byteOffset + elementOffset * dtype.itemSize();
    if (off < 0 || off > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("element offset " + elementOffset + " out of range");
    }
    return checked(data, floats, (int) off, dtype, newShape.clone(), newStride.clone(), base);
  }

  // ---------------------------------------------------------------------------------------------
  // element access (cold paths)

  /** The element at {@code index}, converted to double. */
  public double get(long... index) {
    return Rows.loadDouble(this, byteIndex(index));
  }

  /** The element at {@code index} as a long (floats truncate toward zero). */
  public long getLong(long... index) {
    return Rows.loadLong(this, byteIndex(index));
  }

  /** Stores {@code value} at {@code index}, converted to this dtype. */
  public void set(double value, long... index) {
    Rows.storeDouble(this, byteIndex(index), value);
  }

  /** Stores {@code value} in every element. */
  public void fill(double value) {
    Tensor[] none = {};
    Elementwise.map(this, none, (in, out, n) -> Arrays.fill(out, 0, n, value));
  }

  /** The elements in row-major order, as doubles. */
  public double[] toDoubleArray() {
    double[] out = new double[Math.toIntExact(numel())];
    new Block(this, 0).load(byteOffset, out);
    return out;
  }

  /** The elements in row-major order, as floats. */
  public float[] toFloatArray() {
    double[] d = toDoubleArray();
    float[] f = new float[d.length];
    for (int i = 0; i < d.length; i++) {
      f[i] = (float) d[i];
    }
    return f;
  }

  /** The elements in row-major order, as longs. */
  public long[] toLongArray() {
    long[] out = new long[Math.toIntExact(numel())];
    long[] idx = new long[shape.length];
    for (int i = 0; i < out.length; i++) {
      out[i] = getLong(idx);
      increment(idx);
    }
    return out;
  }

  /**
   * Writes the elements in row-major order into {@code dst} as little-endian bytes, from its
   * position on (advancing it). A contiguous tensor is one bulk copy between the buffers, where
   * going through {@link #toFloatArray} costs two conversions and two arrays per element: for
   * tiny-gpt's [8, 64, 256] logits, 0.29 ms of a request's 8 ms.
   */
  public void writeRowMajor(ByteBuffer dst) {
    long bytes = numel() * dtype.itemSize();
    if (isContiguous()) {
      ByteBuffer src = data.duplicate();
      src.limit(Math.toIntExact(byteOffset + bytes)).position(byteOffset);
      dst.put(src);
      return;
    }
    ByteBuffer out = dst.duplicate().order(ByteOrder.LITTLE_ENDIAN);
    switch (dtype) {
      case FLOAT32 -> out.asFloatBuffer().put(toFloatArray());
      case INT64 -> out.asLongBuffer().put(toLongArray());
      default -> throw new IllegalStateException("cannot write " + dtype + " element by element");
    }
    dst.position(Math.toIntExact(dst.position() + bytes));
  }

  @Override
  public String toString() {
    return "Tensor(" + dtype + ", " + Arrays.toString(shape) + ", stride "
        + Arrays.toString(stride) + ", byte offset " + byteOffset + ")";
  }

  // ---------------------------------------------------------------------------------------------
  // package-private access for kernels

  ByteBuffer data() {
    return data;
  }

  FloatBuffer floats() {
    return floats;
  }

  /** The internal sizes; callers must not modify them. */
  long[] shapeRef() {
    return shape;
  }

  /** The internal strides; callers must not modify them. */
  long[] strideRef() {
    return stride;
  }

  int byteIndex(long[] index) {
    if (index.length != shape.length) {
      throw new IllegalArgumentException("index of rank " + index.length + " into " + this);
    }
    long b = byteOffset;
    for (int d = 0; d < index.length; d++) {
      if (index[d] < 0 || index[d] >= shape[d]) {
        throw new IndexOutOfBoundsException("index " + Arrays.toString(index) + " into " + this);
      }
      b += index[d] * stride[d] * dtype.itemSize();
    }
    return (int) b;
  }

  static int wrapDim(long d, int rank) {
    return Shapes.wrapDim(d, rank);
  }

  // ---------------------------------------------------------------------------------------------

  private Tensor derive(int off, long[] sh, long[] st) {
    return new Tensor(data, floats, off, dtype, sh, st, base);
  }

  private Tensor dropDim(int k) {
    return derive(byteOffset, Shapes.without(shape, k), Shapes.without(stride, k));
  }

  private void increment(long[] idx) {
    for (int d = idx.length - 1; d >= 0; d--) {
      if (++idx[d] < shape[d]) {
        return;
      }
      idx[d] = 0;
    }
  }

  private static Tensor checked(ByteBuffer le, FloatBuffer fv, int off, DType dtype, long[] sh,
      long[] st, long base) {
    Shapes.checkView(le.capacity(), off, dtype, sh, st);
    return new Tensor(le, fv, off, dtype, sh, st, base);
  }

  private static void requireLength(int length, long numel) {
    if (length != numel) {
      throw new IllegalArgumentException(length + " values for " + numel + " elements");
    }
  }
}
