package io.planline.plan;

import static java.util.Objects.requireNonNull;

import io.planline.ir.WrapperLine;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a planner decided for one graph: one record per family, so a reader switches on
 * {@link #kind()} instead of guessing the family from which lists are empty.
 *
 * <p>Both report {@code plannedBytes} (offset plans: the sum of pool sizes; reuse plans: the peak
 * of distinct storages live at once) next to {@code lowerBoundBytes}, so no figure is ever shown
 * without the bound. Java 17 has no pattern switch over sealed types yet, hence the {@link Kind}
 * enum: a switch expression over it, with no {@code default}, breaks when a family is added.
 */
public sealed interface Plan permits Plan.Offsets, Plan.Reuses {

  /** The family of a plan. */
  enum Kind {
    /** Storages at offsets in pools: {@link Offsets}. */
    OFFSETS,
    /** Reuse decisions on rewritten lines: {@link Reuses}. */
    REUSES
  }

  /** Which record this is. */
  Kind kind();

  /** The strategy's registry name. */
  String planner();

  /** The graph's source ({@code file#index}). */
  String source();

  /** The lines to execute: the input lines for offset plans, the rewritten ones for reuse plans. */
  List<WrapperLine> lines();

  /** Memory the plan needs. */
  long plannedBytes();

  /** The lower bound it is measured against ({@link PlanDriver#lowerBound}). */
  long lowerBoundBytes();

  /** Whether {@code plannedBytes} is proven minimal (equal to the bound, or by the strategy). */
  boolean provenOptimal();

  /** Planned bytes over the lower bound (1.0 is perfect; 1.0 when both are zero). */
  default double ratio() {
    return lowerBoundBytes() == 0 ? 1.0 : (double) plannedBytes() / lowerBoundBytes();
  }

  /**
   * This plan as an offset plan.
   *
   * @throws IllegalStateException when it is a reuse plan
   */
  default Offsets asOffsets() {
    if (this instanceof Offsets o) {
      return o;
    }
    throw new IllegalStateException(planner() + " on " + source() + " is a " + kind() + " plan");
  }

  /**
   * This plan as a reuse plan.
   *
   * @throws IllegalStateException when it is an offset plan
   */
  default Reuses asReuses() {
    if (this instanceof Reuses r) {
      return r;
    }
    throw new IllegalStateException(planner() + " on " + source() + " is a " + kind() + " plan");
  }

  /**
   * Storages at offsets in pools.
   *
   * @param planner the strategy's registry name
   * @param source the graph's source
   * @param pools arenas
   * @param placements one per planned storage, with every name the storage carries
   * @param lines the input lines (the plan rewrites none)
   * @param plannedBytes the sum of the pools' sizes
   * @param lowerBoundBytes the lower bound
   * @param provenOptimal whether {@code plannedBytes} is proven minimal
   */
  record Offsets(String planner, String source, List<Pool> pools, List<Placement> placements,
      List<WrapperLine> lines, long plannedBytes, long lowerBoundBytes, boolean provenOptimal)
      implements Plan {

    public Offsets {
      requireNonNull(planner, "planner");
      requireNonNull(source, "source");
      pools = List.copyOf(pools);
      placements = List.copyOf(placements);
      lines = List.copyOf(lines);
      checkBytes(planner, plannedBytes, lowerBoundBytes);
    }

    @Override
    public Kind kind() {
      return Kind.OFFSETS;
    }
  }

  /**
   * Reuse decisions: which freed storage each new buffer took, on the rewritten lines.
   *
   * @param planner the strategy's registry name
   * @param source the graph's source
   * @param reuses new buffer name to the freed buffer whose storage it took, in line order
   * @param lines the rewritten wrapper lines
   * @param plannedBytes the peak of distinct planned storages live at once
   * @param lowerBoundBytes the lower bound
   * @param provenOptimal whether {@code plannedBytes} is proven minimal
   */
  record Reuses(String planner, String source, Map<String, String> reuses,
      List<WrapperLine> lines, long plannedBytes, long lowerBoundBytes, boolean provenOptimal)
      implements Plan {

    public Reuses {
      requireNonNull(planner, "planner");
      requireNonNull(source, "source");
      reuses = Collections.unmodifiableMap(new LinkedHashMap<>(reuses));
      lines = List.copyOf(lines);
      checkBytes(planner, plannedBytes, lowerBoundBytes);
    }

    @Override
    public Kind kind() {
      return Kind.REUSES;
    }
  }

  private static void checkBytes(String planner, long plannedBytes, long lowerBoundBytes) {
    if (plannedBytes < 0 || lowerBoundBytes < 0) {
      throw new IllegalArgumentException("negative byte count in plan by " + planner);
    }
  }
}
