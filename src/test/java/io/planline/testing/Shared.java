package io.planline.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** Locates the read-only reference data that CI keeps beside the clone at {@code ../shared}. */
public final class Shared {

  private Shared() {}

  /** The shared folder (system property {@code planline.shared}, else {@code ../shared}). */
  public static Path root() {
    Path p = Path.of(System.getProperty("planline.shared", "../shared")).toAbsolutePath().normalize();
    if (!Files.isDirectory(p)) {
      throw new IllegalStateException("reference data not found at " + p
          + " (tests need ../shared beside the repository)");
    }
    return p;
  }

  /** {@code shared/traces/inductor}. */
  public static Path traces() {
    return root().resolve("traces/inductor");
  }

  /** One trace folder, e.g. {@code gpt2-infer-reuse}. */
  public static Path trace(String name) {
    return traces().resolve(name);
  }

  /** Every trace folder, sorted by name. */
  public static List<Path> traceDirs() {
    try (Stream<Path> s = Files.list(traces())) {
      return s.filter(Files::isDirectory).sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Every trace folder whose name ends with {@code -reuse} (these carry expected.json). */
  public static List<Path> reuseTraceDirs() {
    return traceDirs().stream().filter(d -> d.getFileName().toString().endsWith("-reuse")).toList();
  }

  /** {@code shared/benchmarks/minimalloc}. */
  public static Path minimalloc() {
    return root().resolve("benchmarks/minimalloc");
  }
}
