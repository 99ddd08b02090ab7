package io.planline.kernel;

import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Pointer;

/**
 * A JavaCPP pointer whose address is set from here (JavaCPP's field is protected and has no
 * setter), for handing native addresses to oneDNN ({@link Dnnl#at}) and OpenBLAS
 * ({@link GemvRows}) without allocating: a new {@code FloatPointer} over a buffer costs 0.4-0.8
 * µs, as much as a small product. A float pointer, since OpenBLAS's bindings take one; oneDNN's
 * take any pointer. Each user keeps its own per thread.
 */
final class AddressPointer extends FloatPointer {

  AddressPointer() {
    super((Pointer) null);
  }

  /** This pointer, now at {@code where}. */
  AddressPointer at(long where) {
    address = where;
    return this;
  }
}
