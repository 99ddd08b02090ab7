package io.planline.plan.greedy;

import static io.planline.plan.greedy.Programs.alloc;
import static io.planline.plan.greedy.Programs.buf;
import static io.planline.plan.greedy.Programs.call;
import static io.planline.plan.greedy.Programs.free;
import static io.planline.plan.greedy.Programs.graph;
import static io.planline.plan.greedy.Programs.reuse;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.planline.ir.Buffer;
import io.planline.ir.Device;
import io.planline.ir.Graph;
import io.planline.ir.WrapperLine;
import io.planline.ir.WrapperLine.FreeIfNotReusedLine;
import io.planline.plan.greedy.HeldStorage.Origin;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The whole-program simulator's rules, one storage origin at a time. */
final class WholePeakTest {

  @Test
  void profile_plannedStorage_roundedTo512AndHeldInclusively() {
    Buffer a = buf("a", 3); // 12 bytes
    Graph g = graph(List.of(call(), alloc(a), call("a"), free(a), call()), List.of());
    assertArrayEquals(new long[] {0, 512, 512, 512, 0}, WholePeak.profile(g));
    assertEquals(12, WholePeak.plannedPeak(g), "the planned figure is raw bytes");
  }

  @Test
  void profile_inputOverwrittenInPlace_isHeldFromTheFirstLine() {
    Buffer x = buf("x", 256);
    Buffer y = x.renamed("y");
    Graph g = graph(List.of(call(), call(), reuse(x, y), call("y"), free(y), call()), List.of(),
        Set.of(), List.of(x));
    assertArrayEquals(new long[] {1024, 1024, 1024, 1024, 1024, 0}, WholePeak.profile(g));
    assertEquals(Origin.DONATED_INPUT, WholePeak.storages(g).get(0).origin());
    assertEquals(0, WholePeak.plannedPeak(g));
  }

  @Test
  void profile_inputOnlyDropped_isNotCounted() {
    Buffer x = buf("x", 256);
    Graph g = graph(List.of(call("x"), new WrapperLine.FreeLine(x)), List.of(), Set.of(),
        List.of(x));
    assertEquals(0, WholePeak.peak(g));
  }

  @Test
  void storages_externAndMultiOutputResults_takeTheirSizeFromTheFreeingLine() {
    Buffer tuple = Buffer.unsized("t", Device.CUDA0);
    Buffer r0 = buf("r0", 1000);
    List<WrapperLine> lines = List.of(new WrapperLine.ExternKernelAllocLine(tuple),
        new WrapperLine.MultiOutputLine("r0", "t"), new WrapperLine.MultiOutputLine("r1", "t"),
        new FreeIfNotReusedLine(tuple, false, false, true), call("r0"), free(r0), call("r1"));
    List<HeldStorage> held = WholePeak.storages(graph(lines, List.of("r1")));
    assertEquals(List.of(new HeldStorage("t", List.of("t"), Origin.EXTERN_KERNEL, -1, 0, 0, 3),
        new HeldStorage("r0", List.of("r0"), Origin.MULTI_OUTPUT, -1, 4000, 1, 5),
        new HeldStorage("r1", List.of("r1"), Origin.MULTI_OUTPUT, -1, 0, 2, 6)), held);
  }

  @Test
  void storages_fallbackKernelTextAssignment_isAStorage() {
    Buffer f = buf("buf5", 128);
    List<WrapperLine> lines = List.of(new WrapperLine.TextLine("LineContext(context=x)"),
        new WrapperLine.TextLine("buf5 = torch.ops.aten.foo.default(arg0_1)"), call("buf5"),
        free(f));
    List<HeldStorage> held = WholePeak.storages(graph(lines, List.of()));
    assertEquals(List.of(
        new HeldStorage("buf5", List.of("buf5"), Origin.FALLBACK_KERNEL, -1, 512, 1, 3)), held);
  }

  @Test
  void storages_graphOutput_livesToTheLastLineEvenIfFreed() {
    Buffer a = buf("a");
    List<HeldStorage> held = WholePeak.storages(graph(List.of(alloc(a), free(a), call(), call()),
        List.of("a")));
    assertEquals(3, held.get(0).lastLine());
  }

  @Test
  void storages_freeTakenLater_holdsTheStorageWithOrWithoutTheMark() {
    Buffer a = buf("a");
    Buffer b = buf("b");
    for (WrapperLine freeA : List.of(new FreeIfNotReusedLine(a, true, false, false), free(a))) {
      Graph g = graph(List.of(alloc(a), freeA, call(), reuse(a, b), free(b), call()), List.of());
      assertEquals(List.of(new HeldStorage("a", List.of("a", "b"), Origin.PLANNED, 0, 1024, 0, 4)),
          WholePeak.storages(g));
    }
  }

  @Test
  void plannedPeak_externResultTakenByAPlannedBuffer_countsFromItsFree() {
    Buffer e = buf("e");
    Buffer b = buf("b");
    Graph g = graph(List.of(new WrapperLine.ExternKernelAllocLine(e), call("e"),
        new FreeIfNotReusedLine(e, true, false, false), call(), reuse(e, b), free(b), call()),
        List.of());
    HeldStorage h = WholePeak.storages(g).get(0);
    assertEquals(Origin.EXTERN_KERNEL, h.origin());
    assertEquals(2, h.plannedFrom());
    assertEquals(1024, WholePeak.plannedPeak(g));
  }

  /**
   * A multi-output result freed into the pool and taken by a graph output is never freed under
   * its own name again: its only size is on the pooled free (the dynamic-batch GPT-2 capture's
   * attention output; it counted 0 bytes and greedy-peak failed verification).
   */
  @Test
  void plannedPeak_multiOutputTakenByAnOutput_sizedByItsPooledFree() {
    Buffer tuple = Buffer.unsized("t", Device.CUDA0);
    Buffer r0 = buf("r0", 1000);
    Buffer out = r0.renamed("out");
    Graph g = graph(List.of(new WrapperLine.ExternKernelAllocLine(tuple),
        new WrapperLine.MultiOutputLine("r0", "t"), new FreeIfNotReusedLine(tuple, false, false,
            true), call("r0"), new FreeIfNotReusedLine(r0, true, false, false), reuse(r0, out),
        call("out")), List.of("out"));
    HeldStorage h = WholePeak.storages(g).get(1);
    assertEquals(Origin.MULTI_OUTPUT, h.origin());
    assertEquals(4000, h.bytes());
    assertEquals(4000, WholePeak.plannedPeak(g));
  }

  @Test
  void held_inconsistentRange_isRejected() {
    assertThrows(IllegalArgumentException.class,
        () -> new HeldStorage("a", List.of("a"), Origin.PLANNED, 0, 1, 5, 4));
    assertThrows(IllegalArgumentException.class,
        () -> new HeldStorage("a", List.of("a"), Origin.PLANNED, 7, 1, 0, 4));
  }
}
