package io.planline.backend.cuda;

import io.planline.backend.Backend.PreparedLaunch;
import io.planline.backend.DeviceTensor;
import io.planline.ir.WrapperLine.KernelCallLine;
import io.planline.kernel.CompiledKernels;
import io.planline.kernel.NativeKernels;
import io.planline.kernel.TritonKernel;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import jcuda.driver.CUfunction_attribute;
import jcuda.driver.CUmodule;
import jcuda.driver.CUresult;
import jcuda.driver.JCudaDriver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A model's Triton kernels on the GPU: each binary loaded once ({@code cuModuleLoadData}; its
 * PTX when the card cannot run the binary), launched with {@code cuLaunchKernel} on the stream
 * the request runs on, so the executor's in-flight window holds for them as for every launch.
 */
final class TritonModules implements CompiledKernels {

  private static final Logger LOG = LoggerFactory.getLogger(TritonModules.class);
  /** Dynamic shared memory above this needs the kernel's opt-in attribute. */
  private static final int DEFAULT_SHARED_LIMIT = 48 * 1024;
  private static final int WARP = 32;

  private record Loaded(TritonKernel kernel, DirectDriver.Function function) {}

  private final Map<String, Loaded> kernels = new HashMap<>();
  private final List<CUmodule> modules = new ArrayList<>();

  /** Loads every binary into the current context. */
  TritonModules(List<TritonKernel.Binary> binaries) {
    try {
      for (TritonKernel.Binary b : binaries) {
        TritonKernel k = b.kernel();
        CUmodule module = new CUmodule();
        int status = JCudaDriver.cuModuleLoadData(module, b.cubin());
        if (status != CUresult.CUDA_SUCCESS && b.ptx() != null) {
          // another architecture than the exporting card's: the driver compiles the PTX
          LOG.info("{}: binary not loadable here ({}), compiling its PTX", k.name(),
              CUresult.stringFor(status));
          byte[] ptx = java.util.Arrays.copyOf(b.ptx(), b.ptx().length + 1);
          status = JCudaDriver.cuModuleLoadData(module, ptx);
        }
        CudaException.check("cuModuleLoadData(" + k.name() + ")", status);
        modules.add(module);
        DirectDriver.Function fn = new DirectDriver.Function();
        CudaException.check("cuModuleGetFunction(" + k.entry() + ")",
            JCudaDriver.cuModuleGetFunction(fn, module, k.entry()));
        if (k.sharedBytes() > DEFAULT_SHARED_LIMIT) {
          CudaException.check("cuFuncSetAttribute(" + k.name() + ", " + k.sharedBytes()
              + " bytes of shared memory)", JCudaDriver.cuFuncSetAttribute(fn,
              CUfunction_attribute.CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES,
              k.sharedBytes()));
        }
        kernels.put(k.name(), new Loaded(k, fn));
      }
    } catch (RuntimeException e) {
      close();
      throw e;
    }
  }

  @Override
  public boolean has(String name) {
    return kernels.containsKey(name);
  }

  @Override
  public String describe() {
    return kernels.size() + " Triton kernels";
  }

  /**
   * Binds a call: sizes and scalars once, here; tensors per request, when it runs.
   *
   * @throws IllegalArgumentException naming the kernel when the call does not fit it
   */
  PreparedLaunch prepare(KernelCallLine call) {
    Loaded l = kernels.get(call.kernelName());
    if (l == null) {
      throw new IllegalArgumentException(call.kernelName() + " is not a Triton kernel of this "
          + "model");
    }
    TritonKernel k = l.kernel();
    List<String> args = call.callArgs();
    if (args.size() != k.args().size()) {
      throw new IllegalArgumentException(k.name() + " takes " + k.args() + ", the call passes "
          + args);
    }
    long[] grid = k.gridFor(args);
    if (grid[0] > Integer.MAX_VALUE || grid[1] > 65_535 || grid[2] > 65_535) {
      throw new IllegalArgumentException(k.name() + ": grid " + java.util.Arrays.toString(grid)
          + " is beyond the device's limits");
    }
    int n = k.launched().size();
    int slots = n + k.scratchPointers();
    if (slots > DirectDriver.MAX_PARAMS) {
      throw new IllegalArgumentException(k.name() + " takes " + slots + " parameters, more than "
          + DirectDriver.MAX_PARAMS);
    }
    // per parameter: the tensor it takes (resolved per request), or its fixed value's bits
    String[] tensors = new String[n];
    NativeKernels.Param[] kinds = new NativeKernels.Param[n];
    long[] bits = new long[n];
    for (int j = 0; j < n; j++) {
      int i = k.launched().get(j);
      String a = args.get(i);
      kinds[j] = k.argKinds().get(i);
      switch (kinds[j]) {
        case PTR -> tensors[j] = a;
        case I64, I32 -> bits[j] = k.integer(i, a);
        case F64 -> bits[j] = Double.doubleToRawLongBits(Double.parseDouble(a));
        case F32 -> bits[j] = Float.floatToRawIntBits(Float.parseFloat(a));
      }
      if (kinds[j] == NativeKernels.Param.I32) {
        bits[j] = Math.toIntExact(bits[j]);
      }
    }
    int gx = (int) grid[0];
    int gy = (int) grid[1];
    int gz = (int) grid[2];
    int threads = k.numWarps() * WARP;
    long fn = l.function().address();
    return new PreparedLaunch() {
      @Override
      public void run(Function<String, DeviceTensor> resolve) {
        CudaStream s = CudaStream.current();
        if (s == null) {
          throw new IllegalStateException(k.name() + " launched outside a CUDA stream thread");
        }
        if (gx == 0 || gy == 0 || gz == 0) {
          return; // nothing to compute (an empty tensor)
        }
        DirectDriver.Params p = DirectDriver.params();
        for (int j = 0; j < n; j++) {
          switch (kinds[j]) {
            case PTR -> p.putLong(j, ((CudaTensor) resolve.apply(tensors[j])).address());
            case I32, F32 -> p.putInt(j, (int) bits[j]);
            case I64, F64 -> p.putLong(j, bits[j]);
          }
        }
        for (int j = n; j < slots; j++) {
          p.putLong(j, 0); // no scratch memory: a null pointer
        }
        CudaException.check("cuLaunchKernel(" + k.name() + ")",
            p.launch(fn, gx, gy, gz, threads, k.sharedBytes(), s.address()));
      }
    };
  }

  /** Unloads the modules (the context must be current). */
  void close() {
    for (CUmodule m : modules) {
      CudaException.warnIfFailed("cuModuleUnload", JCudaDriver.cuModuleUnload(m));
    }
    modules.clear();
  }
}
