package io.planline.model;

import io.planline.backend.Backend;
import io.planline.io.ProgramFormatException;
import io.planline.ir.Device;
import io.planline.kernel.KernelException;
import io.planline.kernel.NativeKernels;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Loads a program's compiled kernel library ({@code compiled} in {@code program.json}) after
 * checking what would otherwise fail late or badly: that the backend is the CPU, that this
 * processor has the instructions the library was built for (running AVX2 code without AVX2
 * kills the process with an illegal instruction), and that the file is the one the exporter
 * wrote (its SHA-256).
 */
final class CompiledLoader {

  private static final Logger LOG = LoggerFactory.getLogger(CompiledLoader.class);

  private CompiledLoader() {}

  /** Loads the library {@code compiled} names, in the folder {@code dir} ("" or "x/"). */
  static NativeKernels load(ModelLoader.Source source, String dir, ModelProgram.Compiled compiled,
      Backend backend) {
    String file = dir + compiled.library();
    String where = source.describe(file);
    if (backend.device() != Device.CPU) {
      throw new ProgramFormatException(source.describe(dir + "program.json"), "compiled",
          "the program runs Inductor's C++ kernels, which need backend cpu (this one is "
              + backend.device() + ")");
    }
    String missing = missingInstructions();
    if (missing != null) {
      throw new ProgramFormatException(where, "", "this processor cannot run the library ("
          + missing + "); export the model without --compile inductor to run it on the Java "
          + "kernels");
    }
    Path path;
    try {
      path = source.path(file);
      String digest = sha256(path);
      if (!digest.equalsIgnoreCase(compiled.sha256())) {
        throw new ProgramFormatException(where, "", "SHA-256 is " + digest + " but program.json "
            + "says " + compiled.sha256() + ": not the library the exporter wrote");
      }
    } catch (IOException e) {
      throw new ProgramFormatException(where, "", "cannot read: " + e.getMessage(), e);
    }
    try {
      NativeKernels k = NativeKernels.load(path, compiled.kernels());
      LOG.info("loaded {} compiled kernels ({}, {}) from {}", compiled.kernels().size(),
          compiled.kind(), compiled.isa(), where);
      return k;
    } catch (KernelException e) {
      throw new ProgramFormatException(where, "", e.getMessage(), e);
    }
  }

  /** What this machine lacks for an x86-64-v3 (AVX2) library, or null when it has it all. */
  static String missingInstructions() {
    String arch = System.getProperty("os.arch", "");
    if (!"amd64".equals(arch) && !"x86_64".equals(arch)) {
      return "it is x86-64 code and this is " + arch;
    }
    Path cpuinfo = Path.of("/proc/cpuinfo");
    if (!Files.isReadable(cpuinfo)) {
      return "cannot read /proc/cpuinfo to check for AVX2";
    }
    String flags;
    try (var lines = Files.lines(cpuinfo)) {
      flags = lines.filter(l -> l.startsWith("flags")).findFirst().orElse("") + " ";
    } catch (IOException e) {
      return "cannot read /proc/cpuinfo: " + e.getMessage();
    }
    StringBuilder lacking = new StringBuilder();
    for (String f : new String[] {"avx2", "fma", "f16c", "bmi2"}) {
      if (!flags.toLowerCase(Locale.ROOT).contains(" " + f + " ")) {
        lacking.append(lacking.length() == 0 ? "no " : ", no ").append(f);
      }
    }
    return lacking.length() == 0 ? null : lacking.toString();
  }

  private static String sha256(Path file) throws IOException {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      return HexFormat.of().formatHex(md.digest(Files.readAllBytes(file)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is always available", e);
    }
  }
}
