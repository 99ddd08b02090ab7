package io.planline.exec;

/**
 * Replays ({@code planline.cuda-graphs}): a small program's launches recorded once per input
 * shape and replayed for later requests with the memory they were recorded on.
 *
 * @param enabled whether programs are recorded at all
 * @param maxBytes the most arena bytes one recording may keep resident; a shape whose plan needs
 *     more runs as usual
 */
public record ReplaySettings(boolean enabled, long maxBytes) {

  /** Replays off: what a runtime gets when nothing is configured. */
  public static final ReplaySettings OFF = new ReplaySettings(false, 256L << 20);

  public ReplaySettings {
    if (maxBytes < 0) {
      throw new IllegalArgumentException("replay byte bound must be at least 0, got " + maxBytes);
    }
  }
}
