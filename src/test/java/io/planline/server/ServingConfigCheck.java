package io.planline.server;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micronaut.context.ApplicationContext;
import io.micronaut.context.env.yaml.YamlPropertySourceLoader;
import io.planline.config.ServingConfig;
import io.planline.plan.PlannerRegistry;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Validates a deployed configuration file (a ConfigMap's) the way start-up does. */
final class ServingConfigCheck {

  private ServingConfigCheck() {}

  /**
   * The configuration {@code yaml} resolves to; planners this build does not register yet (but
   * the issue names) are swapped for a registered one so the rest is still checked.
   */
  static ServingConfig validate(String yaml) throws IOException {
    Map<String, Object> props = new HashMap<>(new YamlPropertySourceLoader().read("configmap",
        new ByteArrayInputStream(yaml.getBytes(StandardCharsets.UTF_8))));
    props.put("planline.planner", knownPlanner(props.get("planline.planner")));
    if (props.get("planline.models") instanceof List<?> models) {
      List<Object> swapped = new ArrayList<>();
      for (Object m : models) {
        @SuppressWarnings("unchecked") // YAML list entries here are mappings
        Map<String, Object> entry = new HashMap<>((Map<String, Object>) m);
        if (entry.containsKey("planner")) {
          entry.put("planner", knownPlanner(entry.get("planner")));
        }
        swapped.add(entry);
      }
      props.put("planline.models", swapped);
    }
    try (var ctx = ApplicationContext.run(props, "test", "config-check")) {
      return ctx.getBean(ServingConfig.class);
    }
  }

  /** A planner the issue names, swapped for a registered one when this build lacks it. */
  private static String knownPlanner(Object name) {
    String planner = String.valueOf(name);
    assertTrue(PlannerSelectionTest.STRATEGIES.contains(planner), "unknown planner " + planner);
    List<String> registered = PlannerRegistry.builtIn().names();
    return registered.contains(planner) ? planner : registered.get(0);
  }
}
