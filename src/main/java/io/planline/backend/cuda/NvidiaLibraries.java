package io.planline.backend.cuda;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finding one of NVIDIA's libraries that the CUDA backend calls through JNA (cuBLAS, cuDNN):
 * the path a system property or environment variable names, else the usual names on the
 * loader's path, first that loads and serves.
 */
final class NvidiaLibraries {

  private static final Logger LOG = LoggerFactory.getLogger(NvidiaLibraries.class);

  /**
   * One library: its name in logs, the property that turns it off, the property and
   * environment variable that name its file, the usual file names, and what runs without it.
   */
  record Library(String name, String disable, String property, String env, List<String> names,
      String without) {}

  private NvidiaLibraries() {}

  /**
   * {@code library} opened by {@code open} ({@link #first}), or null, logged once with why,
   * when it is turned off or no name serves.
   */
  static <T> @Nullable T open(Library library, Function<String, T> open) {
    if (Boolean.getBoolean(library.disable())) {
      LOG.info("{} disabled ({}): {}", library.name(), library.disable(), library.without());
      return null;
    }
    List<String> problems = new ArrayList<>();
    T found = first(library.property(), library.env(), library.names(), open, problems);
    if (found == null) {
      LOG.warn("{} not found ({}); {}. Set -D{}=/path/to/lib{}.so.N to use it", library.name(),
          problems, library.without(), library.property(), library.names().get(0));
    }
    return found;
  }

  /**
   * What {@code open} makes of the first name that loads: {@code -D<property>} or
   * {@code $<env>} when either is set, else each of {@code names} in turn. {@code open} throws
   * {@link UnsatisfiedLinkError} when a name does not load and {@link IllegalStateException}
   * (saying why) when it loads but cannot serve; each reason is added to {@code problems}.
   */
  private static <T> @Nullable T first(String property, String env, List<String> names,
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
