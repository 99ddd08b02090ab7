package io.planline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The packages are pipeline stages and may only use earlier ones, so that each can be read (and
 * changed) knowing only what is below it. Read from the sources: imports and qualified names in
 * code (comments may point anywhere).
 */
final class PackageLayersTest {

  private static final Path ROOT = Path.of("src/main/java/io/planline");

  /** Each top-level package and the packages it may use. */
  private static final Map<String, Set<String>> ALLOWED = Map.ofEntries(
      Map.entry("ir", Set.of()),
      Map.entry("kernel", Set.of("ir")),
      Map.entry("backend", Set.of("ir", "kernel")),
      Map.entry("plan", Set.of("ir")),
      Map.entry("io", Set.of("ir", "plan")),
      Map.entry("config", Set.of("io", "plan")),
      Map.entry("model", Set.of("ir", "io", "plan", "kernel", "backend")),
      Map.entry("exec", Set.of("ir", "io", "plan", "kernel", "backend", "model")),
      Map.entry("metrics", Set.of("ir", "plan", "config", "exec")),
      Map.entry("server", Set.of("ir", "io", "plan", "backend", "model", "exec", "config",
          "metrics")),
      Map.entry("cli", Set.of("ir", "io", "plan", "kernel", "backend", "model", "exec")));

  private static final Pattern USE = Pattern.compile("\\bio\\.planline\\.([a-z]+)\\.");

  /** A use of one of plan/'s sub-packages (a lower-case segment after {@code plan.}). */
  private static final Pattern PLAN_SUB = Pattern.compile("\\bio\\.planline\\.plan\\.([a-z]+)\\.");

  /**
   * Each package inside plan/ ("" for the core) and the sub-packages it may use. The core
   * (driver, bound, SPI, registry, verifiers, the fallback stage's interfaces) names none: the
   * registry and the fallback stage find strategies through ServiceLoader. {@code arena} is
   * neutral (the offset family's problem model, greedy placers and portfolio): the fast
   * {@code offset} and the exact {@code optimal} both build on it, and never on each other.
   */
  private static final Map<String, Set<String>> PLAN_ALLOWED = Map.of(
      "", Set.of(),
      "arena", Set.of(),
      "offset", Set.of("arena"),
      "optimal", Set.of("arena"),
      "greedy", Set.of(),
      "pool", Set.of());

  @Test
  void planCore_andStrategies_useOnlyTheNeutralPackage() throws IOException {
    Path plan = ROOT.resolve("plan");
    Set<String> subs = new TreeSet<>(Set.of(""));
    try (Stream<Path> dirs = Files.list(plan)) {
      dirs.filter(Files::isDirectory).forEach(d -> subs.add(d.getFileName().toString()));
    }
    assertEquals(new TreeSet<>(PLAN_ALLOWED.keySet()), subs,
        "a package was added to or removed from plan/: place it in PLAN_ALLOWED");
    List<String> violations = new ArrayList<>();
    try (Stream<Path> files = Files.walk(plan)) {
      for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
        Path rel = plan.relativize(f);
        String own = rel.getNameCount() > 1 ? rel.getName(0).toString() : "";
        List<String> lines = Files.readAllLines(f);
        for (int i = 0; i < lines.size(); i++) {
          String line = lines.get(i).strip();
          if (line.startsWith("package ") || line.startsWith("*") || line.startsWith("/*")
              || line.startsWith("//")) {
            continue;
          }
          Matcher m = PLAN_SUB.matcher(lines.get(i));
          while (m.find()) {
            String used = m.group(1);
            if (!used.equals(own) && !PLAN_ALLOWED.get(own).contains(used)) {
              violations.add(f + ":" + (i + 1) + " (plan/" + own + " uses plan." + used + ")");
            }
          }
        }
      }
    }
    assertTrue(violations.isEmpty(), String.join("\n", violations));
  }

  /** The two offset planners are apart: what one needs of the other goes through the core. */
  @Test
  void offsetAndOptimal_doNotNameEachOther() throws IOException {
    for (String[] pair : new String[][] {{"offset", "optimal"}, {"optimal", "offset"}}) {
      try (Stream<Path> files = Files.walk(ROOT.resolve("plan").resolve(pair[0]))) {
        for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
          for (String line : Files.readAllLines(f)) {
            String code = line.strip();
            if (!code.startsWith("*") && !code.startsWith("/*") && !code.startsWith("//")) {
              assertTrue(!code.contains("io.planline.plan." + pair[1] + "."),
                  f + " names plan." + pair[1] + ": " + code);
            }
          }
        }
      }
    }
  }

  @Test
  void everyPackage_usesOnlyEarlierStages() throws IOException {
    List<String> violations = new ArrayList<>();
    Set<String> packages = new TreeSet<>();
    try (Stream<Path> dirs = Files.list(ROOT)) {
      dirs.filter(Files::isDirectory).forEach(d -> packages.add(d.getFileName().toString()));
    }
    assertEquals(new TreeSet<>(ALLOWED.keySet()), packages,
        "a package was added or removed: place it in the layer table");
    for (String pkg : packages) {
      try (Stream<Path> files = Files.walk(ROOT.resolve(pkg))) {
        for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
          List<String> lines = Files.readAllLines(f);
          for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.startsWith("package ") || line.startsWith("*") || line.startsWith("/*")
                || line.startsWith("//")) {
              continue; // comments may point anywhere; code may not
            }
            Matcher m = USE.matcher(lines.get(i));
            while (m.find()) {
              String used = m.group(1);
              if (!used.equals(pkg) && !ALLOWED.get(pkg).contains(used)) {
                violations.add(f + ":" + (i + 1) + " (" + pkg + " uses " + used + ")");
              }
            }
          }
        }
      }
    }
    assertTrue(violations.isEmpty(), String.join("\n", violations));
  }
}
