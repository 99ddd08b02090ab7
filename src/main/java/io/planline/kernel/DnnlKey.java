package io.planline.kernel;

import java.util.Arrays;

/**
 * What decides a oneDNN primitive (shapes, strides, geometry, flags) as one array of numbers,
 * compared by value: the key of {@link DnnlProducts}' and {@link DnnlConv}'s primitive caches.
 */
record DnnlKey(long[] values) {

  /** The parts one after another, each preceded by its length so that no two lists collide. */
  static DnnlKey of(long[]... parts) {
    int n = 0;
    for (long[] p : parts) {
      n += p.length + 1;
    }
    long[] v = new long[n];
    int at = 0;
    for (long[] p : parts) {
      v[at++] = p.length;
      System.arraycopy(p, 0, v, at, p.length);
      at += p.length;
    }
    return new DnnlKey(v);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof DnnlKey k && Arrays.equals(values, k.values);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(values);
  }

  @Override
  public String toString() {
    return Arrays.toString(values);
  }
}
