package io.planline.config;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** Where kernels run: the CPU, a CUDA device, or CUDA when one is present and the CPU otherwise. */
public enum Backend {
  CPU, CUDA, AUTO;

  /** The name used in configuration ({@code cpu}). */
  public String configName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** Every configuration name, comma-separated, for messages. */
  public static String names() {
    return Arrays.stream(values()).map(Backend::configName).collect(Collectors.joining(", "));
  }

  /**
   * The backend called {@code name} (case-insensitive).
   *
   * @throws IllegalArgumentException naming the value and the valid ones
   */
  public static Backend parse(String name) {
    for (Backend b : values()) {
      if (b.configName().equalsIgnoreCase(name.strip())) {
        return b;
      }
    }
    throw new IllegalArgumentException("unknown backend '" + name + "'; valid backends: "
        + names());
  }
}
