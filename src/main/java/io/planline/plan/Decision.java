package io.planline.plan;

import io.planline.ir.WrapperLine;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * What a strategy decided, before {@link PlanDriver} adds the lower bound, verifies it and makes
 * it a {@link Plan} of the same {@link Plan.Kind}.
 *
 * @param kind the family: offset decisions fill {@code pools} and {@code placements}, reuse
 *     decisions {@code reuses}
 * @param pools arenas, for offset decisions
 * @param placements one per planned storage, for offset decisions
 * @param reuses new buffer name to the freed buffer whose storage it took, for reuse decisions
 * @param lines the rewritten lines (the input lines for offset decisions)
 * @param plannedBytes memory the decision needs
 * @param provenOptimal whether the strategy proved {@code plannedBytes} minimal by its own means
 *     (a completed search, or its own bound); the driver adds "equal to the lower bound"
 * @param open parts of an offset decision left to the driver's fallback stage
 *     ({@link FallbackStage}), or null; the decision is complete either way
 */
public record Decision(Plan.Kind kind, List<Pool> pools, List<Placement> placements,
    Map<String, String> reuses, List<WrapperLine> lines, long plannedBytes,
    boolean provenOptimal, @Nullable Refinement open) {

  /** Storages at offsets in {@code pools}; planned bytes are the pools' total. */
  public static Decision offsets(List<Pool> pools, List<Placement> placements,
      List<WrapperLine> lines, boolean provenOptimal) {
    long total = pools.stream().mapToLong(Pool::bytes).sum();
    return new Decision(Plan.Kind.OFFSETS, pools, placements, Map.of(), lines, total,
        provenOptimal, null);
  }

  /** Reuse decisions on rewritten {@code lines}, needing {@code plannedBytes} at their peak. */
  public static Decision reuses(Map<String, String> reuses, List<WrapperLine> lines,
      long plannedBytes) {
    return new Decision(Plan.Kind.REUSES, List.of(), List.of(), reuses, lines, plannedBytes,
        false, null);
  }

  /**
   * This decision with {@code refinement}'s parts left to the driver's fallback stage (null:
   * none).
   */
  public Decision withOpen(@Nullable Refinement refinement) {
    if (refinement != null && kind != Plan.Kind.OFFSETS) {
      throw new IllegalArgumentException("only offset decisions have parts to refine");
    }
    return new Decision(kind, pools, placements, reuses, lines, plannedBytes, provenOptimal,
        refinement);
  }

  /** The plan of this decision by {@code planner} for {@code source}, against {@code bound}. */
  Plan toPlan(String planner, String source, long bound) {
    boolean proven = provenOptimal || plannedBytes == bound;
    return switch (kind) {
      case OFFSETS -> new Plan.Offsets(planner, source, pools, placements, lines, plannedBytes,
          bound, proven);
      case REUSES -> new Plan.Reuses(planner, source, reuses, lines, plannedBytes, bound, proven);
    };
  }
}
