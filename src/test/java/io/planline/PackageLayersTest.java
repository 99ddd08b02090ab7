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
      Map.entry("config", Set.of("plan")),
      Map.entry("model", Set.of("ir", "io", "plan", "kernel", "backend")),
      Map.entry("exec", Set.of("ir", "io", "plan", "kernel", "backend", "model")),
      Map.entry("metrics", Set.of("ir", "plan", "config", "exec")),
      Map.entry("server", Set.of("ir", "io", "plan", "backend", "model", "exec", "config",
          "metrics")),
      Map.entry("cli", Set.of("ir", "io", "plan", "kernel", "backend", "model", "exec")));

  private static final Pattern USE = Pattern.compile("\\bio\\.planline\\.([a-z]+)\\.");

  /** A use of one of plan/'s strategy packages (a lower-case segment after {@code plan.}). */
  private static final Pattern PLAN_SUB = Pattern.compile("\\bio\\.planline\\.plan\\.([a-z]+)\\.");

  /**
   * Inside plan/: the core (driver, bound, SPI, registry, verifiers) names no strategy package,
   * and no strategy package names another; the registry finds strategies through ServiceLoader.
   */
  @Test
  void planCore_andStrategies_useNoOtherStrategy() throws IOException {
    Path plan = ROOT.resolve("plan");
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
            if (!m.group(1).equals(own)) {
              violations.add(f + ":" + (i + 1) + " (plan/" + own + " uses plan." + m.group(1)
                  + ")");
            }
          }
        }
      }
    }
    assertTrue(violations.isEmpty(), String.join("\n", violations));
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
