package io.planline.server;

import io.micronaut.context.annotation.Context;
import io.micronaut.context.annotation.Value;
import java.util.List;

/**
 * Triton's model control mode ({@code planline.model-control}), checked when the server starts
 * ({@link Context}): a mode accepted at start and then refused on every load call would hide the
 * mistake until someone tried one.
 */
@Context
final class ModelControl {

  /** The modes this build implements. */
  static final List<String> MODES = List.of("none");

  private final String mode;

  ModelControl(@Value("${planline.model-control:none}") String mode) {
    if (!MODES.contains(mode)) {
      throw new IllegalArgumentException("planline.model-control: '" + mode
          + "' is not supported by this build; valid: " + String.join(", ", MODES));
    }
    this.mode = mode;
  }

  /** The configured mode. */
  String mode() {
    return mode;
  }
}
