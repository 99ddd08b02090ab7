package io.planline.cli;

import io.planline.plan.PlannerRegistry;
import java.util.Iterator;

/**
 * The registered planners' names, for picocli's {@code ${COMPLETION-CANDIDATES}} in help texts:
 * read from the registry, so the help never lists a planner this build lacks.
 */
final class PlannerNames implements Iterable<String> {

  @Override
  public Iterator<String> iterator() {
    return PlannerRegistry.builtIn().names().iterator();
  }
}
