package io.planline.cli;

import io.planline.kernel.KernelLibrary;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * Prints the ATen operators the Java kernel library runs, one per line: the list the exporters
 * check programs against ({@code tools/supported_ops.txt} is this output, and a test keeps it
 * current), so the exporter's set is the runtime's and not a copy kept by hand.
 */
@Command(name = "ops", mixinStandardHelpOptions = true,
    description = "Print the ATen operators the CPU kernel library runs, one per line.",
    footerHeading = "%nExample:%n", footer = "  planline ops | grep conv")
public final class OpsCommand implements Callable<Integer> {

  @Spec
  CommandSpec spec;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    KernelLibrary.cpu().operators().forEach(out::println);
    out.flush();
    return 0;
  }
}
