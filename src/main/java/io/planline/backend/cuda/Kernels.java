package io.planline.backend.cuda;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import jcuda.driver.CUmodule;
import jcuda.driver.CUresult;
import jcuda.driver.JCudaDriver;
import org.jspecify.annotations.Nullable;

/**
 * The PTX modules built from {@code src/main/cuda} (resources {@code /cuda/NAME.ptx}), loaded
 * with {@code cuModuleLoadData} so the driver compiles them for the card, and their kernels
 * resolved once. Launches take one packed parameter block ({@link Params}).
 */
final class Kernels implements CudaOps.Launcher {

  /** The modules, one per {@code .cu} file. */
  static final List<String> MODULES = List.of("elementwise", "gemm", "rows", "index");

  /** Every kernel entry point the launchers use. */
  static final List<String> FUNCTIONS = List.of("pl_map", "pl_gemm128", "pl_gemm64", "pl_gemm32",
      "pl_gemm_tc", "pl_gemm32x128", "pl_gemm128x32", "pl_rows", "pl_batch_norm", "pl_embedding",
      "pl_index_select", "pl_pool2d");

  private final Map<String, DirectDriver.Function> functions = new HashMap<>();

  /** Loads every module into the current context. */
  Kernels() {
    List<CUmodule> modules = new ArrayList<>();
    for (String m : MODULES) {
      byte[] ptx = read(m);
      // the driver reads a C string: terminate it
      byte[] terminated = java.util.Arrays.copyOf(ptx, ptx.length + 1);
      CUmodule module = new CUmodule();
      CudaException.check("cuModuleLoadData(" + m + ".ptx)",
          JCudaDriver.cuModuleLoadData(module, terminated));
      modules.add(module);
    }
    for (String f : FUNCTIONS) {
      for (CUmodule module : modules) {
        DirectDriver.Function fn = new DirectDriver.Function();
        int status = JCudaDriver.cuModuleGetFunction(fn, module, f);
        if (status == CUresult.CUDA_SUCCESS) {
          functions.put(f, fn);
          break;
        }
        if (status != CUresult.CUDA_ERROR_NOT_FOUND) {
          CudaException.check("cuModuleGetFunction(" + f + ")", status);
        }
      }
      if (!functions.containsKey(f)) {
        throw new CudaException("kernel " + f + " is in none of the PTX modules " + MODULES);
      }
    }
  }

  /** The PTX modules missing from the classpath (a build without nvcc), or an empty list. */
  static List<String> missingModules() {
    List<String> missing = new ArrayList<>();
    for (String m : MODULES) {
      if (Kernels.class.getResource("/cuda/" + m + ".ptx") == null) {
        missing.add(m + ".ptx");
      }
    }
    return missing;
  }

  private static byte[] read(String module) {
    try (@Nullable InputStream in = Kernels.class.getResourceAsStream("/cuda/" + module + ".ptx")) {
      if (in == null) {
        throw new CudaException("PTX module /cuda/" + module + ".ptx is not in this build (nvcc "
            + "was not found when it was built)");
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new CudaException("cannot read /cuda/" + module + ".ptx: " + e.getMessage());
    }
  }

  /**
   * Enqueues {@code function} on {@code stream} over a grid of {@code gx * gy * gz} blocks of
   * {@code threads}, with {@code params} as its single by-value argument.
   */
  @Override
  public void launch(@Nullable CudaStream stream, String function, long gx, long gy, long gz,
      int threads, byte[] params) {
    if (stream == null) {
      throw new IllegalStateException(function + " launched outside a CUDA stream thread");
    }
    DirectDriver.Function fn = functions.get(function);
    if (fn == null) {
      throw new IllegalStateException("unknown kernel " + function);
    }
    if (gx < 1 || gy < 1 || gz < 1 || gx > Integer.MAX_VALUE || gy > 65_535 || gz > 65_535) {
      throw new IllegalArgumentException(function + ": grid " + gx + " x " + gy + " x " + gz
          + " is outside the device's limits");
    }
    DirectDriver.Params p = DirectDriver.params();
    p.putStruct(params);
    CudaException.check("cuLaunchKernel(" + function + ")", p.launch(fn.address(), (int) gx,
        (int) gy, (int) gz, threads, 0, stream.address()));
  }
}
