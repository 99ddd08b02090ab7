package io.planline.plan;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.ServiceLoader;

/**
 * {@link PlanDriver}'s fallback stage: the parts a strategy left above their target
 * ({@link Decision#open()}) go to the registered {@link Improver}, and the strategy rebuilds its
 * decision from what came back. The strategy's own placements stand wherever the search finds
 * nothing, so the stage never makes a plan worse.
 *
 * <p>This is where the {@code offset} planner's short exact search runs: the portfolio decides,
 * the exact engine of the {@code optimal} package improves, and neither package names the other.
 */
public final class FallbackStage {

  /**
   * What the stage did.
   *
   * @param decision the final decision (no open parts left)
   * @param parts open parts handed to the improver
   * @param lowered parts for which it found a placement at their target
   * @param nodes search nodes it visited over every part
   */
  public record Outcome(Decision decision, int parts, int lowered, long nodes) {}

  private FallbackStage() {}

  /** The improver registered in {@code META-INF/services}, if any; looked up once. */
  public static Optional<Improver> registered() {
    return Registered.IMPROVER;
  }

  /** Runs the stage on {@code decision} with the registered improver. */
  public static Outcome run(Decision decision) {
    return run(decision, registered());
  }

  /** Runs the stage on {@code decision} with {@code improver} (none: the decision stands). */
  public static Outcome run(Decision decision, Optional<Improver> improver) {
    Refinement open = decision.open();
    if (open == null) {
      return new Outcome(decision, 0, 0, 0);
    }
    if (improver.isEmpty()) {
      return new Outcome(decision.withOpen(null), open.parts().size(), 0, 0);
    }
    List<long[]> offsets = new ArrayList<>(open.parts().size());
    int lowered = 0;
    long nodes = 0;
    for (Improver.Part part : open.parts()) {
      Improver.Result r = improver.get().improve(part, open.deadlineNanos());
      nodes += r.nodes();
      long[] found = r.offsets();
      if (found != null && part.problem().height(found) <= part.target()) {
        offsets.add(found);
        lowered++;
      } else {
        offsets.add(part.incumbent());
      }
    }
    Decision rebuilt = open.reassembly().with(offsets);
    return new Outcome(rebuilt.withOpen(null), open.parts().size(), lowered, nodes);
  }

  /** Holder: the ServiceLoader lookup runs on first use, once. */
  private static final class Registered {
    static final Optional<Improver> IMPROVER =
        ServiceLoader.load(Improver.class, FallbackStage.class.getClassLoader()).findFirst();

    private Registered() {}
  }
}
