package io.planline.cli;

import io.micronaut.runtime.Micronaut;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Unmatched;

/**
 * {@code serve} (also what the jar does with no arguments): starts the Micronaut server with the
 * KServe V2 endpoints and {@code /prometheus}. Arguments it does not know are Micronaut's
 * ({@code --micronaut.server.port=9090}, {@code --planline.planner=offset}).
 */
@Command(name = ServeCommand.NAME, mixinStandardHelpOptions = true,
    description = "Start the inference server (KServe V2 REST, /prometheus). Configuration comes"
        + " from application.yml, MICRONAUT_CONFIG_FILES, the environment and --key=value"
        + " arguments.")
public final class ServeCommand implements Callable<Integer> {

  /** The verb. */
  public static final String NAME = "serve";

  /** Set for the served process: the server then drains on SIGTERM (see ShutdownDrain). */
  public static final String SIGTERM_DRAIN = "planline.internal.sigterm-drain";

  @Unmatched
  List<String> micronautArgs = new ArrayList<>();

  /** The help footer: every planline.* setting with its default, then an example. */
  static String[] settingsHelp() {
    return new String[] {
        "%nSettings (--planline.KEY=VALUE, PLANLINE_KEY=VALUE in the environment, or a YAML file"
            + " named by MICRONAUT_CONFIG_FILES), with their defaults:%n"
            + ConfigKeys.help(ConfigKeys.fromClasspath(), 79),
        "Example:",
        "  planline serve --planline.planner=greedy --micronaut.server.port=9090"};
  }

  @Override
  public Integer call() {
    // On a failed start (an invalid configuration among them) Micronaut logs the cause, whose
    // message lists every problem and what is valid, and exits with status 1 itself.
    // The server drains on SIGTERM only when it is this process's job; a test's JVM that embeds
    // the server keeps its own signal handling.
    Micronaut.build(micronautArgs.toArray(String[]::new)).mainClass(ServeCommand.class)
        .properties(Map.of(SIGTERM_DRAIN, true)).banner(false).start();
    return 0;
  }
}
