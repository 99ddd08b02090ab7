package io.planline.model;

import io.planline.model.ModelProgram.CppBuild;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Which build of a model's C++ kernel library this processor runs: the widest one it has the
 * instructions for, at most {@code -Dplanline.cpu.isa} ({@value CppBuild#AVX512} by default;
 * {@value CppBuild#AVX2} keeps 256-bit vectors on a machine with AVX-512, to compare the two).
 * Running code built for instructions the processor lacks kills the process with an illegal
 * instruction, so the flags are checked first, from {@code /proc/cpuinfo}.
 */
final class CpuIsa {

  /** The cap's system property. */
  static final String PROPERTY = "planline.cpu.isa";

  /** What each build needs, in order of width (Inductor's x86-64-v3 level, then AVX-512's). */
  private static final Map<String, List<String>> NEEDS = Map.of(
      CppBuild.AVX2, List.of("avx2", "fma", "f16c", "bmi2"),
      CppBuild.AVX512, List.of("avx2", "fma", "f16c", "bmi2", "avx512f", "avx512bw", "avx512dq",
          "avx512vl"));
  private static final List<String> WIDTH = List.of(CppBuild.AVX2, CppBuild.AVX512);

  private CpuIsa() {}

  /**
   * The build to load: the widest of {@code builds} that this processor runs and that is no
   * wider than {@code cap}; the AVX2 one (first) when none is.
   *
   * @throws IllegalArgumentException for a cap that is not an instruction set named here
   */
  static CppBuild choose(List<CppBuild> builds, String cap, String cpuFlags) {
    int most = WIDTH.indexOf(cap.toLowerCase(Locale.ROOT));
    if (most < 0) {
      throw new IllegalArgumentException("-D" + PROPERTY + "=" + cap + " is not an instruction "
          + "set planline builds for (" + String.join(", ", WIDTH) + ")");
    }
    CppBuild chosen = builds.get(0);
    for (CppBuild b : builds) {
      int width = WIDTH.indexOf(b.isa());
      if (width > WIDTH.indexOf(chosen.isa()) && width <= most
          && missing(b.isa(), cpuFlags) == null) {
        chosen = b;
      }
    }
    return chosen;
  }

  /** The cap the user set, or the widest. */
  static String cap() {
    return System.getProperty(PROPERTY, CppBuild.AVX512);
  }

  /** What {@code cpuFlags} lacks for {@code isa}'s build ("no avx2, no fma"), or null. */
  static @Nullable String missing(String isa, String cpuFlags) {
    String flags = " " + cpuFlags.toLowerCase(Locale.ROOT) + " ";
    StringBuilder lacking = new StringBuilder();
    for (String f : NEEDS.get(isa)) {
      if (!flags.contains(" " + f + " ")) {
        lacking.append(lacking.length() == 0 ? "no " : ", no ").append(f);
      }
    }
    return lacking.length() == 0 ? null : lacking.toString();
  }

  /** The flags {@link #flags} has read, or "" before it has (or where it could not). */
  static String known() {
    String known = flags;
    return known == null ? "" : known;
  }

  /** The flags line once read (they do not change while the process runs); null until then. */
  private static volatile @Nullable String flags;

  /**
   * This processor's flags line from {@code /proc/cpuinfo}, read once per process.
   *
   * @throws IOException where it cannot be read (not Linux, or not x86-64)
   */
  static String flags() throws IOException {
    String known = flags;
    if (known != null) {
      return known;
    }
    String arch = System.getProperty("os.arch", "");
    if (!"amd64".equals(arch) && !"x86_64".equals(arch)) {
      throw new IOException("it is x86-64 code and this is " + arch);
    }
    try (var lines = Files.lines(Path.of("/proc/cpuinfo"))) {
      known = lines.filter(l -> l.startsWith("flags")).findFirst().orElse("");
    }
    flags = known;
    return known;
  }
}
