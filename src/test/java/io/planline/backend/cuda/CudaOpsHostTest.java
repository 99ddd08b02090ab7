package io.planline.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.planline.backend.DeviceTensor;
import io.planline.ir.DType;
import io.planline.ir.Device;
import io.planline.ir.WrapperLine.KernelCallLine;
import io.planline.kernel.KernelLibrary;
import io.planline.kernel.Tensor;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The CUDA backend's host side, without a GPU: every operator of the CPU library has a CUDA
 * launcher, every kernel case binds, passes the launchers' shape checks and writes a parameter
 * block of exactly the size the PTX declares for its kernel (a layout mismatch between Java and
 * CUDA C would otherwise only show on a GPU, as garbage).
 */
final class CudaOpsHostTest {

  private static final Pattern ENTRY = Pattern.compile(
      "\\.entry (pl_[a-z0-9_]+)\\(\\s*\\.param \\.align \\d+ \\.b8 \\w+\\[(\\d+)\\]");

  /** One recorded launch. */
  private record Launched(String function, long gx, long gy, long gz, int threads, int bytes) {}

  static Stream<KernelCases.Case> cases() {
    return KernelCases.all().stream();
  }

  private static Map<String, Integer> ptxParamSizes() throws IOException {
    Map<String, Integer> sizes = new HashMap<>();
    for (String m : Kernels.MODULES) {
      try (InputStream in = Kernels.class.getResourceAsStream("/cuda/" + m + ".ptx")) {
        if (in == null) {
          return Map.of();
        }
        Matcher mt = ENTRY.matcher(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        while (mt.find()) {
          sizes.put(mt.group(1), Integer.parseInt(mt.group(2)));
        }
      }
    }
    return sizes;
  }

  /** Device tensors over buffers that own no memory: enough for the host side. */
  private static Map<String, DeviceTensor> fakeTensors(KernelCases.Case c) {
    Map<String, DeviceTensor> out = new HashMap<>();
    for (KernelCases.Input in : c.inputs()) {
      out.put(in.name(), fake(in.dtype(), in.shape(), HostData.strides(in)));
    }
    for (KernelCases.Output o : c.outputs()) {
      out.put(o.name(), fake(o.dtype(), o.shape(), KernelCases.contiguous(o.shape())));
    }
    return out;
  }

  private static CudaTensor fake(DType t, long[] shape, long[] stride) {
    long bytes = Math.max(1, KernelCases.numel(shape)) * t.itemSize();
    return new CudaTensor(new CudaBuffer(Device.CUDA0, new DevicePointer(), bytes, bytes), 0, t,
        shape, stride);
  }

  private static List<Launched> bind(KernelCases.Case c) {
    List<Launched> launched = new ArrayList<>();
    var call = new KernelCallLine(c.op(), c.args(), Device.CUDA0,
        c.outputs().stream().map(KernelCases.Output::name).toList());
    Map<String, DeviceTensor> tensors = fakeTensors(c);
    CudaOps.all().prepare(call, (s, fn, gx, gy, gz, threads, params) ->
        launched.add(new Launched(fn, gx, gy, gz, threads, params.length))).run(tensors::get);
    return launched;
  }

  /**
   * Every operator of the CPU library but oneDNN's fused convolutions, which only Inductor's
   * CPU exports call, beside C++ kernels the CUDA backend cannot run anyway.
   */
  @Test
  void operators_coverTheCpuLibrary_exactly() {
    TreeSet<String> portable = new TreeSet<>(KernelLibrary.cpu().operators());
    portable.removeIf(op -> op.startsWith("mkldnn."));
    assertEquals(portable, CudaOps.all().operators());
  }

  @Test
  void cases_coverEveryOperator() {
    TreeSet<String> covered = new TreeSet<>();
    KernelCases.all().forEach(c -> covered.add(c.op()));
    assertEquals(CudaOps.all().operators(), covered);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void case_runsOnTheCpuLibrary_asWritten(KernelCases.Case c) {
    Random rnd = new Random(1);
    Map<String, Tensor> t = new HashMap<>();
    for (KernelCases.Input in : c.inputs()) {
      t.put(in.name(), HostData.cpuTensor(in, HostData.input(in, rnd)));
    }
    for (KernelCases.Output o : c.outputs()) {
      t.put(o.name(), Tensor.allocate(o.dtype(), o.shape()));
    }
    KernelLibrary.cpu().prepare(c.op(), c.args(), c.outputs().stream()
        .map(KernelCases.Output::name).toList()).run(t::get);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void case_launchesWithTheParameterBlockThePtxDeclares(KernelCases.Case c) throws IOException {
    Map<String, Integer> sizes = ptxParamSizes();
    assumeTrue(!sizes.isEmpty(), "no PTX in this build (nvcc absent)");
    List<Launched> launched = bind(c);
    boolean empty = c.outputs().stream().allMatch(o -> KernelCases.numel(o.shape()) == 0);
    assertTrue(empty || !launched.isEmpty(), c.label() + " launched nothing");
    for (Launched l : launched) {
      assertEquals(sizes.get(l.function()), l.bytes(), c.label() + " -> " + l.function());
      assertTrue(l.threads() % 32 == 0 && l.threads() <= 1024, "threads " + l.threads());
    }
  }

  @Test
  void cases_launchEveryKernel() {
    TreeSet<String> used = new TreeSet<>();
    KernelCases.all().forEach(c -> bind(c).forEach(l -> used.add(l.function())));
    assertEquals(new TreeSet<>(Kernels.FUNCTIONS), used);
  }

  @Test
  void prepare_unknownOperator_namesIt() {
    var call = new KernelCallLine("aten.nonsense.default", List.of("x"), Device.CUDA0,
        List.of("y"));
    var e = assertThrows(IllegalArgumentException.class,
        () -> CudaOps.all().prepare(call, (s, fn, gx, gy, gz, t, p) -> { }));
    assertTrue(e.getMessage().contains("aten.nonsense.default"), e.getMessage());
  }

  @Test
  void prepare_badArguments_failsWithTheCpuLibrarysMessage() {
    var call = new KernelCallLine("aten.addmm.default", List.of("c", "a"), Device.CUDA0,
        List.of("y"));
    var e = assertThrows(IllegalArgumentException.class,
        () -> CudaOps.all().prepare(call, (s, fn, gx, gy, gz, t, p) -> { }));
    assertTrue(e.getMessage().contains("expected 5 arguments"), e.getMessage());
  }

  @Test
  void run_mismatchedOutputShape_failsNamingTheOperator() {
    KernelCases.Case c = new KernelCases.Case("aten.add.Tensor", List.of("a", "b", "1"),
        List.of(KernelCases.f("a", 3, 4), KernelCases.f("b", 4)),
        List.of(KernelCases.of("y", 3, 5)), false);
    var e = assertThrows(IllegalArgumentException.class, () -> bind(c));
    assertTrue(e.getMessage().contains("aten.add.Tensor") && e.getMessage().contains("broadcast"),
        e.getMessage());
  }

  @Test
  void view_outsideItsBuffer_isRefused() {
    CudaBuffer b = new CudaBuffer(Device.CUDA0, new DevicePointer(), 64, 512);
    assertThrows(IllegalArgumentException.class, () -> new CudaTensor(b, 0, DType.FLOAT32,
        new long[] {4, 5}, new long[] {5, 1}));
    assertThrows(IllegalArgumentException.class, () -> new CudaTensor(b, -4, DType.FLOAT32,
        new long[] {2}, new long[] {1}));
  }
}
