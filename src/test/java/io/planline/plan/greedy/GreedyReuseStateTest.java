package io.planline.plan.greedy;

import static io.planline.plan.greedy.Programs.alloc;
import static io.planline.plan.greedy.Programs.buf;
import static io.planline.plan.greedy.Programs.call;
import static io.planline.plan.greedy.Programs.free;
import static io.planline.plan.greedy.Programs.reuse;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.planline.ir.Buffer;
import io.planline.ir.Graph;
import io.planline.ir.WrapperLine;
import io.planline.plan.Plan;
import io.planline.plan.PlanOptions;
import io.planline.plan.PlanningException;
import io.planline.testing.Shared;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;

/** The online form: one line at a time, and as a Reactor operator. */
final class GreedyReuseStateTest {

  private static final Buffer A = buf("a");
  private static final Buffer B = buf("b");

  @Test
  void accept_memoryLines_areHeldUntilAnotherKindArrives() {
    GreedyReuseState s = new GreedyReuseState(Set.of("b"), Set.of());
    assertEquals(List.of(), s.accept(alloc(A)));
    assertEquals(List.of(alloc(A), call("a")), s.accept(call("a")));
    assertEquals(List.of(), s.accept(free(A)));
    assertEquals(List.of(), s.accept(alloc(B)));
    assertEquals(List.of(free(A), reuse(A, B), call("b")), s.accept(call("b")));
    assertEquals(Map.of("b", "a"), s.reuses());
  }

  @Test
  void finish_heldTrailingLines_dropsThoseTheSeedPrunes() {
    Buffer c = buf("c");
    GreedyReuseState s = new GreedyReuseState(Set.of("b"), Set.of());
    for (WrapperLine l : List.of(alloc(A), alloc(B), alloc(c), call("a", "b", "c"), free(A),
        free(B))) {
      s.accept(l);
    }
    s.accept(free(c));
    assertEquals(List.of(free(A), free(B)), s.finish());
  }

  @Test
  void accept_afterFinish_isRejected() {
    GreedyReuseState s = new GreedyReuseState(Set.of(), Set.of());
    s.finish();
    assertThrows(IllegalStateException.class, () -> s.accept(call()));
    assertThrows(IllegalStateException.class, s::finish);
  }

  @Test
  void operator_smallProgram_emitsTheRewrittenLinesInOrder() {
    var op = GreedyReuseState.operator(Set.of(), Set.of());
    Flux<WrapperLine> lines = Flux.just(alloc(A), call("a"), free(A), alloc(B), call("b"),
        free(B)); // the trailing free is pruned
    StepVerifier.create(lines.transform(op))
        .expectNext(alloc(A), call("a"), free(A), reuse(A, B), call("b"))
        .verifyComplete();
  }

  @Test
  void operator_eachSubscription_startsWithFreshPools() {
    var op = GreedyReuseState.operator(Set.of("b"), Set.of());
    Flux<WrapperLine> planned = Flux.just(alloc(A), call("a"), free(A), alloc(B), call("b"))
        .transform(op);
    List<WrapperLine> expected = List.of(alloc(A), call("a"), free(A), reuse(A, B), call("b"));
    StepVerifier.create(planned).expectNextSequence(expected).verifyComplete();
    StepVerifier.create(planned).expectNextSequence(expected).verifyComplete();
  }

  @Test
  void operator_unmatchedSubgraphExit_endsTheStreamWithAnError() {
    var op = GreedyReuseState.operator(Set.of(), Set.of());
    StepVerifier.create(Flux.just(call(), new WrapperLine.ExitSubgraphLine()).transform(op))
        .expectNext(call())
        .expectError(PlanningException.class)
        .verify();
  }

  @Test
  void operator_backpressure_requestsAreHonoured() {
    var op = GreedyReuseState.operator(Set.of("b"), Set.of());
    Flux<WrapperLine> lines = Flux.just(alloc(A), call("a"), free(A), alloc(B), call("b"));
    StepVerifier.create(lines.transform(op), 1)
        .expectNext(alloc(A))
        .thenRequest(2)
        .expectNext(call("a"), free(A))
        .thenRequest(10)
        .expectNext(reuse(A, B), call("b"))
        .verifyComplete();
  }

  static Stream<Path> reuseTraces() {
    return Shared.reuseTraceDirs().stream();
  }

  @ParameterizedTest
  @MethodSource("reuseTraces")
  void operator_sharedTrace_equalsTheBatchPlanBarTheReuseMarks(Path dir) {
    for (Graph g : TraceFiles.before(dir).graphs()) {
      Plan batch = new GreedyReusePlanner().plan(g, PlanOptions.DEFAULT);
      Function<Flux<WrapperLine>, Flux<WrapperLine>> op =
          GreedyReuseState.operator(Set.copyOf(g.outputs()), g.removedBuffers());
      List<WrapperLine> online = Flux.fromIterable(g.lines()).transform(op).collectList().block();
      assertEquals(batch.lines(), Programs.markTaken(online, batch.asReuses().reuses()),
          g.source());
      assertEquals(batch.plannedBytes(), WholePeak.plannedPeak(g.withLines(online)),
          g.source() + ": the simulator reads unmarked frees the same way");
    }
  }
}
