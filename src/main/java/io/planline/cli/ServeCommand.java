package io.planline.cli;

import io.micronaut.runtime.Micronaut;
import io.planline.config.InvalidConfigException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Spec;
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

  @Spec
  picocli.CommandLine.Model.CommandSpec spec;

  @Unmatched
  List<String> micronautArgs = new ArrayList<>();

  @Override
  public Integer call() {
    try {
      Micronaut.build(micronautArgs.toArray(String[]::new)).mainClass(ServeCommand.class).start();
      return 0;
    } catch (RuntimeException e) {
      // A bad configuration is a user error: say what is wrong and what is valid, no stack trace.
      for (Throwable t = e; t != null; t = t.getCause()) {
        if (t instanceof InvalidConfigException invalid) {
          spec.commandLine().getErr().println("planline: " + invalid.getMessage());
          return 2;
        }
      }
      throw e;
    }
  }
}
