package io.planline.config;

import io.micronaut.context.exceptions.ConfigurationException;
import java.util.List;

/** The configuration cannot be served; the message lists every problem, one per line. */
public final class InvalidConfigException extends ConfigurationException {
  private static final long serialVersionUID = 1L;

  private final List<String> problems;

  /** An exception for {@code problems} (at least one). */
  public InvalidConfigException(List<String> problems) {
    super("invalid planline configuration:\n  - " + String.join("\n  - ", problems));
    if (problems.isEmpty()) {
      throw new IllegalArgumentException("an invalid configuration needs at least one problem");
    }
    this.problems = List.copyOf(problems);
  }

  /** The problems, one sentence each. */
  public List<String> problems() {
    return problems;
  }
}
