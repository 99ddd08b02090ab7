package io.planline;

import io.planline.cli.PlanlineCommand;
import io.planline.cli.ServeCommand;
import picocli.CommandLine;

/**
 * Entry point of {@code planline.jar}: with no arguments (or {@code serve}) it starts the
 * inference server; otherwise it runs a command-line verb ({@code plan}, ...) through picocli.
 */
public final class Main {

  private Main() {}

  /**
   * Runs the verb named by {@code args} and exits with its status; with no verb (no arguments, or
   * only Micronaut {@code --key=value} settings) it serves.
   */
  public static void main(String[] args) {
    boolean noVerb = args.length == 0 || (args[0].startsWith("--") && args[0].contains("="));
    String[] verbs = args;
    if (noVerb) {
      verbs = new String[args.length + 1];
      verbs[0] = ServeCommand.NAME;
      System.arraycopy(args, 0, verbs, 1, args.length);
    }
    CommandLine cl = PlanlineCommand.commandLine();
    int status = cl.execute(verbs);
    CommandLine.ParseResult parsed = cl.getParseResult();
    boolean serving = parsed != null && parsed.subcommand() != null
        && ServeCommand.NAME.equals(parsed.subcommand().commandSpec().name())
        && !parsed.subcommand().isUsageHelpRequested()
        && !parsed.subcommand().isVersionHelpRequested();
    if (status == 0 && serving) {
      return; // the server's non-daemon threads keep the JVM running until it is stopped
    }
    System.exit(status);
  }
}
