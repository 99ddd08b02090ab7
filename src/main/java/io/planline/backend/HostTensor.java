package io.planline.backend;

import static java.util.Objects.requireNonNull;

import io.planline.ir.DType;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * A dense, row-major tensor in host memory: what requests bring and responses return.
 *
 * @param name the input or output name
 * @param dtype element type
 * @param shape dimensions
 * @param data exactly {@code elements × itemSize} bytes, little-endian, position 0
 */
public record HostTensor(String name, DType dtype, long[] shape, ByteBuffer data) {

  public HostTensor {
    requireNonNull(name, "name");
    requireNonNull(dtype, "dtype");
    requireNonNull(shape, "shape");
    requireNonNull(data, "data");
    shape = shape.clone();
    long want = elements(shape) * dtype.itemSize();
    if (data.remaining() != want) {
      throw new IllegalArgumentException("tensor '" + name + "' of shape " + Arrays.toString(shape)
          + " and type " + dtype + " needs " + want + " bytes, got " + data.remaining());
    }
    data = data.slice().order(ByteOrder.LITTLE_ENDIAN);
  }

  /** The number of elements of {@code shape} (rejecting negative sizes and overflow). */
  public static long elements(long[] shape) {
    return io.planline.kernel.Tensor.numel(shape);
  }

  /** The number of elements. */
  public long elements() {
    return elements(shape);
  }

  /** A float32 tensor holding {@code values}. */
  public static HostTensor ofFloats(String name, long[] shape, float[] values) {
    ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    b.asFloatBuffer().put(values);
    return new HostTensor(name, DType.FLOAT32, shape, b);
  }

  /** An int64 tensor holding {@code values}. */
  public static HostTensor ofLongs(String name, long[] shape, long[] values) {
    ByteBuffer b = ByteBuffer.allocate(values.length * 8).order(ByteOrder.LITTLE_ENDIAN);
    b.asLongBuffer().put(values);
    return new HostTensor(name, DType.INT64, shape, b);
  }

  /**
   * Gives the memory behind a result back to the backend that lent it ({@link HostLeases}: large
   * CUDA results in pinned memory); nothing for tensors in ordinary memory. Call it once the data
   * has been written out; neither the tensor nor any view of its data may be read afterwards.
   */
  public void release() {
    HostLeases.release(this);
  }

  /** Releases every tensor of {@code tensors} ({@link #release()}). */
  public static void releaseAll(java.util.Collection<HostTensor> tensors) {
    tensors.forEach(HostTensor::release);
  }

  /** The values as floats (float32 tensors only). */
  public float[] floats() {
    if (dtype != DType.FLOAT32) {
      throw new IllegalStateException("tensor '" + name + "' is " + dtype + ", not float32");
    }
    float[] out = new float[(int) elements()];
    data.duplicate().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(out);
    return out;
  }

  /**
   * How far {@code actual} is from {@code expected}: the largest absolute difference over the
   * largest magnitude of {@code expected} (the tensor's scale). Element-by-element ratios are not
   * used because logits near zero make them meaningless for float32 results.
   *
   * <p>Requires: equal lengths.
   */
  public static double relativeError(float[] actual, float[] expected) {
    if (actual.length != expected.length) {
      throw new IllegalArgumentException("lengths differ: " + actual.length + " vs "
          + expected.length);
    }
    double worst = 0;
    double scale = 0;
    for (int i = 0; i < actual.length; i++) {
      worst = Math.max(worst, Math.abs((double) actual[i] - expected[i]));
      scale = Math.max(scale, Math.abs(expected[i]));
    }
    return scale == 0 ? worst : worst / scale;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof HostTensor t && name.equals(t.name) && dtype == t.dtype
        && Arrays.equals(shape, t.shape) && data.equals(t.data);
  }

  @Override
  public int hashCode() {
    return name.hashCode() * 31 + Arrays.hashCode(shape);
  }

  @Override
  public String toString() {
    return "HostTensor[" + name + ", " + dtype + ", " + Arrays.toString(shape) + "]";
  }
}
