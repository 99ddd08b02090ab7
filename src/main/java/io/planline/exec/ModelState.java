package io.planline.exec;

import static java.util.Objects.requireNonNull;

/**
 * Where one model version stands, as Triton's repository index reports it.
 *
 * @param name the model's name
 * @param version its version
 * @param state whether it takes requests
 * @param reason why it is not {@link State#READY} (empty when it is)
 */
public record ModelState(String name, String version, State state, String reason) {

  /** Triton's model states (those planline passes through). */
  public enum State {
    /** Loaded and taking requests. */
    READY,
    /** Being loaded (explicit model control). */
    LOADING,
    /** Finishing the requests it admitted; takes no new ones, then is released. */
    UNLOADING,
    /** Not loaded: never loaded, unloaded, or its load failed ({@link ModelState#reason}). */
    UNAVAILABLE
  }

  public ModelState {
    requireNonNull(name, "name");
    requireNonNull(version, "version");
    requireNonNull(state, "state");
    requireNonNull(reason, "reason");
  }

  /** A version that is ready. */
  public static ModelState ready(String name, String version) {
    return new ModelState(name, version, State.READY, "");
  }
}
