package io.planline.plan.pool;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.planline.ir.Buffer;
import io.planline.ir.Device;
import io.planline.ir.Graph;
import io.planline.ir.WrapperLine;
import io.planline.plan.Plan;
import io.planline.plan.PlanOptions;
import io.planline.plan.PlanVerifier;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/** On random programs the Inductor pool planner's plans always verify and respect the bound. */
final class InductorPoolPlannerPropertyTest {

  /**
   * A random program: each step allocates the next buffer or frees a random live one; some
   * buffers stay live to the end, one may be an output, and a few live on the CPU.
   */
  private static Graph randomGraph(List<Integer> sizes, long seed) {
    Random random = new Random(seed);
    List<WrapperLine> lines = new ArrayList<>();
    List<Buffer> live = new ArrayList<>();
    int next = 0;
    while (next < sizes.size() || (!live.isEmpty() && random.nextInt(4) > 0)) {
      boolean allocate = next < sizes.size() && (live.isEmpty() || random.nextBoolean());
      if (allocate) {
        Device d = random.nextInt(8) == 0 ? Device.CPU : Device.CUDA0;
        Buffer b = Buffer.ofBytes("buf" + next, d, sizes.get(next++));
        lines.add(new WrapperLine.AllocateLine(b));
        live.add(b);
      } else {
        lines.add(WrapperLine.FreeIfNotReusedLine.of(live.remove(random.nextInt(live.size()))));
      }
      if (random.nextInt(3) == 0) {
        lines.add(new WrapperLine.KernelCallLine("k", List.of(), Device.CUDA0));
      }
    }
    List<String> outputs = random.nextBoolean() ? List.of("buf0") : List.of();
    return Graph.of("random#" + seed, lines, outputs);
  }

  @Property(tries = 300)
  void plan_randomProgram_verifiesAndStaysAboveBound(
      @ForAll @Size(min = 1, max = 40) List<@IntRange(min = 0, max = 5000) Integer> sizes,
      @ForAll long seed) {
    Graph g = randomGraph(sizes, seed);
    Plan plan = new InductorPoolPlanner().plan(g, PlanOptions.DEFAULT);
    PlanVerifier.verify(g, plan, PlanOptions.ALIGN_BYTES);
    assertTrue(plan.plannedBytes() >= plan.lowerBoundBytes(),
        plan.plannedBytes() + " below the bound " + plan.lowerBoundBytes());
  }
}
