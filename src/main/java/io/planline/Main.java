package io.planline;

import io.planline.cli.PlanlineCommand;
import picocli.CommandLine;

/**
 * Entry point of {@code planline.jar}: command-line verbs ({@code plan}, ...) through picocli.
 */
public final class Main {

  private Main() {}

  /** Runs the verb named by {@code args} and exits with its status. */
  public static void main(String[] args) {
    int status = PlanlineCommand.commandLine().execute(args);
    System.exit(status);
  }
}
