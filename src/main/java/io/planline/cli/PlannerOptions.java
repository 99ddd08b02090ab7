package io.planline.cli;

import io.planline.plan.MemoryPlanner;
import io.planline.plan.PlannerRegistry;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** The planner choice and search budget that {@code plan} and {@code bench} share (a mixin). */
final class PlannerOptions {

  @Option(names = {"-p", "--planner"}, paramLabel = "NAME",
      completionCandidates = PlannerNames.class,
      description = "Planner to run: ${COMPLETION-CANDIDATES} (repeatable; default: every"
          + " built-in planner).")
  List<String> planners = new ArrayList<>();

  @Option(names = "--budget-ms", paramLabel = "MS", defaultValue = "1000",
      description = "Time budget of search-based planners (optimal) per plan (default:"
          + " ${DEFAULT-VALUE}).")
  long budgetMillis;

  /**
   * The chosen planners, every built-in one when none was named.
   *
   * @throws io.planline.plan.PlanningException naming an unknown planner and the known ones
   */
  List<MemoryPlanner> chosen() {
    PlannerRegistry registry = PlannerRegistry.builtIn();
    return planners.isEmpty() ? registry.all() : planners.stream().map(registry::get).toList();
  }
}
