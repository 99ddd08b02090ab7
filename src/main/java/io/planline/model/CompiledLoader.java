package io.planline.model;

import io.planline.backend.Backend;
import io.planline.io.ProgramFormatException;
import io.planline.ir.Device;
import io.planline.kernel.KernelException;
import io.planline.kernel.CompiledKernels;
import io.planline.kernel.NativeKernels;
import io.planline.kernel.TritonKernel;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Loads a program's compiled kernels ({@code compiled} in {@code program.json}) after checking
 * what would otherwise fail late or badly: that the backend is the device they were compiled
 * for, that this processor has the instructions a CPU library was built for (running AVX2 code
 * without AVX2 kills the process with an illegal instruction), that each file is the one the
 * exporter wrote (its SHA-256), and that each GPU launch passes the parameters its binary
 * declares.
 */
final class CompiledLoader {

  private static final Logger LOG = LoggerFactory.getLogger(CompiledLoader.class);
  /** A per-thread array of a fixed size in Inductor's C++ ({@code tmp_acc0_arr[2]}). */
  private static final Pattern FIXED_PER_THREAD = Pattern.compile("\\w+_arr\\[(\\d+)\\]");

  private CompiledLoader() {}

  /** Loads the kernels {@code compiled} names, from the folder {@code dir} ("" or "x/"). */
  static CompiledKernels load(ModelLoader.Source source, String dir,
      ModelProgram.Compiled compiled, Backend backend) {
    if (compiled instanceof ModelProgram.CppLibrary cpp) {
      return loadCpp(source, dir, cpp, backend);
    }
    return loadTriton(source, dir, (ModelProgram.TritonBinaries) compiled, backend);
  }

  private static NativeKernels loadCpp(ModelLoader.Source source, String dir,
      ModelProgram.CppLibrary compiled, Backend backend) {
    if (backend.device() != Device.CPU) {
      throw new ProgramFormatException(source.describe(dir + "program.json"), "compiled",
          "the program runs Inductor's C++ kernels, which need backend cpu (this one is "
              + backend.device() + ")");
    }
    String missing = missingInstructions();
    if (missing != null) {
      throw new ProgramFormatException(source.describe(dir + compiled.builds().get(0).library()),
          "", "this processor cannot run the library (" + missing + "); export the model "
          + "without --compile inductor to run it on the Java kernels");
    }
    // missingInstructions read the flags, which are kept: no second read
    ModelProgram.CppBuild build = CpuIsa.choose(compiled.builds(), CpuIsa.cap(), CpuIsa.known());
    String file = dir + build.library();
    String where = source.describe(file);
    Path path = checked(source, file, build.sha256());
    ModelProgram.CppBuild.Serial serial = build.serial();
    Path serialPath = serial == null ? null : checked(source, dir + serial.library(),
        serial.sha256());
    int cap = compiled.source() == null ? Integer.MAX_VALUE
        : threadCap(source, dir + compiled.source());
    try {
      NativeKernels k = NativeKernels.load(path, serialPath, compiled.kernels(), cap);
      LOG.info("loaded {} compiled kernels (inductor-cpp, {}{}) from {}",
          compiled.kernels().size(), build.isa(), serial == null ? "" : ", serial build too",
          where);
      return k;
    } catch (KernelException e) {
      throw new ProgramFormatException(where, "", e.getMessage(), e);
    }
  }

  /** {@code file} on disk, its SHA-256 checked against {@code sha256}. */
  private static Path checked(ModelLoader.Source source, String file, String sha256) {
    String where = source.describe(file);
    try {
      Path path = source.path(file);
      checkDigest(where, Files.readAllBytes(path), sha256);
      return path;
    } catch (IOException e) {
      throw new ProgramFormatException(where, "", "cannot read: " + e.getMessage(), e);
    }
  }

  /**
   * The most OpenMP threads the kernels of {@code file} (their C++ source, generated with the
   * same settings as every build) can take. Exports before the exporter set Inductor's
   * {@code cpp.dynamic_threads} sized a whole-tensor reduction's per-thread partials by the
   * exporting machine's cores ({@code tmp_acc0_arr[2]}, indexed by the thread number): more
   * threads than that write past the array. Unlimited when it has no such array or is not there.
   */
  static int threadCap(ModelLoader.Source source, String file) {
    String text;
    try (InputStream in = source.open(file)) {
      text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      return Integer.MAX_VALUE;
    }
    int cap = threadCap(text);
    if (cap != Integer.MAX_VALUE) {
      LOG.warn("{}: its kernels were compiled for {} threads (per-thread arrays of that size), so"
          + " they run on at most {} here; export the model again to use every core",
          source.describe(file), cap, cap);
    }
    return cap;
  }

  /** The smallest per-thread array of a fixed size in {@code source}, or MAX_VALUE for none. */
  static int threadCap(String source) {
    int cap = Integer.MAX_VALUE;
    Matcher m = FIXED_PER_THREAD.matcher(source);
    while (m.find()) {
      cap = Math.min(cap, Math.max(1, Integer.parseInt(m.group(1))));
    }
    return cap;
  }

  /**
   * Reads every Triton binary, checks its digest and that each launch's parameters are the ones
   * the binary declares (a broken folder is reported as such on any machine), then loads them
   * on the backend, which must be a GPU.
   */
  private static CompiledKernels loadTriton(ModelLoader.Source source, String dir,
      ModelProgram.TritonBinaries compiled, Backend backend) {
    String program = source.describe(dir + "program.json");
    List<TritonKernel.Binary> binaries = new ArrayList<>();
    for (TritonKernel k : compiled.kernels().values()) {
      String where = source.describe(dir + k.cubinFile());
      try {
        byte[] cubin = read(source, dir + k.cubinFile());
        checkDigest(where, cubin, k.sha256());
        k.checkAgainstBinary(cubin);
        byte[] ptx = k.ptxFile() == null ? null : read(source, dir + k.ptxFile());
        binaries.add(new TritonKernel.Binary(k, cubin, ptx));
      } catch (IOException e) {
        throw new ProgramFormatException(where, "", "cannot read: " + e.getMessage(), e);
      } catch (IllegalArgumentException e) {
        throw new ProgramFormatException(where, "", e.getMessage(), e);
      }
    }
    if (backend.device().type().equals(Device.CPU.type())) {
      throw new ProgramFormatException(program, "compiled", "the program runs Inductor's "
          + "Triton kernels (compiled for " + compiled.capability() + "), which need backend "
          + "cuda (this one is " + backend.device() + ")");
    }
    CompiledKernels loaded = backend.loadTriton(binaries);
    LOG.info("loaded {} Triton kernels (compiled for {}) from {}", binaries.size(),
        compiled.capability(), program);
    return loaded;
  }

  private static byte[] read(ModelLoader.Source source, String file) throws IOException {
    try (InputStream in = source.open(file)) {
      return in.readAllBytes();
    }
  }

  private static void checkDigest(String where, byte[] bytes, String expected) {
    String digest = sha256(bytes);
    if (!digest.equalsIgnoreCase(expected)) {
      throw new ProgramFormatException(where, "", "SHA-256 is " + digest + " but program.json "
          + "says " + expected + ": not the file the exporter wrote");
    }
  }

  /** What this machine lacks for an x86-64-v3 (AVX2) library, or null when it has it all. */
  static String missingInstructions() {
    try {
      return CpuIsa.missing(ModelProgram.CppBuild.AVX2, CpuIsa.flags());
    } catch (IOException e) {
      return "cannot read the processor's flags: " + e.getMessage();
    }
  }

  private static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is always available", e);
    }
  }
}
