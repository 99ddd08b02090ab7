package io.planline.cli;

import io.planline.io.ProgramFormatException;
import io.planline.plan.PlanningException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The top-level {@code planline} command: a holder for the verbs. */
@Command(name = "planline", mixinStandardHelpOptions = true, version = "planline 0.1.0",
    description = "Executes compiled tensor programs with swappable memory planners.",
    footerHeading = "%nExamples (planline VERB --help for each verb's options):%n",
    footer = {"  planline serve --planline.planner=greedy --micronaut.server.port=9090",
        "  planline plan --planner offset --planner greedy examples/mlp-infer.lines.json",
        "  planline run tiny-gpt -p greedy-peak --input examples/tiny-gpt-8x64.json",
        "  planline bench --planner offset --warmup 3 --runs 10 examples/input.12.csv",
        "  planline ops"},
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
    // serve --help lists the planline.* settings as this build's application.yml declares them
    cl.getSubcommands().get(ServeCommand.NAME).getCommandSpec().usageMessage()
        .footer(ServeCommand.settingsHelp());
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
