package io.planline.plan.greedy;

import io.planline.ir.Buffer;
import io.planline.ir.DType;
import io.planline.ir.Device;
import io.planline.ir.Graph;
import io.planline.ir.WrapperLine;
import io.planline.ir.WrapperLine.FreeIfNotReusedLine;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Small hand-built programs for the greedy tests. */
final class Programs {

  private Programs() {}

  /** A float32 cuda:0 buffer of {@code elements} elements whose size expression is the number. */
  static Buffer buf(String name, long elements) {
    return buf(name, Long.toString(elements), DType.FLOAT32, true, Device.CUDA0, elements * 4);
  }

  /** A 1 KiB float32 cuda:0 buffer (size expression {@code 256}). */
  static Buffer buf(String name) {
    return buf(name, 256);
  }

  static Buffer buf(String name, String expr, DType dtype, boolean aligned, Device device,
      long bytes) {
    return new Buffer(name, device, dtype, List.of(bytes / dtype.itemSize()), List.of(1L), bytes,
        expr, aligned);
  }

  static WrapperLine alloc(Buffer b) {
    return new WrapperLine.AllocateLine(b);
  }

  static WrapperLine free(Buffer b) {
    return FreeIfNotReusedLine.of(b);
  }

  static WrapperLine call(String... args) {
    return new WrapperLine.KernelCallLine("k", Arrays.asList(args), Device.CUDA0);
  }

  static WrapperLine reuse(Buffer old, Buffer now) {
    return new WrapperLine.ReuseLine(old, now, true);
  }

  static Graph graph(List<WrapperLine> lines, Collection<String> outputs) {
    return graph(lines, outputs, Set.of(), List.of());
  }

  static Graph graph(List<WrapperLine> lines, Collection<String> outputs, Set<String> removed,
      List<Buffer> inputs) {
    return new Graph("test", "", inputs, List.copyOf(outputs), removed, lines, Map.of());
  }
}
