package io.planline.exec.batch;

import io.planline.backend.HostLeases;
import io.planline.backend.HostTensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Concatenates requests' tensors along the batch dimension and splits a batch's outputs back.
 * Row-major tensors of shape {@code [outer..., rows, inner...]} are, per outer index, one run of
 * {@code rows × inner} elements, so both directions are block copies; along dimension 0 (one
 * outer index) a split is a slice of the batch's bytes, no copy.
 */
public final class BatchTensors {

  private BatchTensors() {}

  /**
   * Each input of the batch: the requests' tensors of that input concatenated along {@code dim}.
   *
   * <p>Requires: every request has the same inputs, equal in every dimension but {@code dim}.
   */
  public static List<HostTensor> concat(List<List<HostTensor>> requests, int dim) {
    List<HostTensor> first = requests.get(0);
    List<HostTensor> out = new ArrayList<>(first.size());
    for (int i = 0; i < first.size(); i++) {
      List<HostTensor> parts = new ArrayList<>(requests.size());
      for (List<HostTensor> r : requests) {
        parts.add(r.get(i));
      }
      out.add(concatOne(parts, dim));
    }
    return out;
  }

  private static HostTensor concatOne(List<HostTensor> parts, int dim) {
    HostTensor first = parts.get(0);
    if (parts.size() == 1) {
      return first;
    }
    long[] shape = first.shape().clone();
    long rows = 0;
    for (HostTensor t : parts) {
      if (!sameBut(t.shape(), shape, dim) || t.dtype() != first.dtype()) {
        throw new IllegalArgumentException("input '" + first.name() + "': "
            + Arrays.toString(t.shape()) + " " + t.dtype() + " does not batch with "
            + Arrays.toString(shape) + " " + first.dtype() + " along dimension " + dim);
      }
      rows += t.shape()[dim];
    }
    shape[dim] = rows;
    long outer = product(shape, 0, dim);
    long rowBytes = product(shape, dim + 1, shape.length) * first.dtype().itemSize();
    ByteBuffer data = ByteBuffer.allocate(Math.toIntExact(HostTensor.elements(shape)
        * first.dtype().itemSize())).order(ByteOrder.LITTLE_ENDIAN);
    for (long o = 0; o < outer; o++) {
      for (HostTensor t : parts) {
        int run = Math.toIntExact(t.shape()[dim] * rowBytes);
        data.put(t.data().slice(Math.toIntExact(o * run), run));
      }
    }
    return new HostTensor(first.name(), first.dtype(), shape, data.flip());
  }

  /**
   * The batch's outputs cut back into each request's, in request order: request {@code j}
   * takes {@code rows[j]} entries of dimension {@code dim} of every output. (Model warm-ups cut
   * a sample's first row from its inputs the same way.)
   *
   * @throws IllegalStateException when an output's batch dimension does not hold the batch's
   *     rows (the model's {@code batch_dim} is wrong for its outputs)
   */
  public static List<List<HostTensor>> split(List<HostTensor> outputs, long[] rows, int dim) {
    long total = Arrays.stream(rows).sum();
    List<List<HostTensor>> out = new ArrayList<>(rows.length);
    for (int j = 0; j < rows.length; j++) {
      out.add(new ArrayList<>(outputs.size()));
    }
    for (HostTensor t : outputs) {
      if (t.shape().length <= dim || t.shape()[dim] != total) {
        throw new IllegalStateException("output '" + t.name() + "' has shape "
            + Arrays.toString(t.shape()) + ", whose dimension " + dim + " is not the batch's "
            + total + " rows: the model's batch_dim does not hold for its outputs");
      }
      long outer = product(t.shape(), 0, dim);
      long rowBytes = product(t.shape(), dim + 1, t.shape().length) * t.dtype().itemSize();
      long before = 0;
      List<HostTensor> parts = new ArrayList<>(rows.length);
      for (int j = 0; j < rows.length; j++) {
        long[] shape = t.shape().clone();
        shape[dim] = rows[j];
        int run = Math.toIntExact(rows[j] * rowBytes);
        ByteBuffer part;
        if (outer == 1) {
          part = t.data().slice(Math.toIntExact(before * rowBytes), run);
        } else {
          part = ByteBuffer.allocate(Math.toIntExact(outer * run));
          for (long o = 0; o < outer; o++) {
            part.put(t.data().slice(Math.toIntExact((o * total + before) * rowBytes), run));
          }
          part.flip();
        }
        HostTensor mine = new HostTensor(t.name(), t.dtype(), shape, part);
        out.get(j).add(mine);
        parts.add(mine);
        before += rows[j];
      }
      if (outer == 1) {
        // the parts are views of the batch's output: each request releases its own
        HostLeases.divide(t, parts);
      } else {
        t.release();
      }
    }
    return out;
  }

  /** Rows of {@code t} along {@code dim}: its entries of the batch dimension. */
  static long rows(List<HostTensor> inputs, int dim) {
    return inputs.get(0).shape()[dim];
  }

  /** A key equal for inputs that may share a batch: every shape with {@code dim} blanked. */
  static String laneKey(List<HostTensor> inputs, int dim) {
    StringBuilder key = new StringBuilder();
    for (HostTensor t : inputs) {
      long[] shape = t.shape().clone();
      shape[dim] = -1;
      key.append(t.name()).append(Arrays.toString(shape)).append(t.dtype()).append(';');
    }
    return key.toString();
  }

  private static boolean sameBut(long[] a, long[] b, int dim) {
    if (a.length != b.length) {
      return false;
    }
    for (int d = 0; d < a.length; d++) {
      if (d != dim && a[d] != b[d]) {
        return false;
      }
    }
    return true;
  }

  private static long product(long[] shape, int from, int to) {
    long p = 1;
    for (int d = from; d < to; d++) {
      p = Math.multiplyExact(p, shape[d]);
    }
    return p;
  }
}
