package io.planline.exec;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Whether this test machine can run the built-in models' Inductor-compiled (AVX2) kernels. */
final class InductorKernels {

  private InductorKernels() {}

  /**
   * True on x86-64 Linux with AVX2, FMA, F16C and BMI2. Deliberately not "and the library
   * loads": a machine that should run the kernels but lacks libgomp or libsleef must fail the
   * tests that use them, not skip them (.ci/run installs both).
   */
  static boolean runHere() {
    String arch = System.getProperty("os.arch", "");
    if (!arch.equals("amd64") && !arch.equals("x86_64")) {
      return false;
    }
    try (var lines = Files.lines(Path.of("/proc/cpuinfo"))) {
      String flags = lines.filter(l -> l.startsWith("flags")).findFirst().orElse("") + " ";
      return flags.contains(" avx2 ") && flags.contains(" fma ") && flags.contains(" f16c ")
          && flags.contains(" bmi2 ");
    } catch (IOException e) {
      return false;
    }
  }
}
