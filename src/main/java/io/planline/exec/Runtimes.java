package io.planline.exec;

import io.planline.backend.Backend;
import io.planline.backend.BackendException;
import io.planline.backend.cpu.CpuBackend;
import io.planline.backend.cuda.CudaBackend;
import io.planline.model.Model;
import io.planline.model.ModelLoader;
import io.planline.plan.PlanOptions;
import io.planline.plan.PlannerRegistry;
import java.nio.file.Path;
import io.planline.exec.batch.BatchSettings;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Builds a {@link LocalInferenceService} from {@link RuntimeSettings}, failing fast and clearly. */
public final class Runtimes {

  private static final Logger LOG = LoggerFactory.getLogger(Runtimes.class);

  /** Backends this build knows. */
  public static final List<String> BACKENDS = List.of("cpu", "cuda", "auto");

  private Runtimes() {}

  /**
   * Creates the backend, loads and checks every model, and wires executor and admission.
   *
   * @throws IllegalArgumentException for an unknown backend, planner or model, with the valid ones
   */
  public static LocalInferenceService create(RuntimeSettings s) {
    return create(s, RuntimeObserver.NONE);
  }

  /** As {@link #create(RuntimeSettings)}, reporting to {@code observer}. */
  public static LocalInferenceService create(RuntimeSettings s, RuntimeObserver observer) {
    PlannerRegistry registry = PlannerRegistry.builtIn();
    registry.get(s.planner()); // fail fast on an unknown default planner
    Backend backend = backend(s.backend(), s.maxRunning());
    int running = backend.streams(); // what maxRunning 0 (one per core, or two) came to
    LOG.info("{} backend: up to {} requests execute at once{}", backend.device(), running,
        s.maxRunning() == RuntimeSettings.PER_BACKEND ? " (the backend's default)" : "");
    // The frontends release every answer once written (HostTensor.release), so large CUDA
    // results can stay in pinned memory instead of being copied into the heap.
    backend.lendResults(true);
    MemoryEvents events = new MemoryEvents();
    List<Model> models = new ArrayList<>();
    Map<Model, BatchSettings> batching = new IdentityHashMap<>();
    ModelSource source = source(s, registry, backend);
    RequestExecutor executor = null;
    try {
      for (RuntimeSettings.ModelSpec m : s.models()) {
        Model model = source.load(m);
        models.add(model);
        batching.put(model, m.batching());
      }
      executor = new RequestExecutor(backend, events, s.window(), observer, s.replays());
      return new LocalInferenceService(models, executor,
          new Admission(running, s.queueCapacity(), s.budgetBytes()), events, observer,
          s.cache(), batching::get, source, s.warmupRounds());
    } catch (RuntimeException e) {
      if (executor != null) {
        executor.close(); // a warm-up may have recorded replays
      }
      backend.close(); // nothing will use its streams
      throw e;
    }
  }

  /** Every model of {@code s}, loaded at start or not, and how one is loaded. */
  private static ModelSource source(RuntimeSettings s, PlannerRegistry registry,
      Backend backend) {
    List<RuntimeSettings.ModelSpec> specs = new ArrayList<>(s.models());
    specs.addAll(s.available());
    return new ModelSource() {
      @Override
      public List<RuntimeSettings.ModelSpec> specs() {
        return specs;
      }

      @Override
      public Model load(RuntimeSettings.ModelSpec m) {
        return Runtimes.load(s, m, registry, backend);
      }
    };
  }

  private static Model load(RuntimeSettings s, RuntimeSettings.ModelSpec m,
      PlannerRegistry registry, Backend backend) {
    String planner = m.planner() == null ? s.planner() : m.planner();
    var source = m.path() == null ? ModelLoader.builtIn(m.name())
        : ModelLoader.folder(Path.of(m.path()));
    long start = System.nanoTime();
    Model model = ModelLoader.load(source, m.name(), m.version(), registry.get(planner),
        PlanOptions.DEFAULT.withBudgetMillis(s.budgetMillis()), backend, m.kernels());
    LOG.info("loaded model {} version {} ({} weight bytes, planner {}, {} kernels) in {} ms",
        m.name(), m.version(), model.weightBytes(), planner,
        model.nativeKernels() == null ? "Java" : "Inductor's compiled",
        (System.nanoTime() - start) / 1_000_000);
    return model;
  }

  /**
   * The backend {@code name} with {@code running} streams, or where that is
   * {@link RuntimeSettings#PER_BACKEND}: one per core on the CPU, where requests of one-thread
   * calls run side by side, one core each (tiny-gpt [1,64] unbatched over HTTP on 8 of the lent
   * host's cores: 2,612 requests/s with two streams, 7,060 with eight; docs/benchmarks.md,
   * session 21); two on CUDA, its default before, kept because its measurements are mixed (H100,
   * tiny-gpt with binary answers, session 18: four executing instead of two took batching off
   * from 1,933 to 2,649 requests/s and batching on from 4,495 down to 4,117).
   */
  private static Backend backend(String name, int running) {
    int cpu = running == RuntimeSettings.PER_BACKEND
        ? Runtime.getRuntime().availableProcessors() : running;
    int cuda = running == RuntimeSettings.PER_BACKEND ? 2 : running;
    return switch (name) {
      case "cpu" -> new CpuBackend(cpu);
      case "auto" -> {
        try {
          yield CudaBackend.open(cuda);
        } catch (BackendException | LinkageError e) {
          LOG.info("backend auto: CUDA is not available ({}); using the CPU backend",
              e.getMessage());
          yield new CpuBackend(cpu);
        }
      }
      case "cuda" -> {
        try {
          yield CudaBackend.open(cuda);
        } catch (BackendException | LinkageError e) {
          throw new BackendException("backend 'cuda' cannot start: " + e.getMessage()
              + " (use backend cpu or auto on a machine without a GPU)", e);
        }
      }
      default -> throw new IllegalArgumentException("unknown backend '" + name + "'; valid: "
          + BACKENDS);
    };
  }
}
