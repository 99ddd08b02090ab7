package io.planline.kernel;

import com.sun.jna.Function;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Pointer;
import org.jspecify.annotations.Nullable;

/**
 * One build's entry point for a compiled kernel, and how it is called. Where the library has
 * it, the entry point is the exporter's guarded one ({@code NAME__guarded},
 * tools/planline_inductor.py): the kernel inside a C++ try block, returning null or the message
 * of what the kernel threw. Inductor's kernels throw on an integer division by zero and on an
 * index out of range ({@code TORCH_CHECK}), and an exception thrown out of a kernel into the Java
 * process that called it ends that process (std::terminate). Libraries exported before the guard
 * have only the kernel itself.
 *
 * <p>A kernel that divides integers reports a zero divisor through Inductor's one flag per
 * library, which every kernel points at its own counter while it runs; beside another kernel its
 * error could be reported as the other's, or lost. The exporter marks such a kernel ({@code
 * NAME__exclusive}) and it runs with no other native call at once ({@link NativeCompute}).
 *
 * <p>A kernel that checks indices inside its loops ({@code TORCH_CHECK} on an index it reads
 * from a tensor) throws from inside its OpenMP parallel region when a check fails, and the OpenMP
 * runtime ends the process there, before any guard. The exporter marks such a kernel ({@code
 * NAME__index_checks}) and it runs on the build without OpenMP, where the guard catches the
 * throw ({@link NativeKernels}).
 *
 * @param function the entry point
 * @param guarded whether it is the guarded one
 * @param exclusive whether the kernel must run alone
 * @param indexChecks whether the kernel checks indices inside its parallel loops
 */
record KernelEntry(Function function, boolean guarded, boolean exclusive, boolean indexChecks) {

  /** The suffix of a kernel's guarded entry point. */
  static final String GUARDED = "__guarded";
  /** The suffix of the marker of a kernel that must run alone. */
  static final String EXCLUSIVE = "__exclusive";
  /** The suffix of the marker of a kernel that checks indices inside its loops. */
  static final String INDEX_CHECKS = "__index_checks";

  /** Kernel {@code name}'s entry point in {@code lib}, guarded where it has one; null if none. */
  static @Nullable KernelEntry find(NativeLibrary lib, String name) {
    boolean exclusive = symbol(lib, name + EXCLUSIVE) != null;
    boolean indexChecks = symbol(lib, name + INDEX_CHECKS) != null;
    Function guarded = symbol(lib, name + GUARDED);
    if (guarded != null) {
      return new KernelEntry(guarded, true, exclusive, indexChecks);
    }
    // exported before kernels had guards: the kernel itself
    Function plain = symbol(lib, name);
    return plain == null ? null : new KernelEntry(plain, false, exclusive, indexChecks);
  }

  /** {@code symbol} in {@code lib} (a function, or the marker's constant), or null. */
  private static @Nullable Function symbol(NativeLibrary lib, String symbol) {
    try {
      return lib.getFunction(symbol);
    } catch (UnsatisfiedLinkError e) {
      return null;
    }
  }

  /**
   * Calls the kernel with {@code words} (the scalars of {@code fixed} and, at {@code slots}, the
   * tensors' addresses), through planline's call helper where {@code direct}; returns the
   * message of what a guarded kernel threw, else null.
   */
  @Nullable String call(boolean direct, long[] words, Object[] fixed, int[] slots) {
    long thrown = 0;
    if (direct && guarded) {
      thrown = DirectCalls.callForValue(Pointer.nativeValue(function), words);
    } else if (direct) {
      DirectCalls.call(Pointer.nativeValue(function), words);
    } else {
      Object[] call = fixed.clone();
      for (int slot : slots) {
        call[slot] = words[slot];
      }
      if (guarded) {
        thrown = Pointer.nativeValue(function.invokePointer(call));
      } else {
        function.invokeVoid(call);
      }
    }
    // the message lives in the kernel library's buffer for this thread until its next failure
    return thrown == 0 ? null : new Pointer(thrown).getString(0, "UTF-8");
  }
}
