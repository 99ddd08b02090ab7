package io.planline.bench;

import io.planline.ir.Buffer;
import io.planline.ir.Graph;
import io.planline.ir.WrapperLine;
import io.planline.model.ModelProgram;
import io.planline.model.ModelProgramReader;
import io.planline.model.ProgramBinder;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.IntSupplier;

/**
 * Two pieces of a request's bookkeeping on tiny-gpt's Inductor program bound at [1,64], the
 * cost per request of each way of doing them (session 19's flight recording of a batched GPU
 * server put them at 5.1% and 1.4% of its samples):
 * <ul>
 *   <li>its outputs' bound buffers: found by scanning the graph's lines per request, as
 *       {@code LocalInferenceService} did, or looked up in the map an {@code ExecutableProgram}
 *       now builds once;</li>
 *   <li>the request's two name maps ({@code RequestState}): grown from the default size, sized
 *       for the program's steps and inputs (what the code does), or for exactly its names.</li>
 * </ul>
 *
 * <p>Run: {@code java -cp target/test-classes:target/classes:CLASSPATH
 * io.planline.bench.RequestBookkeepingBench}. Prints µs per request, best of five rounds.
 */
public final class RequestBookkeepingBench {

  private static long sink;

  private RequestBookkeepingBench() {}

  public static void main(String[] args) throws Exception {
    ModelProgram program;
    try (InputStream in = RequestBookkeepingBench.class.getResourceAsStream(
        "/models/tiny-gpt/inductor/program.json")) {
      program = ModelProgramReader.read("tiny-gpt", in);
    }
    Graph g = ProgramBinder.bind(program, Map.of(program.symbols().get(0), 1L,
        program.symbols().get(1), 64L));
    List<String> outputs = program.outputs().stream().map(ModelProgram.OutputSpec::buffer)
        .toList();
    Map<String, Buffer> once = ProgramBinder.buffersNamed(g, Set.copyOf(g.outputs()));
    List<String> names = new ArrayList<>();
    g.inputs().forEach(b -> names.add(b.name()));
    for (WrapperLine l : g.lines()) {
      if (l instanceof WrapperLine.AllocateLine a) {
        names.add(a.node().name());
      } else if (l instanceof WrapperLine.ReuseLine r) {
        names.add(r.reusedAs().name());
      } else if (l instanceof WrapperLine.ReinterpretLine v) {
        names.add(v.reusedAs().name());
      }
    }
    int sized = g.lines().size() + g.inputs().size();
    System.out.printf(Locale.ROOT, "# tiny-gpt [1,64]: %d lines, %d outputs, %d names; µs per "
        + "request, best of 5 rounds of 200,000%n", g.lines().size(), outputs.size(),
        names.size());
    report("outputs: scan the lines (before)", () -> {
      outputs.forEach(o -> sink += ProgramBinder.bufferOf(g, o).shape().size());
      return 0;
    });
    report("outputs: map built at compile (now)", () -> {
      outputs.forEach(o -> sink += once.get(o).shape().size());
      return 0;
    });
    report("two maps, default size (before)", () -> maps(names, -1));
    report("two maps, sized for " + sized + " (now)", () -> maps(names, sized));
    report("two maps, sized for " + names.size() + " names", () -> maps(names, names.size()));
  }

  private static int maps(List<String> names, int capacity) {
    Map<String, Object> a = capacity < 0 ? new ConcurrentHashMap<>()
        : new ConcurrentHashMap<>(capacity);
    Map<String, Object> b = capacity < 0 ? new ConcurrentHashMap<>()
        : new ConcurrentHashMap<>(capacity);
    for (String n : names) {
      a.put(n, n);
      b.put(n, n);
    }
    for (String n : names) {
      sink += a.get(n).hashCode();
    }
    a.clear();
    b.clear();
    return 0;
  }

  private static void report(String what, IntSupplier perRequest) {
    int n = 200_000;
    double best = Double.MAX_VALUE;
    for (int round = 0; round < 5; round++) {
      long t0 = System.nanoTime();
      for (int i = 0; i < n; i++) {
        perRequest.getAsInt();
      }
      best = Math.min(best, (System.nanoTime() - t0) / 1e3 / n);
    }
    System.out.printf(Locale.ROOT, "%-40s %8.3f µs%n", what, best);
  }
}
