package io.planline.plan.pool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.planline.io.OutputCodeReader;
import io.planline.ir.Graph;
import io.planline.plan.Liveness;
import io.planline.plan.Placement;
import io.planline.plan.Plan;
import io.planline.plan.PlanOptions;
import io.planline.plan.PlanVerifier;
import io.planline.plan.Pool;
import io.planline.testing.Shared;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Inductor's own offsets, read from output code, form a plan that verifies. */
final class AsCompiledPlanTest {

  @TempDir
  Path dir;

  private static Graph wrapper(String trace) {
    return OutputCodeReader.read(Shared.trace(trace).resolve("wrapper_01.py")).graphs().get(0);
  }

  /** "Inductor pool planner" column of shared/traces/README.md for the pool traces with code. */
  static Stream<Arguments> poolWrappers() {
    return Stream.of(Arguments.of("llama-infer-pool", 34_340_864L),
        Arguments.of("resnet18-infer-pool", 9_469_184L));
  }

  @ParameterizedTest
  @MethodSource("poolWrappers")
  void of_poolWrapper_verifiesWithInductorsPoolBytes(String trace, long inductorBytes) {
    Graph g = wrapper(trace);
    Plan plan = AsCompiledPlan.of(g).orElseThrow();
    PlanVerifier.verify(g, plan, PlanOptions.ALIGN_BYTES);
    assertEquals(AsCompiledPlan.NAME, plan.planner());
    assertEquals(inductorBytes, plan.plannedBytes());
    assertEquals(g.pools().keySet(), plan.asOffsets().pools().stream().map(Pool::name)
        .collect(java.util.stream.Collectors.toSet()));
    assertEquals(Liveness.of(g).size(), plan.asOffsets().placements().size());
    assertTrue(plan.plannedBytes() >= plan.lowerBoundBytes());
  }

  @Test
  void of_resnet18Wrapper_keepsPrintedOffsets() {
    Plan plan = AsCompiledPlan.of(wrapper("resnet18-infer-pool")).orElseThrow();
    Placement buf1 = plan.asOffsets().placements().stream().filter(p -> p.buffer().equals("buf1"))
        .findFirst().orElseThrow();
    // buf1 = alloc_from_pool(pool1, 4816896, torch.float32, (64, 3, 7, 7), ...)
    assertEquals("pool1", buf1.pool());
    assertEquals(4_816_896L, buf1.offset());
  }

  @Test
  void of_greedyWrapper_hasNoPoolPlan() {
    assertTrue(AsCompiledPlan.of(wrapper("mlp-infer-reuse")).isEmpty());
  }

  @Test
  void of_standaloneAllocationBesidePools_getsPoolOfItsOwn() throws IOException {
    Path p = dir.resolve("wrapper_01.py");
    Files.writeString(p, """
        def call(args):
            with torch.cuda._DeviceGuard(0):
                pool0 = empty_strided_cuda((256, ), (1, ), torch.uint8)
                buf0 = alloc_from_pool(pool0, 0, torch.float32, (16, ), (1, ))
                buf1 = empty_strided_cuda((10, ), (1, ), torch.float32)
                k.run(buf0, buf1, stream=stream0)
                buf2 = alloc_from_pool(pool0, 64, torch.float32, (16, ), (1, ))
                k.run(buf1, buf2, stream=stream0)
                del buf1
            return (buf2, )
        """);
    Graph g = OutputCodeReader.read(p).graphs().get(0);
    Plan plan = AsCompiledPlan.of(g).orElseThrow();
    PlanVerifier.verify(g, plan, PlanOptions.ALIGN_BYTES);
    assertEquals(List.of("pool0", "buf1"), plan.asOffsets().pools()
        .stream().map(Pool::name).toList());
    assertEquals(256 + 40, plan.plannedBytes());
  }

  @Test
  void of_offsetsThatCollide_failVerification() throws IOException {
    Path p = dir.resolve("wrapper_01.py");
    Files.writeString(p, """
        def call(args):
            pool0 = empty_strided_cuda((256, ), (1, ), torch.uint8)
            buf0 = alloc_from_pool(pool0, 0, torch.float32, (16, ), (1, ))
            buf1 = alloc_from_pool(pool0, 0, torch.float32, (16, ), (1, ))
            k.run(buf0, buf1, stream=stream0)
            return ()
        """);
    Graph g = OutputCodeReader.read(p).graphs().get(0);
    Plan plan = AsCompiledPlan.of(g).orElseThrow();
    var e = assertThrows(IllegalStateException.class,
        () -> PlanVerifier.verify(g, plan, PlanOptions.ALIGN_BYTES));
    assertTrue(e.getMessage().contains("overlaps"), e.getMessage());
  }
}
