package io.planline.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.planline.io.LineDumpReader;
import io.planline.ir.Buffer;
import io.planline.ir.Device;
import io.planline.ir.Graph;
import io.planline.ir.WrapperLine;
import io.planline.testing.Shared;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The driver: one liveness, one bound at one alignment, every plan verified. */
final class PlanDriverTest {

  private static final PlanOptions OPTIONS = PlanOptions.DEFAULT.withBudgetMillis(200);

  private static final Buffer A = Buffer.ofBytes("a", Device.CUDA0, 100);
  private static final Buffer B = Buffer.ofBytes("b", Device.CUDA0, 10);
  /** a and b live together at line 1: raw bound 110 bytes, 192 at 64-byte alignment. */
  private static final Graph TWO = Graph.of("two", List.of(new WrapperLine.AllocateLine(A),
      new WrapperLine.AllocateLine(B), WrapperLine.FreeIfNotReusedLine.of(A),
      WrapperLine.FreeIfNotReusedLine.of(B)), List.of());

  static Stream<Path> traces() {
    return Shared.traceDirs().stream();
  }

  @ParameterizedTest
  @MethodSource("traces")
  void plan_everyRegisteredPlanner_sameRawBoundAndVerified(Path dir) {
    for (Graph g : LineDumpReader.read(dir.resolve("lines.json")).graphs()) {
      long bound = LowerBound.of(Liveness.of(g), 1);
      for (MemoryPlanner p : PlannerRegistry.builtIn().all()) {
        Plan plan = p.plan(g, OPTIONS);
        assertEquals(bound, plan.lowerBoundBytes(), p.name() + " on " + g.source());
        assertTrue(plan.plannedBytes() >= bound, p.name() + " on " + g.source());
        PlanVerifier.verify(g, plan, OPTIONS.alignment());
      }
    }
  }

  /** Unaligned sizes: the raw bound stays a bound for every family, reuse plans included. */
  @Property(tries = 100)
  void plan_unalignedSizes_noPlannerBelowTheBound(
      @ForAll @Size(min = 1, max = 30) List<@IntRange(min = 1, max = 700) Integer> sizes,
      @ForAll @Size(min = 1, max = 30) List<@IntRange(min = 0, max = 5) Integer> frees) {
    List<WrapperLine> lines = new ArrayList<>();
    List<Buffer> live = new ArrayList<>();
    for (int i = 0; i < sizes.size(); i++) {
      Buffer b = Buffer.ofBytes("buf" + i, Device.CUDA0, sizes.get(i));
      lines.add(new WrapperLine.AllocateLine(b));
      lines.add(new WrapperLine.KernelCallLine("k" + i, List.of(b.name()), Device.CUDA0));
      live.add(b);
      int f = frees.get(i % frees.size());
      if (f < live.size()) {
        lines.add(WrapperLine.FreeIfNotReusedLine.of(live.remove(f)));
      }
    }
    Graph g = Graph.of("random", lines, List.of());
    for (MemoryPlanner p : PlannerRegistry.builtIn().all()) {
      Plan plan = p.plan(g, OPTIONS);
      assertTrue(plan.plannedBytes() >= plan.lowerBoundBytes(), p.name());
    }
  }

  @Test
  void plan_strategy_getsLivenessOnceAndTheOptions() {
    Recording recording = new Recording(new NoopPlanner());
    Plan plan = recording.plan(TWO, OPTIONS);
    assertEquals(Liveness.of(TWO), recording.input.ranges());
    assertEquals(OPTIONS, recording.input.options());
    assertEquals("recording", plan.planner());
    assertEquals("two", plan.source());
    assertEquals(110, plan.lowerBoundBytes());
    assertEquals(192, plan.plannedBytes());
    assertFalse(plan.provenOptimal(), "noop proves nothing of its own; 192 > 110");
  }

  @Test
  void plan_decisionAtTheBound_isProvenOptimal() {
    MemoryPlanner exact = strategy(in -> Decision.reuses(java.util.Map.of(), in.graph().lines(),
        110));
    assertTrue(exact.plan(TWO, OPTIONS).provenOptimal());
  }

  @Test
  void plan_overlappingDecision_isRejectedByTheVerifier() {
    MemoryPlanner broken = strategy(in -> Decision.offsets(
        List.of(new Pool("pool0", Device.CUDA0, 128)),
        List.of(new Placement("a", "pool0", 0, 128, 0, 2),
            new Placement("b", "pool0", 64, 64, 1, 3)),
        in.graph().lines(), false));
    var e = assertThrows(IllegalStateException.class, () -> broken.plan(TWO, OPTIONS));
    assertTrue(e.getMessage().contains("overlaps"), e.getMessage());
  }

  @Test
  void unverified_thenVerify_sameAsPlan() {
    MemoryPlanner offset = PlannerRegistry.builtIn().get("offset");
    Plan plan = PlanDriver.unverified(offset, TWO, OPTIONS);
    PlanDriver.verify(TWO, plan, OPTIONS);
    assertEquals(offset.plan(TWO, OPTIONS), plan);
  }

  private static MemoryPlanner strategy(java.util.function.Function<PlanInput, Decision> f) {
    return new MemoryPlanner() {
      @Override
      public String name() {
        return "test";
      }

      @Override
      public String description() {
        return "a fixed decision";
      }

      @Override
      public Decision decide(PlanInput input) {
        return f.apply(input);
      }
    };
  }

  /** Records what the driver hands a strategy (XLA's HeapCallRecorder). */
  private static final class Recording implements MemoryPlanner {
    private final MemoryPlanner inner;
    PlanInput input;

    Recording(MemoryPlanner inner) {
      this.inner = inner;
    }

    @Override
    public String name() {
      return "recording";
    }

    @Override
    public String description() {
      return "records its input";
    }

    @Override
    public Decision decide(PlanInput in) {
      this.input = in;
      return inner.decide(in);
    }
  }
}
