package io.planline.backend.cuda;

import io.planline.backend.Backend.PreparedLaunch;
import io.planline.backend.DeviceTensor;
import io.planline.ir.WrapperLine.KernelCallLine;
import io.planline.kernel.KernelException;
import io.planline.kernel.KernelLibrary;
import java.util.Collections;
import java.util.List;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * The operators the CUDA backend launches, by ATen overload name (the CPU library's names and
 * semantics). A call is checked against the operator's schema by the CPU kernel library (one
 * parser and one set of messages for both backends), then bound to a launcher once; the launcher
 * resolves tensors and enqueues kernels per request, on the calling stream's thread.
 */
final class CudaOps {

  /** Enqueues one call's kernels. */
  @FunctionalInterface
  interface Launch {
    void run(Invocation inv);
  }

  /** Where launches go: the driver, or a recorder in tests. */
  @FunctionalInterface
  interface Launcher {
    /** Enqueues {@code function} on {@code stream} with one packed parameter block. */
    void launch(@Nullable CudaStream stream, String function, long gx, long gy, long gz,
        int threads, byte[] params);
  }

  /** Reads a call's constants once and returns its launcher. */
  @FunctionalInterface
  interface Binder {
    Launch bind(Args args);
  }

  private final SortedMap<String, Binder> ops = new TreeMap<>();
  private final @Nullable Cublas cublas;
  private final @Nullable Cudnn cudnn;

  private CudaOps(@Nullable Cublas cublas, @Nullable Cudnn cudnn) {
    this.cublas = cublas;
    this.cudnn = cudnn;
  }

  /** Every CUDA operator family, products on planline's own kernels. */
  static CudaOps all() {
    return all(null, null);
  }

  /**
   * Every CUDA operator family; products on {@code cublas} and convolutions on {@code cudnn}
   * where they are given.
   */
  static CudaOps all(@Nullable Cublas cublas, @Nullable Cudnn cudnn) {
    CudaOps t = new CudaOps(cublas, cudnn);
    ElementwiseLaunches.register(t);
    RowLaunches.register(t);
    MatmulLaunches.register(t);
    IndexLaunches.register(t);
    return t;
  }

  void add(String name, Binder binder) {
    if (ops.put(name, binder) != null) {
      throw new IllegalStateException("operator registered twice: " + name);
    }
  }

  boolean supports(String name) {
    return ops.containsKey(name);
  }

  SortedSet<String> operators() {
    return Collections.unmodifiableSortedSet(new TreeSet<>(ops.keySet()));
  }

  /**
   * Binds {@code call} to its launcher.
   *
   * @throws IllegalArgumentException naming the operator when it has no CUDA kernel or its
   *     arguments do not fit
   */
  PreparedLaunch prepare(KernelCallLine call, Launcher kernels) {
    String name = call.kernelName();
    @Nullable Binder binder = ops.get(name);
    if (binder == null) {
      throw new IllegalArgumentException("the CUDA backend has no kernel for " + name);
    }
    try {
      // schema check, argument kinds, output count: the CPU library's parser is the reference
      KernelLibrary.cpu().prepare(name, call.callArgs(), call.outputs());
    } catch (KernelException e) {
      throw new IllegalArgumentException(e.getMessage(), e);
    }
    Launch launch = binder.bind(new Args(name, call.callArgs()));
    List<String> outputs = call.outputs();
    return tensors -> {
      CudaStream stream = CudaStream.current();
      if (stream == null && kernels instanceof Kernels) {
        throw new IllegalStateException(name + " launched outside a CUDA stream thread");
      }
      try {
        launch.run(new Invocation(name, tensors, outputs, kernels, stream, cublas,
            cudnn));
      } catch (CudaException e) {
        throw e;
      } catch (RuntimeException e) {
        throw new IllegalArgumentException(name + ": " + e.getMessage() + " (outputs " + outputs
            + ")", e);
      }
    };
  }

  /** One run of a bound call: its tensors, its stream and the kernels. */
  static final class Invocation {
    private final String op;
    private final Function<String, DeviceTensor> tensors;
    private final List<String> outputs;
    private final Launcher kernels;
    private final @Nullable CudaStream stream;
    private final @Nullable Cublas cublas;
    private final @Nullable Cudnn cudnn;

    Invocation(String op, Function<String, DeviceTensor> tensors, List<String> outputs,
        Launcher kernels, @Nullable CudaStream stream, @Nullable Cublas cublas,
        @Nullable Cudnn cudnn) {
      this.op = op;
      this.tensors = tensors;
      this.outputs = outputs;
      this.kernels = kernels;
      this.stream = stream;
      this.cublas = cublas;
      this.cudnn = cudnn;
    }

    /** The stream the call runs on (null in host-only tests). */
    @Nullable CudaStream stream() {
      return stream;
    }

    /** cuBLAS for products, or null to use planline's kernels. */
    @Nullable Cublas cublas() {
      return cublas;
    }

    /** cuDNN for convolutions, or null to use planline's kernels. */
    @Nullable Cudnn cudnn() {
      return cudnn;
    }

    String op() {
      return op;
    }

    CudaTensor in(String name) {
      DeviceTensor t = tensors.apply(name);
      if (!(t instanceof CudaTensor c)) {
        throw new IllegalArgumentException("tensor '" + name + "' is "
            + (t == null ? "not bound" : "not on the CUDA device"));
      }
      return c;
    }

    @Nullable CudaTensor opt(@Nullable String name) {
      return name == null ? null : in(name);
    }

    CudaTensor out(int i) {
      return in(outputs.get(i));
    }

    /** The stream's error word, for kernels that check indices. */
    long errorWord() {
      return stream == null ? 0 : stream.errors().deviceAddress();
    }

    /** Launches {@code function} over {@code n} elements, one thread each (grid-stride). */
    void launchFlat(String function, long n, Params p) {
      if (n <= 0) {
        return;
      }
      long blocks = Math.min((n + 255) / 256, 65_535L * 8);
      kernels.launch(stream, function, blocks, 1, 1, 256, p.bytes());
    }

    /** Launches {@code function} on a grid of {@code gx * gy * gz} blocks of {@code threads}. */
    void launch(String function, long gx, long gy, long gz, int threads, Params p) {
      kernels.launch(stream, function, gx, gy, gz, threads, p.bytes());
    }
  }
}
