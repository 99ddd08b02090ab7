package io.planline.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.planline.ir.Buffer;
import io.planline.ir.DType;
import io.planline.ir.Device;
import io.planline.ir.Graph;
import io.planline.ir.WrapperLine;
import io.planline.ir.WrapperLine.AllocFromPoolLine;
import io.planline.ir.WrapperLine.AllocateLine;
import io.planline.ir.WrapperLine.DeallocFromPoolLine;
import io.planline.ir.WrapperLine.FreeIfNotReusedLine;
import io.planline.ir.WrapperLine.FreeLine;
import io.planline.ir.WrapperLine.KernelCallLine;
import io.planline.ir.WrapperLine.ReuseLine;
import io.planline.plan.LiveRange;
import io.planline.plan.Liveness;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The output-code reader on small modules written to disk, good and bad. */
final class OutputCodeReaderTest {

  @TempDir
  Path dir;

  private static final String HEADER = """
      import torch
      empty_strided_cuda = torch._C._dynamo.guards._empty_strided_cuda
      reinterpret_tensor = torch._C._dynamo.guards._reinterpret_tensor
      alloc_from_pool = torch.ops.inductor._alloc_from_pool

      class Runner:
          def call(self, args):
      """;

  private static final String GET_ARGS = """

      def get_args():
          from torch._dynamo.testing import rand_strided
          arg0_1 = rand_strided((8, 4), (4, 1), device='cuda:0', dtype=torch.float32)
          arg1_1 = rand_strided((4, ), (1, ), device='cuda:0', dtype=torch.float16)
          return [arg0_1, arg1_1]
      """;

  /** A module whose call body is {@code body} (indented by the caller as in Inductor output). */
  private Path module(String body) throws IOException {
    Path p = dir.resolve("wrapper_01.py");
    Files.writeString(p, HEADER + body + GET_ARGS);
    return p;
  }

  private Graph read(String body) throws IOException {
    return OutputCodeReader.read(module(body)).graphs().get(0);
  }

  private static <T extends WrapperLine> List<T> all(Graph g, Class<T> type) {
    return g.lines().stream().filter(type::isInstance).map(type::cast).toList();
  }

  private static final String GREEDY_BODY = """
              arg0_1, arg1_1 = args
              args.clear()
              assert_size_stride(arg0_1, (8, 4), (4, 1))
              with torch.cuda._DeviceGuard(0):
                  torch.cuda.set_device(0)
                  buf0 = empty_strided_cuda((8, 4), (4, 1), torch.float32)
                  # Topologically Sorted Source Nodes: [x], Original ATen: [aten.mm]
                  extern_kernels.mm(arg0_1, reinterpret_tensor(arg0_1, (4, 8), (1, 4), 0), out=buf0)
                  del arg0_1
                  buf1 = buf0; del buf0  # reuse
                  stream0 = get_raw_stream(0)
                  triton_poi_fused_relu_0.run(buf1, 32, stream=stream0)
                  buf2 = reinterpret_tensor(buf1, (32, ), (1, ), 0); del buf1  # reuse
                  buf3 = empty_strided_cuda((0, 5), (5, 1), torch.float32)
                  buf4 = empty_strided_cuda((), (), torch.int64)
                  del buf3
              return (reinterpret_tensor(buf2, (8, 4), (4, 1), 0), None, )
      """;

  @Test
  void read_greedyModule_mapsEveryStatementKind() throws IOException {
    Graph g = read(GREEDY_BODY);
    assertEquals(List.of("arg0_1", "arg1_1"), g.inputs().stream().map(Buffer::name).toList());
    Buffer in0 = g.inputs().get(0);
    assertEquals(DType.FLOAT32, in0.dtype());
    assertEquals(128, in0.bytes());
    assertEquals(8, g.inputs().get(1).bytes(), "float16 input from rand_strided");
    assertEquals(List.of("buf2"), g.outputs(), "a returned view names its base; None is skipped");

    List<AllocateLine> allocs = all(g, AllocateLine.class);
    assertEquals(List.of("buf0", "buf3", "buf4"),
        allocs.stream().map(a -> a.node().name()).toList());
    assertEquals(new Device("cuda", 0), allocs.get(0).node().device());
    assertEquals(128, allocs.get(0).node().bytes());
    assertEquals("32", allocs.get(0).node().storageExpr());
    assertEquals(0, allocs.get(1).node().bytes(), "a zero-size dimension holds no elements");
    assertEquals(8, allocs.get(2).node().bytes(), "a scalar holds one element");

    List<ReuseLine> reuses = all(g, ReuseLine.class);
    assertEquals(2, reuses.size());
    assertEquals("buf0", reuses.get(0).node().name());
    assertEquals("buf1", reuses.get(0).reusedAs().name());
    assertTrue(reuses.get(0).deleteOld());
    assertEquals(List.of(32L), reuses.get(1).reusedAs().shape());
    assertEquals(128, reuses.get(1).reusedAs().bytes());

    KernelCallLine k = all(g, KernelCallLine.class).get(0);
    assertEquals("triton_poi_fused_relu_0", k.kernelName());
    assertEquals(List.of("buf1", "32"), k.callArgs());
    assertEquals(Device.CUDA0, k.device());

    assertEquals("buf0", all(g, WrapperLine.ExternKernelOutLine.class).get(0).node().name());
    assertEquals(List.of("arg0_1"),
        all(g, FreeLine.class).stream().map(f -> f.node().name()).toList());
    assertEquals(1, all(g, WrapperLine.EnterDeviceContextManagerLine.class).size());
    assertEquals(1, all(g, WrapperLine.ExitDeviceContextManagerLine.class).size());
    assertEquals(1, all(g, WrapperLine.CommentLine.class).size());
  }

  @Test
  void read_bufferNeverDeleted_endsRightAfterItsLastUse() throws IOException {
    Graph g = read(GREEDY_BODY);
    List<FreeIfNotReusedLine> frees = all(g, FreeIfNotReusedLine.class);
    // buf3 is deleted explicitly; buf4 is never used again, so it ends right after allocation;
    // buf2 is an output and never ends
    assertEquals(List.of("buf4", "buf3"), frees.stream().map(f -> f.node().name()).toList());
    int alloc4 = indexOf(g, l -> l instanceof AllocateLine a && a.node().name().equals("buf4"));
    int free4 =
        indexOf(g, l -> l instanceof FreeIfNotReusedLine f && f.node().name().equals("buf4"));
    assertEquals(alloc4 + 1, free4);
    LiveRange buf0 = Liveness.of(g).get(0);
    assertEquals(List.of("buf0", "buf1", "buf2"), buf0.names());
    assertEquals(g.lines().size() - 1, buf0.lastLine(), "the output lives to the end");
  }

  private static final String POOL_BODY = """
              arg0_1, arg1_1 = args
              args.clear()
              with torch.cuda._DeviceGuard(0):
                  pool1 = empty_strided_cuda((1024, ), (1, ), torch.uint8)
                  buf0 = alloc_from_pool(pool1, 0, torch.float32, (8, 4), (4, 1))
                  k0.run(arg0_1, buf0, stream=stream0)
                  buf1 = alloc_from_pool(pool1, 128, torch.float32, (8, 4), (4, 1))
                  k1.run(buf0, buf1, stream=stream0)
                  buf2 = buf0  # alloc
                  k2.run(buf1, buf2, stream=stream0)
                  buf3 = reinterpret_tensor(buf2, (32, ), (1, ), 0);  # reuse
                  pool0 = empty_strided_cuda((8, 4), (4, 1), torch.float32)
                  buf4 = alloc_from_pool(pool0, 0, torch.float32, (8, 4), (4, 1))
                  k3.run(buf3, buf4, stream=stream0)
                  del pool1, buf0, buf1, buf2, buf3
              return (buf4, )
      """;

  @Test
  void read_poolModule_readsPoolsOffsetsAndEndsAtLastUse() throws IOException {
    Graph g = read(POOL_BODY);
    assertEquals(Map.of("pool1", 1024L, "pool0", 128L), g.pools());
    List<AllocFromPoolLine> slots = all(g, AllocFromPoolLine.class);
    assertEquals(List.of("buf0", "buf1", "buf2", "buf4"),
        slots.stream().map(s -> s.node().name()).toList());
    assertEquals(List.of(0L, 128L, 0L, 0L), slots.stream().map(AllocFromPoolLine::offset).toList());
    assertEquals("pool1", slots.get(2).pool(), "an '# alloc' alias takes its base's slot");
    assertEquals(List.of("buf0", "buf1", "buf3"),
        all(g, DeallocFromPoolLine.class).stream().map(d -> d.node().name()).toList());
    assertFalse(all(g, ReuseLine.class).get(0).deleteOld());
    // buf0's last use is k1, before buf2 takes its slot: their ranges must not overlap
    List<LiveRange> ranges = Liveness.of(g);
    assertTrue(ranges.get(0).lastLine() < ranges.get(2).firstLine());
    assertEquals(g.lines().size() - 1, ranges.get(3).lastLine(), "the output lives to the end");
  }

  private static int indexOf(Graph g, java.util.function.Predicate<WrapperLine> p) {
    for (int i = 0; i < g.lines().size(); i++) {
      if (p.test(g.lines().get(i))) {
        return i;
      }
    }
    return -1;
  }

  @Test
  void read_noCallFunction_failsNamingTheFile() throws IOException {
    Path p = dir.resolve("not_inductor.py");
    Files.writeString(p, "def main(args):\n    return 1\n");
    var e = assertThrows(ProgramFormatException.class, () -> OutputCodeReader.read(p));
    assertEquals(p.toString(), e.file());
    assertTrue(e.getMessage().contains("def call("), e.getMessage());
  }

  @Test
  void read_malformedShape_failsWithLineNumber() throws IOException {
    var e = readBad("        buf0 = empty_strided_cuda((8, -4), (4, 1), torch.float32)\n");
    assertEquals("line 9", e.location());
    assertTrue(e.getMessage().contains("malformed layout of buf0"), e.getMessage());
  }

  @Test
  void read_shapeNotATuple_fails() throws IOException {
    var e = readBad("        buf0 = empty_strided_cuda(8, (1, ), torch.float32)\n");
    assertTrue(e.getMessage().contains("expected a tuple"), e.getMessage());
  }

  @Test
  void read_shapeAndStrideDiffer_fails() throws IOException {
    var e = readBad("        buf0 = empty_strided_cuda((8, 4), (1, ), torch.float32)\n");
    assertTrue(e.getMessage().contains("has 2 dims"), e.getMessage());
  }

  @Test
  void read_unknownDtype_fails() throws IOException {
    var e = readBad("        buf0 = empty_strided_cuda((8, ), (1, ), torch.float7)\n");
    assertTrue(e.getMessage().contains("unknown dtype"), e.getMessage());
  }

  @Test
  void read_delOfUndefinedName_fails() throws IOException {
    var e = readBad("        buf0 = empty_strided_cuda((8, ), (1, ), torch.float32)\n"
        + "        del buf0, buf9\n");
    assertEquals("line 10", e.location());
    assertTrue(e.getMessage().contains("'buf9', which was never defined"), e.getMessage());
  }

  @Test
  void read_reuseChangingTheSize_fails() throws IOException {
    var e = readBad("        buf0 = empty_strided_cuda((8, ), (1, ), torch.float32)\n"
        + "        buf1 = reinterpret_tensor(buf0, (16, ), (1, ), 0); del buf0  # reuse\n");
    assertEquals("line 10", e.location());
    assertTrue(e.getMessage().contains("sizes differ"), e.getMessage());
  }

  @Test
  void read_reuseOfUndefinedName_fails() throws IOException {
    var e = readBad("        buf1 = buf0; del buf0  # reuse\n");
    assertTrue(e.getMessage().contains("reuse of 'buf0'"), e.getMessage());
  }

  @Test
  void read_allocationFromUnknownPool_fails() throws IOException {
    var e = readBad("        buf0 = alloc_from_pool(pool3, 0, torch.float32, (8, ), (1, ))\n");
    assertTrue(e.getMessage().contains("not a pool"), e.getMessage());
  }

  @Test
  void read_allocationPastPoolEnd_fails() throws IOException {
    var e = readBad("        pool0 = empty_strided_cuda((64, ), (1, ), torch.uint8)\n"
        + "        buf0 = alloc_from_pool(pool0, 64, torch.float32, (8, ), (1, ))\n");
    assertTrue(e.getMessage().contains("overruns pool0"), e.getMessage());
  }

  @Test
  void read_allocAliasOfPlainBuffer_fails() throws IOException {
    var e = readBad("        buf0 = empty_strided_cuda((8, ), (1, ), torch.float32)\n"
        + "        buf1 = buf0  # alloc\n");
    assertTrue(e.getMessage().contains("no alloc_from_pool allocated"), e.getMessage());
  }

  @Test
  void read_outToUndefinedBuffer_fails() throws IOException {
    var e = readBad("        extern_kernels.mm(arg0_1, arg0_1, out=buf7)\n");
    assertTrue(e.getMessage().contains("'buf7'"), e.getMessage());
  }

  @Test
  void read_commBufferAllocation_rejectedAsUnsupported() throws IOException {
    var e = readBad("        buf0 = empty_strided_p2p((8, ), (1, ), torch.float32, "
        + "torch.device(\"cuda:0\"), group_name=\"0\", alloc_id=1)\n");
    assertTrue(e.getMessage().contains("not supported"), e.getMessage());
  }

  private ProgramFormatException readBad(String statements) throws IOException {
    Path p = module("        arg0_1, arg1_1 = args\n" + statements);
    var e = assertThrows(ProgramFormatException.class, () -> OutputCodeReader.read(p));
    assertEquals(p.toString(), e.file());
    return e;
  }

  @Test
  void read_truncatedInsideAStatement_failsNamingTheLine() throws IOException {
    Path p = dir.resolve("cut.py");
    Files.writeString(p, "def call(self, args):\n    buf0 = empty_strided_cuda((4, ");
    var e = assertThrows(ProgramFormatException.class, () -> OutputCodeReader.read(p));
    assertEquals(p + ": line 2: unbalanced brackets: the statement starting here is still open"
        + " at the end of the file (truncated?)", e.getMessage());
  }

  @Test
  void read_truncatedBetweenStatements_failsAsCutOffBody() throws IOException {
    Path p = dir.resolve("cut.py");
    Files.writeString(p, "def call(self, args):\n    arg0_1, = args\n"
        + "    buf0 = empty_strided_cuda((4, ), (1, ), torch.float32)\n");
    var e = assertThrows(ProgramFormatException.class, () -> OutputCodeReader.read(p));
    assertTrue(e.getMessage().contains("the file ends inside the body of 'call'"),
        e.getMessage());
  }

  @Test
  void read_statementOverSeveralLines_isJoined() throws IOException {
    Graph g = read("""
                arg0_1, arg1_1 = args
                buf0 = empty_strided_cuda(
                    (8, 4),
                    (4, 1), torch.float32)
                return (buf0, )
        """);
    AllocateLine a = all(g, AllocateLine.class).get(0);
    assertEquals(128, a.node().bytes());
    assertInstanceOf(WrapperLine.TextLine.class, g.lines().get(g.lines().size() - 1));
  }
}
