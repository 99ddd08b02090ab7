package io.planline.server;

import io.micronaut.context.annotation.Context;
import io.micronaut.context.annotation.Value;
import java.util.List;

/**
 * Triton's model control mode ({@code planline.model-control}), checked when the server starts
 * ({@link Context}): a mode accepted at start and then refused on every load call would hide the
 * mistake until someone tried one.
 *
 * <ul>
 *   <li>{@code none}: every model (configured and in the repository) is loaded at start and
 *       stays loaded; load and unload calls are refused (400).
 *   <li>{@code explicit}: the configured models are loaded at start, the repository's are not;
 *       load and unload calls load and unload any of them.
 * </ul>
 *
 * Every frontend (HTTP, gRPC) asks {@link #requireExplicit} before loading or unloading.
 */
@Context
public final class ModelControl {

  /** The modes this build implements. */
  public static final List<String> MODES = List.of("none", "explicit");

  private final String mode;

  ModelControl(@Value("${planline.model-control:none}") String mode) {
    if (!MODES.contains(mode)) {
      throw new IllegalArgumentException("planline.model-control: '" + mode
          + "' is not supported by this build; valid: " + String.join(", ", MODES));
    }
    this.mode = mode;
  }

  /** The configured mode. */
  public String mode() {
    return mode;
  }

  /** Whether models are loaded and unloaded on request. */
  public boolean explicit() {
    return mode.equals("explicit");
  }

  /**
   * Passes in explicit mode.
   *
   * @throws ApiException (400) naming the setting, as Triton refuses load and unload outside
   *     explicit mode
   */
  public void requireExplicit(String action, String model) {
    if (!explicit()) {
      throw ApiException.badRequest("cannot " + action + " model '" + model + "': explicit model "
          + action + " is not allowed with planline.model-control: " + mode + " (the models are"
          + " loaded at start and stay loaded; set planline.model-control: explicit)");
    }
  }
}
