package io.planline.ir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The IR records validate themselves; each line class has its own kind. */
final class WrapperLineTest {

  static final Buffer A = Buffer.ofBytes("a", Device.CUDA0, 64);

  @Test
  void kinds_oneRecordPerLineClass_eachKindOnce() {
    List<WrapperLine> lines = List.of(new WrapperLine.AllocateLine(A),
        WrapperLine.FreeIfNotReusedLine.of(A), new WrapperLine.ReuseLine(A, A.renamed("b"), true),
        new WrapperLine.NullLine(), new WrapperLine.ReinterpretLine(A, A.renamed("v"), 2),
        new WrapperLine.FreeLine(A), new WrapperLine.KernelCallLine("k", List.of("a"), null),
        new WrapperLine.KernelDefinitionLine("k"), new WrapperLine.ExternKernelOutLine(A),
        new WrapperLine.ExternKernelAllocLine(A), new WrapperLine.MultiOutputLine("r", "a"),
        new WrapperLine.CommentLine(""), new WrapperLine.EnterSubgraphLine("s"),
        new WrapperLine.ExitSubgraphLine(), new WrapperLine.EnterDeviceContextManagerLine(0),
        new WrapperLine.ExitDeviceContextManagerLine(),
        new WrapperLine.CommBufferAllocateLine(A, "symm_mem", "0"),
        new WrapperLine.CommBufferFreeLine(A), new WrapperLine.UnbackedSymbolDefsLine(),
        new WrapperLine.AllocFromPoolLine(A, "pool0", 0), new WrapperLine.DeallocFromPoolLine(A),
        new WrapperLine.TextLine("x = 1"));
    Set<WrapperLine.Kind> kinds = EnumSet.noneOf(WrapperLine.Kind.class);
    lines.forEach(l -> assertTrue(kinds.add(l.kind()), "kind twice: " + l.kind()));
    assertEquals(EnumSet.allOf(WrapperLine.Kind.class), kinds);
  }

  @Test
  void records_invalidFields_rejectedWithTheBufferNamed() {
    assertThrows(NullPointerException.class, () -> new WrapperLine.AllocateLine(null));
    var e = assertThrows(IllegalArgumentException.class,
        () -> new WrapperLine.ReuseLine(A, Buffer.ofBytes("b", Device.CUDA0, 128), true));
    assertTrue(e.getMessage().contains("a (64 bytes) as b (128 bytes): sizes differ"));
    e = assertThrows(IllegalArgumentException.class,
        () -> new WrapperLine.ReinterpretLine(A, A.renamed("v"), -1));
    assertTrue(e.getMessage().contains("negative storage offset"));
    e = assertThrows(IllegalArgumentException.class,
        () -> new Buffer("x", Device.CPU, DType.FLOAT32, List.of(2L), List.of(1L), -4, "2", true));
    assertTrue(e.getMessage().contains("buffer x: negative size"));
    e = assertThrows(IllegalArgumentException.class, () -> new Buffer("x", Device.CPU,
        DType.FLOAT32, List.of(2L, 3L), List.of(1L), 24, "6", true));
    assertTrue(e.getMessage().contains("2 dims but stride"));
  }

  @Test
  void deviceAndDtype_parse_roundTripOrExplain() {
    assertEquals(new Device("cuda", 1), Device.parse("cuda:1"));
    assertEquals("cpu", Device.parse("cpu").toString());
    assertThrows(IllegalArgumentException.class, () -> Device.parse("cuda:x"));
    assertEquals(DType.BFLOAT16, DType.parse("torch.bfloat16"));
    assertEquals(8, DType.INT64.itemSize());
    var e = assertThrows(IllegalArgumentException.class, () -> DType.parse("float7"));
    assertTrue(e.getMessage().contains("known: float64, float32"));
  }
}
