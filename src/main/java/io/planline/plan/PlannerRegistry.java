package io.planline.plan;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;

/**
 * The strategies users can select by name, indexed once (Caffeine's policy {@code Registry}).
 *
 * <p>An unknown name is an expected user error: {@link #get} rejects it with the list of known names.
 */
public final class PlannerRegistry {

  private final Map<String, MemoryPlanner> byName;

  /** A registry over {@code planners}; names must be unique. */
  public PlannerRegistry(List<? extends MemoryPlanner> planners) {
    Map<String, MemoryPlanner> map = new LinkedHashMap<>();
    for (MemoryPlanner p : planners) {
      requireNonNull(p, "planner");
      if (map.put(p.name(), p) != null) {
        throw new IllegalArgumentException("two planners are named '" + p.name() + "'");
      }
    }
    this.byName = Collections.unmodifiableMap(map);
  }

  /**
   * Every built-in strategy, in the order of
   * {@code META-INF/services/io.planline.plan.MemoryPlanner}. They are found through
   * {@link ServiceLoader} so that this core package names no strategy package: strategies depend
   * on the core, never the reverse.
   */
  public static PlannerRegistry builtIn() {
    List<MemoryPlanner> all = new ArrayList<>();
    ServiceLoader.load(MemoryPlanner.class, PlannerRegistry.class.getClassLoader())
        .forEach(all::add);
    if (all.isEmpty()) {
      throw new IllegalStateException("no planners registered in META-INF/services");
    }
    return new PlannerRegistry(all);
  }

  /**
   * The planner called {@code name}.
   *
   * @throws PlanningException naming the unknown name and the known ones
   */
  public MemoryPlanner get(String name) {
    MemoryPlanner p = byName.get(name);
    if (p == null) {
      throw new PlanningException(
          "unknown planner '" + name + "'; known planners: " + String.join(", ", names()));
    }
    return p;
  }

  /** Known names, in registration order. */
  public List<String> names() {
    return List.copyOf(byName.keySet());
  }

  /** Known planners, in registration order. */
  public List<MemoryPlanner> all() {
    return List.copyOf(byName.values());
  }
}
