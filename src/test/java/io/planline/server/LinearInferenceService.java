package io.planline.server;

import io.micronaut.context.annotation.Replaces;
import io.micronaut.context.annotation.Requires;
import io.micronaut.context.env.Environment;
import io.planline.config.ModelSpec;
import io.planline.config.ServingConfig;
import io.planline.exec.HostTensor;
import io.planline.exec.InferenceException;
import io.planline.exec.InferenceService;
import io.planline.exec.ModelInfo;
import io.planline.exec.TensorInfo;
import io.planline.ir.Buffer;
import io.planline.ir.DType;
import io.planline.ir.Device;
import io.planline.ir.Graph;
import io.planline.ir.WrapperLine;
import io.planline.metrics.MemoryEventKind;
import io.planline.metrics.PlanlineMetrics;
import io.planline.model.ModelProgram;
import io.planline.model.ModelProgramReader;
import io.planline.model.ProgramBinder;
import io.planline.model.SizeExpr;
import io.planline.plan.Plan;
import io.planline.plan.PlanVerifier;
import io.planline.plan.PlannerRegistry;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * A small, honest stand-in for the real runtime, for the HTTP tests only: DELETE THIS FILE when
 * the Reactor executor's InferenceService lands (it replaces that bean in every test).
 *
 * <p>Models are the configured ones; built-in names load linear programs from
 * {@code src/test/resources/linear-models/} with the real I/O contract of issue 4 (digits: FP32
 * {@code [batch, 64]} or {@code [batch, 1, 8, 8]} to 10 logits; tiny-gpt: INT64
 * {@code [batch, sequence]} to FP32 {@code [batch, sequence, 256]}). Plans come from the real
 * binder, the configured planner and the verifier; execution interprets the plan's lines
 * ({@code aten.mm}, {@code aten.embedding}, views) over float arrays, with weights from
 * {@link #weight}. Admission is a real bounded queue: {@code max-concurrent-requests} execute,
 * {@code queue-capacity} wait, the next is refused; a plan over the memory budget is refused.
 */
@Singleton
@Requires(env = Environment.TEST)
@Replaces(InferenceService.class)
final class LinearInferenceService implements InferenceService {

  /** Context length of the stand-in tiny-gpt. */
  static final int CONTEXT = 64;

  private final ServingConfig config;
  private final PlannerRegistry planners;
  private final PlanlineMetrics metrics;
  private final List<Loaded> models = new ArrayList<>();
  private final Semaphore slots;
  private final AtomicInteger admitted = new AtomicInteger();
  private final Map<String, Boolean> readiness = new ConcurrentHashMap<>();
  private final AtomicInteger kernels = new AtomicInteger();
  private volatile @Nullable CountDownLatch gate;

  LinearInferenceService(ServingConfig config, PlannerRegistry planners,
      PlanlineMetrics metrics) {
    this.config = config;
    this.planners = planners;
    this.metrics = metrics;
    this.slots = new Semaphore(config.maxConcurrentRequests(), true);
    for (ModelSpec spec : config.models()) {
      Loaded m = new Loaded(spec, read(spec));
      models.add(m);
      long weightBytes = m.program.weights().stream()
          .mapToLong(w -> w.shape().stream().reduce(1L, Math::multiplyExact) * 4).sum();
      metrics.setWeights(spec.name(), Device.CPU, weightBytes);
    }
  }

  /** The weight value at flat index {@code i} of weight {@code name}. */
  static float weight(String name, int i) {
    return ((i * 37 + name.length() * 11) % 23 - 11) / 64f;
  }

  /** Test hook: executing requests wait until {@link #release}. */
  void hold() {
    gate = new CountDownLatch(1);
  }

  /** Test hook: lets held requests run. */
  void release() {
    CountDownLatch g = gate;
    gate = null;
    if (g != null) {
      g.countDown();
    }
  }

  /** Test hook: marks a model (every version) ready or not. */
  void setReady(String model, boolean ready) {
    readiness.put(model, ready);
  }

  /** Requests admitted and not finished (waiting or executing). */
  int admitted() {
    return admitted.get();
  }

  @Override
  public List<ModelInfo> models() {
    return models.stream().map(m -> m.info).toList();
  }

  @Override
  public Optional<ModelInfo> model(String name, @Nullable String version) {
    return find(name, version).map(m -> m.info);
  }

  @Override
  public boolean ready(String name, @Nullable String version) {
    return find(name, version).isPresent() && readiness.getOrDefault(name, true);
  }

  @Override
  public Mono<List<HostTensor>> infer(String model, @Nullable String version,
      Map<String, HostTensor> inputs) {
    return Mono.defer(() -> {
      Loaded m = loaded(model, version);
      Map<String, long[]> shapes = new HashMap<>();
      inputs.forEach((k, v) -> shapes.put(k, v.shape()));
      Plan plan = plan(model, version, shapes);
      if (plan.plannedBytes() > config.deviceMemoryBudgetBytes()) {
        throw new InferenceException.Overloaded("memory", "the plan needs " + plan.plannedBytes()
            + " bytes, over the device memory budget of " + config.deviceMemoryBudgetBytes());
      }
      int limit = config.maxConcurrentRequests() + config.queueCapacity();
      if (admitted.incrementAndGet() > limit) {
        admitted.decrementAndGet();
        throw new InferenceException.Overloaded("queue_full", "the queue is full ("
            + config.queueCapacity() + " waiting, " + config.maxConcurrentRequests()
            + " executing)");
      }
      m.waiting.incrementAndGet();
      metrics.setQueueDepth(m.spec.name(), m.waiting.get());
      return Mono.fromCallable(() -> execute(m, plan, inputs))
          .subscribeOn(Schedulers.boundedElastic())
          .doFinally(s -> admitted.decrementAndGet());
    });
  }

  @Override
  public Plan plan(String model, @Nullable String version, Map<String, long[]> shapes) {
    Loaded m = loaded(model, version);
    Map<String, Long> symbols;
    try {
      symbols = ProgramBinder.symbolsFor(m.program, shapes);
    } catch (IllegalArgumentException e) {
      throw new InferenceException.BadInput("model '" + model + "': " + e.getMessage());
    }
    Long sequence = symbols.get("s1");
    if (sequence != null && sequence > CONTEXT) {
      throw new InferenceException.BadInput("model '" + model + "': sequence length "
          + sequence + " exceeds the context of " + CONTEXT);
    }
    return m.plans.computeIfAbsent(symbols.toString(), k -> {
      Graph g = ProgramBinder.bind(m.program, symbols);
      Plan p = planners.get(m.spec.planner()).plan(g, config.planOptions());
      PlanVerifier.verify(g, p, config.planOptions().alignment());
      return p;
    });
  }

  private List<HostTensor> execute(Loaded m, Plan plan, Map<String, HostTensor> inputs)
      throws InterruptedException {
    try {
      slots.acquire();
    } catch (InterruptedException cancelled) {
      metrics.setQueueDepth(m.spec.name(), m.waiting.decrementAndGet());
      throw cancelled;
    }
    try {
      metrics.setQueueDepth(m.spec.name(), m.waiting.decrementAndGet());
      metrics.setRequestsInFlight(m.spec.name(), m.running.incrementAndGet());
      CountDownLatch g = gate;
      if (g != null) {
        g.await();
      }
      metrics.planUsed(m.spec.name(), plan.planner(), plan.plannedBytes(),
          plan.lowerBoundBytes());
      metrics.addInUse(Device.CPU, plan.plannedBytes());
      try {
        return new Interpreter(m, inputs).run(plan.lines());
      } finally {
        metrics.addInUse(Device.CPU, -plan.plannedBytes());
      }
    } finally {
      metrics.setRequestsInFlight(m.spec.name(), m.running.decrementAndGet());
      slots.release();
    }
  }

  private Loaded loaded(String name, @Nullable String version) {
    return find(name, version).orElseThrow(() -> new InferenceException.ModelNotFound(
        "unknown model '" + name + "'" + (version == null ? "" : " version '" + version + "'")));
  }

  private Optional<Loaded> find(String name, @Nullable String version) {
    return models.stream().filter(m -> m.spec.name().equals(name))
        .filter(m -> version == null || m.spec.version().equals(version))
        .max(Comparator.comparing((Loaded m) -> m.spec.version().length())
            .thenComparing(m -> m.spec.version()));
  }

  private static ModelProgram read(ModelSpec spec) {
    try {
      if (spec.folder() != null) {
        var file = spec.folder().resolve(ServingConfig.PROGRAM_FILE);
        try (InputStream in = Files.newInputStream(file)) {
          return ModelProgramReader.read(file.toString(), in);
        }
      }
      String resource = "/linear-models/" + spec.name() + ".json";
      try (InputStream in = LinearInferenceService.class.getResourceAsStream(resource)) {
        if (in == null) {
          throw new IllegalStateException("no stand-in program " + resource);
        }
        return ModelProgramReader.read(resource, in);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** One served model. */
  private static final class Loaded {
    final ModelSpec spec;
    final ModelProgram program;
    final ModelInfo info;
    final Map<String, Plan> plans = new ConcurrentHashMap<>();
    final AtomicInteger waiting = new AtomicInteger();
    final AtomicInteger running = new AtomicInteger();

    Loaded(ModelSpec spec, ModelProgram program) {
      this.spec = spec;
      this.program = program;
      List<TensorInfo> ins = program.inputs().stream()
          .map(t -> new TensorInfo(t.name(), t.dtype(), dims(t.shape()))).toList();
      List<TensorInfo> outs = new ArrayList<>();
      for (ModelProgram.OutputSpec o : program.outputs()) {
        outs.add(outputInfo(program, o));
      }
      this.info = new ModelInfo(spec.name(), spec.version(), spec.planner(), ins, outs);
    }

    private static TensorInfo outputInfo(ModelProgram p, ModelProgram.OutputSpec o) {
      for (ModelProgram.Template t : p.lines()) {
        if (t instanceof ModelProgram.Alloc a && a.name().equals(o.buffer())) {
          return new TensorInfo(o.name(), a.dtype(), dims(a.shape()));
        }
        if (t instanceof ModelProgram.View v && v.name().equals(o.buffer())) {
          return new TensorInfo(o.name(), v.dtype(), dims(v.shape()));
        }
      }
      throw new IllegalStateException("no line defines output buffer " + o.buffer());
    }

    private static List<Long> dims(List<SizeExpr> shape) {
      return shape.stream().map(e -> e.symbols().isEmpty() ? e.eval(Map.of()) : -1L).toList();
    }
  }

  /** Runs a plan's lines over float arrays (int64 inputs stay longs for embedding). */
  private final class Interpreter {
    private final Loaded model;
    private final Map<String, Object> values = new HashMap<>();
    private final Map<String, List<Long>> shapes = new HashMap<>();

    Interpreter(Loaded model, Map<String, HostTensor> inputs) {
      this.model = model;
      for (HostTensor t : inputs.values()) {
        ByteBuffer b = t.data().duplicate().order(ByteOrder.LITTLE_ENDIAN);
        if (t.dtype() == DType.INT64) {
          long[] v = new long[(int) t.elements()];
          b.asLongBuffer().get(v);
          values.put(t.name(), v);
        } else {
          values.put(t.name(), t.floats());
        }
        shapes.put(t.name(), Arrays.stream(t.shape()).boxed().toList());
      }
      for (ModelProgram.WeightSpec w : model.program.weights()) {
        float[] v = new float[(int) w.shape().stream().reduce(1L, Math::multiplyExact).longValue()];
        for (int i = 0; i < v.length; i++) {
          v[i] = weight(w.name(), i);
        }
        values.put(w.name(), v);
        shapes.put(w.name(), w.shape());
      }
    }

    List<HostTensor> run(List<WrapperLine> lines) {
      for (WrapperLine line : lines) {
        switch (line.kind()) {
          case ALLOCATE ->
              define(((WrapperLine.AllocateLine) line).node(), MemoryEventKind.ALLOCATE);
          case REUSE -> define(((WrapperLine.ReuseLine) line).reusedAs(), MemoryEventKind.REUSE);
          case FREE_IF_NOT_REUSED -> {
            if (!((WrapperLine.FreeIfNotReusedLine) line).isReused()) {
              metrics.recordMemoryEvent(Device.CPU, MemoryEventKind.FREE);
            }
          }
          case REINTERPRET -> {
            var view = (WrapperLine.ReinterpretLine) line;
            values.put(view.reusedAs().name(), values.get(view.node().name()));
            shapes.put(view.reusedAs().name(), view.reusedAs().shape());
          }
          case KERNEL_CALL -> kernel((WrapperLine.KernelCallLine) line);
          default -> { } // comments, device guards and the like do nothing here
        }
      }
      List<HostTensor> out = new ArrayList<>();
      for (ModelProgram.OutputSpec o : model.program.outputs()) {
        long[] shape = shapes.get(o.buffer()).stream().mapToLong(Long::longValue).toArray();
        out.add(HostTensor.ofFloats(o.name(), shape, (float[]) values.get(o.buffer())));
      }
      return out;
    }

    private void define(Buffer b, MemoryEventKind kind) {
      metrics.recordMemoryEvent(Device.CPU, kind);
      values.put(b.name(), new float[(int) (b.bytes() / 4)]);
      shapes.put(b.name(), b.shape());
    }

    private void kernel(WrapperLine.KernelCallLine call) {
      metrics.setKernelsInFlight(Device.CPU, "0", kernels.incrementAndGet());
      try {
        float[] out = (float[]) values.get(call.outputs().get(0));
        List<String> args = call.callArgs();
        switch (call.kernelName()) {
          case "aten.mm.default" -> mm(args.get(0), args.get(1), out);
          case "aten.embedding.default" -> embedding(args.get(0), args.get(1), out);
          default -> throw new InferenceException.Failed("the stand-in service has no kernel "
              + call.kernelName(), null);
        }
      } finally {
        metrics.setKernelsInFlight(Device.CPU, "0", kernels.decrementAndGet());
      }
    }

    private void mm(String a, String b, float[] out) {
      float[] x = (float[]) values.get(a);
      float[] w = (float[]) values.get(b);
      int k = shapes.get(a).get(1).intValue();
      int n = shapes.get(b).get(1).intValue();
      int rows = x.length / k;
      for (int r = 0; r < rows; r++) {
        for (int c = 0; c < n; c++) {
          float s = 0;
          for (int i = 0; i < k; i++) {
            s += x[r * k + i] * w[i * n + c];
          }
          out[r * n + c] = s;
        }
      }
    }

    private void embedding(String table, String indices, float[] out) {
      float[] t = (float[]) values.get(table);
      long[] ids = (long[]) values.get(indices);
      int width = shapes.get(table).get(1).intValue();
      int vocab = shapes.get(table).get(0).intValue();
      for (int i = 0; i < ids.length; i++) {
        if (ids[i] < 0 || ids[i] >= vocab) {
          throw new InferenceException.BadInput("token id " + ids[i] + " at position " + i
              + " is outside the vocabulary 0.." + (vocab - 1));
        }
        System.arraycopy(t, (int) ids[i] * width, out, i * width, width);
      }
    }
  }
}
