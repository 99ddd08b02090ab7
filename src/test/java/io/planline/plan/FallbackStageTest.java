package io.planline.plan;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.planline.ir.Buffer;
import io.planline.ir.Device;
import io.planline.ir.Graph;
import io.planline.ir.WrapperLine;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/**
 * The driver's fallback stage, with an improver that records what it is asked (XLA's
 * {@code HeapCallRecorder}: the test double is itself an implementation of the interface).
 */
final class FallbackStageTest {

  /** Two buffers live together, then a third: the bound is 2 units, stacking all three is 3. */
  private static final OffsetProblem PART = new OffsetProblem(new long[] {1, 1, 1},
      new int[] {0, 0, 2}, new int[] {1, 1, 3});
  private static final long[] HIGH = {0, 1, 2};
  private static final long[] LOW = {0, 1, 0};

  /** Answers every part with {@code answer} and records the parts it was given. */
  private static final class Recorder implements Improver {
    final List<Part> asked = new ArrayList<>();
    final long @Nullable [] answer;

    Recorder(long @Nullable [] answer) {
      this.answer = answer;
    }

    @Override
    public Result improve(Part part, long deadlineNanos) {
      asked.add(part);
      return new Result(answer, 7);
    }
  }

  /** A one-pool decision at {@code offsets} (unit bytes), rebuilt by the reassembly likewise. */
  private static Decision decision(long[] offsets) {
    Graph g = Graph.of("g", List.of(), List.of());
    List<Placement> placements = new ArrayList<>();
    for (int i = 0; i < offsets.length; i++) {
      placements.add(new Placement("b" + i, "pool0", offsets[i], 1, PART.first(i),
          PART.last(i)));
    }
    Pool pool = new Pool("pool0", Device.CPU, PART.height(offsets));
    return Decision.offsets(List.of(pool), placements, g.lines(), false);
  }

  private static Decision open() {
    Improver.Part part = new Improver.Part(PART, HIGH, 2, 100);
    return decision(HIGH).withOpen(new Refinement(List.of(part), Long.MAX_VALUE,
        found -> decision(found.get(0))));
  }

  @Test
  void run_improverFindsThePart_rebuildsTheDecisionFromIt() {
    Recorder r = new Recorder(LOW);
    FallbackStage.Outcome out = FallbackStage.run(open(), Optional.of(r));
    assertEquals(1, r.asked.size());
    assertArrayEquals(HIGH, r.asked.get(0).incumbent(), "the strategy's placement is given");
    assertEquals(2, r.asked.get(0).target());
    assertEquals(2, out.decision().plannedBytes());
    assertEquals(1, out.lowered());
    assertEquals(7, out.nodes());
    assertNull(out.decision().open());
  }

  @Test
  void run_improverFindsNothing_keepsTheIncumbent() {
    FallbackStage.Outcome out = FallbackStage.run(open(), Optional.of(new Recorder(null)));
    assertEquals(3, out.decision().plannedBytes());
    assertEquals(0, out.lowered());
  }

  @Test
  void run_answerAboveTheTarget_isNotTaken() {
    FallbackStage.Outcome out = FallbackStage.run(open(),
        Optional.of(new Recorder(new long[] {0, 1, 5})));
    assertEquals(3, out.decision().plannedBytes());
  }

  @Test
  void run_noImprover_theDecisionStands() {
    Decision d = open();
    FallbackStage.Outcome out = FallbackStage.run(d, Optional.empty());
    assertEquals(d.placements(), out.decision().placements());
    assertNull(out.decision().open());
  }

  @Test
  void run_nothingOpen_asksNothing() {
    Recorder r = new Recorder(LOW);
    FallbackStage.run(decision(LOW), Optional.of(r));
    assertTrue(r.asked.isEmpty());
  }

  @Test
  void registered_isTheExactEngine() {
    assertEquals("ExactImprover", FallbackStage.registered().orElseThrow().getClass()
        .getSimpleName());
  }
}
