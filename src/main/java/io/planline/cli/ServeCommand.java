package io.planline.cli;

import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.Micronaut;
import io.planline.server.ShutdownDrain;
import java.util.ArrayList;
import java.util.List;
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

  @Unmatched
  List<String> micronautArgs = new ArrayList<>();

  @Override
  public Integer call() {
    // On a failed start (an invalid configuration among them) Micronaut logs the cause, whose
    // message lists every problem and what is valid, and exits with status 1 itself.
    ApplicationContext context = Micronaut.build(micronautArgs.toArray(String[]::new))
        .mainClass(ServeCommand.class).banner(false).start();
    context.findBean(ShutdownDrain.class).ifPresent(ShutdownDrain::installSigtermHandler);
    return 0;
  }
}
