package io.planline.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.planline.backend.cpu.CpuBackend;
import io.planline.io.ProgramFormatException;
import io.planline.ir.Graph;
import io.planline.kernel.TritonKernel;
import io.planline.plan.Liveness;
import io.planline.plan.LowerBound;
import io.planline.plan.MemoryPlanner;
import io.planline.plan.Plan;
import io.planline.plan.PlanOptions;
import io.planline.plan.PlanVerifier;
import io.planline.plan.PlannerRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Real exports of {@code tools/gpu/export_inductor.sh} (H200, torch 2.11, Triton 3.6; weights
 * and sample left out), checked without a GPU: Inductor's Triton binaries against what the
 * program says of them (digest, parameter table from each cubin's {@code .nv.info}), the extern
 * calls against the operator set, and planning of the exported lines under every planner.
 */
final class InductorGpuExportTest {

  private static final CpuBackend CPU = new CpuBackend(1);

  @AfterAll
  static void close() {
    CPU.close();
  }

  private static Path folder(String name) throws URISyntaxException {
    return Path.of(InductorGpuExportTest.class.getResource("/inductor-gpu/" + name
        + "/program.json").toURI()).getParent();
  }

  private static ModelProgram read(Path dir) throws IOException {
    try (InputStream in = Files.newInputStream(dir.resolve("program.json"))) {
      return ModelProgramReader.read(dir.resolve("program.json").toString(), in);
    }
  }

  @ParameterizedTest
  @CsvSource({"tiny-gpt-b2, 8", "bert-b1, 5", "digits-cnn-b2-triton, 8"})
  void load_realExport_checksEveryBinaryThenNamesTheBackendItNeeds(String name, int kernels)
      throws Exception {
    Path dir = folder(name);
    var triton = assertInstanceOf(ModelProgram.TritonBinaries.class, read(dir).compiled());
    assertEquals("sm_90", triton.capability());
    assertEquals(kernels, triton.kernels().size());
    // every cubin's digest and parameter table is checked before the device is: on the CPU the
    // load gets that far and then says what it needs
    var e = assertThrows(ProgramFormatException.class, () -> ModelLoader.load(
        ModelLoader.folder(dir), name, "1", PlannerRegistry.builtIn().get("offset"),
        PlanOptions.DEFAULT, CPU));
    assertTrue(e.getMessage().contains("which need backend cuda (this one is cpu)"),
        e.getMessage());
  }

  @ParameterizedTest
  @CsvSource({"tiny-gpt-b2", "bert-b1", "digits-cnn-b2-triton"})
  void externCalls_realExport_areAllInTheOperatorSet(String name) throws Exception {
    ModelProgram p = read(folder(name));
    var triton = (ModelProgram.TritonBinaries) p.compiled();
    TreeSet<String> outside = new TreeSet<>();
    for (ModelProgram.Template t : p.lines()) {
      if (t instanceof ModelProgram.Call c && !triton.kernels().containsKey(c.kernel())
          && !CPU.supports(c.kernel())) {
        outside.add(c.kernel());
      }
    }
    assertEquals(new TreeSet<>(), outside);
  }

  /**
   * {@code --conv triton}: the convolutions (and here one product) are Inductor's Triton
   * templates, whose grid is the call's three trailing arguments (FixedGrid), not launched.
   */
  @Test
  void templates_realExport_takeTheirGridFromTheCall() throws Exception {
    ModelProgram p = read(folder("digits-cnn-b2-triton"));
    var triton = (ModelProgram.TritonBinaries) p.compiled();
    List<long[]> grids = new ArrayList<>();
    for (ModelProgram.Template t : p.lines()) {
      TritonKernel k = t instanceof ModelProgram.Call c ? triton.kernels().get(c.kernel()) : null;
      if (k == null || !k.grid().type().equals("FixedGrid")) {
        continue;
      }
      List<String> args = ((ModelProgram.Call) t).args();
      grids.add(k.gridFor(args));
      // the grid's three arguments are the call's last three, and none of them is launched
      int n = args.size();
      assertEquals(List.of("_grid_0", "_grid_1", "_grid_2"), k.args().subList(n - 3, n));
      assertTrue(k.launched().stream().allMatch(i -> i < n - 3), k.name());
    }
    assertEquals(List.of("[2, 1, 1]", "[2, 1, 1]", "[1, 1, 1]"),
        grids.stream().map(Arrays::toString).toList());
  }

  /** Planned bytes: what the same programs planned on the H200 (docs/gpu.md). */
  @ParameterizedTest
  @CsvSource({"tiny-gpt-b2, 51072", "bert-b1, 2531328", "digits-cnn-b2-triton, 51200"})
  void plan_realExport_everyPlannerVerifiesAndOffsetMeetsTheBound(String name, long onDevice)
      throws Exception {
    ModelProgram p = read(folder(name));
    Map<String, long[]> shapes = new LinkedHashMap<>();
    for (ModelProgram.TensorSpec in : p.inputs()) {
      shapes.put(in.name(), in.shape().stream().mapToLong(d -> d.eval(Map.of())).toArray());
    }
    Graph g = ProgramBinder.bind(p, ProgramBinder.symbolsFor(p, shapes));
    PlanOptions options = PlanOptions.DEFAULT.withBudgetMillis(1_000);
    for (MemoryPlanner planner : PlannerRegistry.builtIn().all()) {
      Plan plan = planner.plan(g, options);
      PlanVerifier.verify(g, plan, options.alignment());
      if (planner.name().equals("offset")) {
        // the reported bound is raw bytes; at 64-byte alignment the bound to reach is the aligned one
        assertEquals(LowerBound.of(Liveness.of(g), options.alignment()), plan.plannedBytes(),
            name);
        assertEquals(onDevice, plan.plannedBytes(), name);
      }
    }
  }
}
