package io.planline.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micronaut.context.env.yaml.YamlPropertySourceLoader;
import io.planline.plan.PlannerRegistry;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/**
 * {@code --help} as a new user reads it: every option says its default, the planner options list
 * the planners this build registers, every verb shows an example that parses and names files
 * that exist, and {@code serve --help} lists every {@code planline.*} setting of application.yml
 * with its default.
 */
final class CliHelpTest {

  private static String help(String... verb) {
    List<String> args = new ArrayList<>(List.of(verb));
    args.add("--help");
    PlanCommandTest.Result r = PlanCommandTest.run(args.toArray(String[]::new));
    assertEquals(0, r.status(), r.err());
    return r.out();
  }

  @Test
  void everyOption_ofEveryVerb_saysItsDefault() {
    CommandLine cl = PlanlineCommand.commandLine();
    for (CommandLine verb : cl.getSubcommands().values()) {
      for (OptionSpec o : verb.getCommandSpec().options()) {
        if (o.usageHelp() || o.versionHelp()) {
          continue;
        }
        String text = String.join(" ", o.description());
        assertTrue(text.contains("default"), verb.getCommandName() + " " + o.longestName()
            + " does not say its default: " + text);
      }
    }
  }

  @Test
  void plannerOptions_listEveryRegisteredPlanner() {
    for (String verb : List.of("plan", "bench", "run")) {
      String text = help(verb).replaceAll("\\s+", " ");
      assertTrue(text.contains(String.join(", ", PlannerRegistry.builtIn().names())),
          verb + " --help: " + text);
    }
  }

  @Test
  void everyVerb_hasAnExampleThatParses_withFilesThatExist() {
    CommandLine cl = PlanlineCommand.commandLine();
    String top = help();
    for (String verb : cl.getSubcommands().keySet()) {
      String text = help(verb);
      List<String> examples = text.lines().map(String::strip)
          .filter(l -> l.startsWith("planline " + verb)).toList();
      assertTrue(!examples.isEmpty(), verb + " --help has no example:\n" + text);
      assertTrue(top.contains("planline " + verb), "planline --help has no " + verb + " example");
      for (String example : examples) {
        String[] args = example.replaceFirst("\\s*\\|.*$", "").split("\\s+");
        String[] verbArgs = java.util.Arrays.copyOfRange(args, 1, args.length);
        // parsing, not running: a misspelt option or missing parameter fails here
        PlanlineCommand.commandLine().parseArgs(verbArgs);
        for (String a : verbArgs) {
          if (a.startsWith("examples/")) {
            assertTrue(Files.isRegularFile(Path.of(a)), example + ": no file " + a);
          }
        }
      }
    }
  }

  @Test
  void serveHelp_listsEveryPlanlineSettingWithItsDefault() throws Exception {
    String text = help("serve");
    Map<String, Object> yaml;
    try (InputStream in = Files.newInputStream(Path.of("src/main/resources/application.yml"))) {
      yaml = new YamlPropertySourceLoader().read("application", in);
    }
    int checked = 0;
    for (Map.Entry<String, Object> e : yaml.entrySet()) {
      if (!e.getKey().startsWith("planline.")) {
        continue;
      }
      checked++;
      String expected = e.getValue() instanceof List<?> l
          ? e.getKey() + " = " + String.join(", ", l.stream().map(m -> String.valueOf(
              ((Map<?, ?>) m).get("name"))).toList())
          : e.getKey() + " = " + e.getValue();
      if (e.getValue() instanceof List<?> l && l.isEmpty()) {
        expected = e.getKey() + " = []";
      }
      assertTrue(text.contains(expected), "serve --help lacks '" + expected + "':\n" + text);
    }
    assertTrue(checked >= 15, "planline.* keys found: " + checked);
    assertTrue(text.contains("planline serve --planline.planner=greedy"), text);
  }

  @Test
  void configKeys_nestedMappingsListsAndComments() {
    String yaml = String.join("\n", "micronaut:", "  server:", "    port: 8080", "planline:",
        "  # Which planner.", "  # Two lines.", "  planner: offset", "  retry: 1",
        "  # Batching, all of it.", "  batching:", "    enabled: false",
        "    # Sizes.", "    sizes: []", "  models:", "    - name: a", "      planner: x",
        "    - name: b", "  # A root folder.", "  # root: /mnt/models", "  last: 3",
        "endpoints:", "  x: 1", "");
    assertEquals(List.of(new ConfigKeys.Key("planner", "offset", "Which planner. Two lines."),
        new ConfigKeys.Key("retry", "1", ""),
        new ConfigKeys.Key("batching.*", "", "Batching, all of it."),
        new ConfigKeys.Key("batching.enabled", "false", ""),
        new ConfigKeys.Key("batching.sizes", "[]", "Sizes."),
        new ConfigKeys.Key("models", "a, b", ""),
        new ConfigKeys.Key("root", "", "A root folder. Unset by default; for example /mnt/models."),
        new ConfigKeys.Key("last", "3", "")), ConfigKeys.parse(yaml));
  }

  @Test
  void configKeys_noPlanlineSection_refused() {
    var e = assertThrows(IllegalArgumentException.class,
        () -> ConfigKeys.parse("micronaut:\n  server:\n    port: 8080\n"));
    assertEquals("application.yml has no top-level 'planline:' section", e.getMessage());
  }
}
