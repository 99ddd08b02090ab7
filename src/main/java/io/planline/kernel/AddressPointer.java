package io.planline.kernel;

import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Pointer;

/**
 * A JavaCPP pointer whose address is set from here (JavaCPP's field is protected and has no
 * setter), for handing native addresses to oneDNN ({@link Dnnl#at}) and OpenBLAS
 * ({@link GemvRows}) without allocating a pointer object per operand and call
 * ({@code NativeCallBench}: a new JavaCPP pointer over a buffer 110-120 ns, setting this one's
 * address 30, its timer's cost included). A float pointer, since OpenBLAS's bindings take one;
 * oneDNN's take any pointer. Each user keeps its own per thread.
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
