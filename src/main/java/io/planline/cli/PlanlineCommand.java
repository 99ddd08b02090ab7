package io.planline.cli;

import io.planline.io.ProgramFormatException;
import io.planline.plan.PlanningException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The top-level {@code planline} command: a holder for the verbs. */
@Command(name = "planline", mixinStandardHelpOptions = true, version = "planline 0.1.0",
    description = "Executes compiled tensor programs with swappable memory planners.",
    subcommands = {ServeCommand.class, PlanCommand.class, RunCommand.class, BenchCommand.class,
        OpsCommand.class})
public final class PlanlineCommand implements Runnable {

  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }

  /**
   * The configured command line: expected failures (bad files, unknown planners) print one clear
   * line and exit 2; anything else is a bug and keeps its stack trace.
   */
  public static CommandLine commandLine() {
    CommandLine cl = new CommandLine(new PlanlineCommand());
    cl.setExecutionExceptionHandler((ex, line, parsed) -> {
      if (ex instanceof ProgramFormatException || ex instanceof PlanningException
          || ex instanceof IllegalArgumentException
          || ex instanceof io.planline.exec.InferenceException) {
        line.getErr().println("planline: " + ex.getMessage());
        return 2;
      }
      throw ex;
    });
    return cl;
  }
}
