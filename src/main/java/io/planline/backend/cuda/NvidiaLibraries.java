package io.planline.backend.cuda;

import java.util.List;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * Finding one of NVIDIA's libraries that the CUDA backend calls through JNA (cuBLAS, cuDNN):
 * the path a system property or environment variable names, else the usual names on the
 * loader's path, first that loads and serves.
 */
final class NvidiaLibraries {

  private NvidiaLibraries() {}

  /**
   * What {@code open} makes of the first name that loads: {@code -D<property>} or
   * {@code $<env>} when either is set, else each of {@code names} in turn. {@code open} throws
   * {@link UnsatisfiedLinkError} when a name does not load and {@link IllegalStateException}
   * (saying why) when it loads but cannot serve; each reason is added to {@code problems}.
   */
  static <T> @Nullable T first(String property, String env, List<String> names,
      Function<String, T> open, List<String> problems) {
    String configured = System.getProperty(property, System.getenv().getOrDefault(env, ""));
    for (String name : configured.isEmpty() ? names : List.of(configured)) {
      try {
        return open.apply(name);
      } catch (UnsatisfiedLinkError | IllegalStateException e) {
        problems.add(name + ": " + e.getMessage());
      }
    }
    return null;
  }
}
