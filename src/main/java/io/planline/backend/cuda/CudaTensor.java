package io.planline.backend.cuda;

import static java.util.Objects.requireNonNull;

import io.planline.backend.DeviceTensor;
import io.planline.ir.DType;
import java.util.Arrays;

/**
 * A strided view of device memory: the address of element 0, its type, shape and strides
 * (elements), and the buffer it lies in (for copies, which take JCuda pointers).
 */
final class CudaTensor implements DeviceTensor {

  private final CudaBuffer buffer;
  private final long byteOffset;
  private final DType dtype;
  private final long[] shape;
  private final long[] stride;

  CudaTensor(CudaBuffer buffer, long byteOffset, DType dtype, long[] shape, long[] stride) {
    this.buffer = requireNonNull(buffer, "buffer");
    this.dtype = requireNonNull(dtype, "dtype");
    if (shape.length != stride.length) {
      throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " and stride "
          + Arrays.toString(stride) + " differ in rank");
    }
    this.byteOffset = byteOffset;
    this.shape = shape.clone();
    this.stride = stride.clone();
    checkBounds();
  }

  /** Every element the view reaches must lie inside its buffer: a kernel cannot check. */
  private void checkBounds() {
    long lo = 0;
    long hi = 0;
    for (int d = 0; d < shape.length; d++) {
      if (shape[d] < 0) {
        throw new IllegalArgumentException("negative size in " + Arrays.toString(shape));
      }
      if (shape[d] == 0) {
        return; // an empty view reads nothing
      }
      long span = (shape[d] - 1) * stride[d];
      lo += Math.min(0, span);
      hi += Math.max(0, span);
    }
    long item = dtype.itemSize();
    if (byteOffset + lo * item < 0 || byteOffset + (hi + 1) * item > buffer.bytes()) {
      throw new IllegalArgumentException("view " + Arrays.toString(shape) + " strides "
          + Arrays.toString(stride) + " of " + dtype + " at byte " + byteOffset
          + " reaches outside its buffer of " + buffer.bytes() + " bytes");
    }
  }

  CudaBuffer buffer() {
    return buffer;
  }

  long byteOffset() {
    return byteOffset;
  }

  /** The device address of element 0. */
  long address() {
    return buffer.address() + byteOffset;
  }

  long[] shapeRef() {
    return shape;
  }

  long[] strideRef() {
    return stride;
  }

  int dim() {
    return shape.length;
  }

  long numel() {
    long n = 1;
    for (long s : shape) {
      n *= s;
    }
    return n;
  }

  @Override
  public DType dtype() {
    return dtype;
  }

  @Override
  public long[] shape() {
    return shape.clone();
  }

  @Override
  public long[] stride() {
    return stride.clone();
  }

  /** The same memory with another shape and strides, {@code elementOffset} further in. */
  CudaTensor restride(long[] newShape, long[] newStride, long elementOffset) {
    return new CudaTensor(buffer, byteOffset + elementOffset * dtype.itemSize(), dtype, newShape,
        newStride);
  }

  @Override
  public String toString() {
    return "CudaTensor[" + dtype + " " + Arrays.toString(shape) + " stride "
        + Arrays.toString(stride) + "]";
  }
}
