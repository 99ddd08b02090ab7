package io.planline.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.planline.kernel.KernelLibrary;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

final class OpsCommandTest {

  @Test
  void ops_printsTheLibrarysOperators() {
    PlanCommandTest.Result r = PlanCommandTest.run("ops");
    assertEquals(0, r.status(), r.err());
    assertEquals(List.copyOf(KernelLibrary.cpu().operators()), r.out().lines().toList());
  }

  @Test
  void exportersList_isTheLibrarysOperators() throws IOException {
    // tools/supported_ops.txt is what the Python exporters check programs against
    List<String> file = Files.readAllLines(Path.of("tools/supported_ops.txt"));
    assertEquals(List.copyOf(KernelLibrary.cpu().operators()), file,
        "tools/supported_ops.txt is stale: regenerate it with "
            + "`java -jar target/planline.jar ops > tools/supported_ops.txt`");
  }
}
