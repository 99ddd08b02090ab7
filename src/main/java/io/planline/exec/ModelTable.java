package io.planline.exec;

import static java.util.Objects.requireNonNull;

import io.planline.exec.batch.BatchSettings;
import io.planline.exec.batch.Batcher;
import io.planline.model.Model;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every model version a runtime knows, whether loaded or not, and its state: Triton's model
 * control. Loading runs on {@code loads}; unloading stops new requests at once, lets the ones
 * already admitted ({@link #enter leases}) finish, then releases the version (its compiled
 * programs, batcher and weights become garbage). The set of versions is fixed at construction;
 * only their states change, under this table's lock (rare); a request's lease costs two atomic
 * operations.
 *
 * <pre>
 *  UNAVAILABLE ──load──► LOADING ──► READY ──unload──► UNLOADING ──last lease closed──► UNAVAILABLE
 *       ▲                   │ fails                                                      (unloaded)
 *       └───────────────────┘
 * </pre>
 */
final class ModelTable {

  private static final Logger LOG = LoggerFactory.getLogger(ModelTable.class);

  /** One loaded version and what serves it. */
  record Served(Model model, ShapeCache<ExecutableProgram> cache, @Nullable Batcher batcher) {

    /** Stops serving: drops the compiled programs and drains the batcher (weights stay). */
    void stop() {
      cache.clear();
      if (batcher != null) {
        batcher.drain().subscribe();
      }
    }
  }

  /** Makes what serves a freshly loaded model. */
  @FunctionalInterface
  interface Opener {
    Served open(Model model, BatchSettings batching);
  }

  /** A request's hold on a loaded version: the version is not released before it is closed. */
  interface Lease extends AutoCloseable {
    Served served();

    @Override
    void close();
  }

  private final class Entry {
    final String name;
    final String version;
    final RuntimeSettings.@Nullable ModelSpec spec;
    final AtomicLong active = new AtomicLong();
    volatile ModelState.State state = ModelState.State.UNAVAILABLE;
    volatile @Nullable Served served;
    String reason = "not loaded";
    CompletableFuture<Void> transition = CompletableFuture.completedFuture(null);

    Entry(String name, String version, RuntimeSettings.@Nullable ModelSpec spec) {
      this.name = name;
      this.version = version;
      this.spec = spec;
    }

    String describe() {
      return "model '" + name + "' version '" + version + "'";
    }
  }

  private final Map<String, List<Entry>> entries = new LinkedHashMap<>();
  private final ModelSource source;
  private final Opener opener;
  private final Executor loads;
  private final RuntimeObserver observer;

  /**
   * A table of {@code loaded} (already open, in order) and of the source's other versions, not
   * loaded.
   */
  ModelTable(List<Served> loaded, ModelSource source, Opener opener, Executor loads,
      RuntimeObserver observer) {
    this.source = requireNonNull(source, "source");
    this.opener = requireNonNull(opener, "opener");
    this.loads = requireNonNull(loads, "loads");
    this.observer = requireNonNull(observer, "observer");
    for (Served s : loaded) {
      Entry e = add(s.model().name(), s.model().version(), spec(s.model()));
      e.served = s;
      e.state = ModelState.State.READY;
      e.reason = "";
    }
    for (RuntimeSettings.ModelSpec spec : source.specs()) {
      if (entry(spec.name(), spec.version()) == null) {
        add(spec.name(), spec.version(), spec);
      }
    }
    entries.keySet().forEach(this::reportWeights);
  }

  private RuntimeSettings.@Nullable ModelSpec spec(Model m) {
    return source.specs().stream().filter(s -> s.name().equals(m.name())
        && s.version().equals(m.version())).findFirst().orElse(null);
  }

  private Entry add(String name, String version, RuntimeSettings.@Nullable ModelSpec spec) {
    Entry e = new Entry(name, version, spec);
    entries.computeIfAbsent(name, k -> new ArrayList<>()).add(e);
    return e;
  }

  private @Nullable Entry entry(String name, String version) {
    return entries.getOrDefault(name, List.of()).stream().filter(e -> e.version.equals(version))
        .findFirst().orElse(null);
  }

  /** Every known version with its state, in order (a model's versions together). */
  synchronized List<ModelState> index() {
    List<ModelState> out = new ArrayList<>();
    entries.values().forEach(es -> es.forEach(e -> out.add(new ModelState(e.name, e.version,
        e.state, e.state == ModelState.State.READY ? "" : e.reason))));
    return out;
  }

  /** The loaded (ready or unloading) versions, in order. */
  List<Served> loaded() {
    List<Served> out = new ArrayList<>();
    entries.values().forEach(es -> es.forEach(e -> {
      Served s = e.served;
      if (s != null) {
        out.add(s);
      }
    }));
    return out;
  }

  /**
   * The loaded version {@code version} of {@code name} (null: its last loaded version).
   *
   * @throws InferenceException.ModelNotFound naming what is known or why it is not loaded
   */
  Served find(String name, @Nullable String version) {
    List<Entry> versions = entries.get(name);
    if (versions == null) {
      throw new InferenceException.ModelNotFound("unknown model '" + name + "'; known models: "
          + String.join(", ", entries.keySet()));
    }
    Entry chosen = null;
    for (Entry e : versions) {
      boolean named = version != null && !version.isEmpty();
      if (named ? e.version.equals(version) : e.served != null) {
        chosen = e;
      }
    }
    if (chosen == null && version != null && !version.isEmpty()) {
      throw new InferenceException.ModelNotFound("model '" + name + "' has no version '"
          + version + "'; versions: " + versions.stream().map(e -> e.version).toList());
    }
    Served s = chosen == null ? null : chosen.served;
    if (s == null) {
      Entry e = chosen == null ? versions.get(versions.size() - 1) : chosen;
      throw new InferenceException.ModelNotFound(e.describe() + " is not loaded ("
          + e.state + ": " + reason(e) + ")");
    }
    return s;
  }

  /** Whether {@code name} at {@code version} (null: its default) is loaded and not unloading. */
  boolean ready(String name, @Nullable String version) {
    try {
      Entry e = entry(name, find(name, version).model().version());
      return e != null && e.state == ModelState.State.READY;
    } catch (InferenceException.ModelNotFound e) {
      return false;
    }
  }

  private synchronized String reason(Entry e) {
    return e.reason;
  }

  /**
   * A lease on a loaded version for one request.
   *
   * @throws InferenceException.ModelNotFound when it is not loaded
   * @throws InferenceException.Overloaded ({@code not_ready}) when it is unloading
   */
  Lease enter(String name, @Nullable String version) {
    Served found = find(name, version);
    Entry e = requireNonNull(entry(name, found.model().version()));
    e.active.incrementAndGet();
    Served s = e.served;
    // Checked after counting the request, so that an unload either sees it or refuses it.
    if (e.state != ModelState.State.READY || s == null) {
      leave(e);
      throw new InferenceException.Overloaded("not_ready", e.describe() + " is unloading: it"
          + " finishes the requests it admitted and takes no new ones");
    }
    return new Lease() {
      private boolean closed;

      @Override
      public Served served() {
        return s;
      }

      @Override
      public synchronized void close() {
        if (!closed) {
          closed = true;
          leave(e);
        }
      }
    };
  }

  private void leave(Entry e) {
    if (e.active.decrementAndGet() == 0 && e.state == ModelState.State.UNLOADING) {
      release(e);
    }
  }

  /**
   * Loads every version of {@code name} that is not loaded (waiting for an unload in progress
   * to finish first); versions already loaded stay as they are.
   *
   * @return completes when every version is ready; fails with the first load's failure
   * @throws InferenceException.ModelNotFound for a name the source does not know
   */
  CompletableFuture<Void> load(String name) {
    List<Entry> versions = known(name);
    return CompletableFuture.allOf(versions.stream().map(this::load)
        .toArray(CompletableFuture[]::new));
  }

  private synchronized CompletableFuture<Void> load(Entry e) {
    switch (e.state) {
      case READY:
        return CompletableFuture.completedFuture(null);
      case LOADING:
        return e.transition;
      case UNLOADING:
        return e.transition.thenCompose(v -> load(e));
      default:
        break;
    }
    RuntimeSettings.ModelSpec spec = e.spec;
    if (spec == null) {
      String why = e.describe() + " cannot be loaded again: it was given to the runtime"
          + " already loaded, with no model source to load it from";
      return CompletableFuture.failedFuture(new InferenceException.Failed(why,
          new IllegalStateException(why)));
    }
    e.state = ModelState.State.LOADING;
    e.reason = "loading";
    e.transition = CompletableFuture.runAsync(() -> {
      Model model = source.load(spec);
      Served s;
      try {
        s = opener.open(model, spec.batching());
      } catch (RuntimeException failure) {
        // device memory is not the collector's (as when a version is released)
        model.backend().releaseModel(model.weights(), model.nativeKernels());
        throw failure;
      }
      synchronized (this) {
        e.served = s;
        e.state = ModelState.State.READY;
        e.reason = "";
      }
      LOG.info("loaded {}", e.describe());
      reportWeights(e.name);
    }, loads).whenComplete((v, failure) -> {
      if (failure != null) {
        Throwable cause = failure.getCause() == null ? failure : failure.getCause();
        synchronized (this) {
          e.state = ModelState.State.UNAVAILABLE;
          e.reason = "failed to load: " + cause.getMessage();
        }
        LOG.warn("{} failed to load", e.describe(), cause);
      }
    });
    return e.transition.exceptionallyCompose(failure -> {
      Throwable cause = failure.getCause() == null ? failure : failure.getCause();
      return CompletableFuture.failedFuture(new InferenceException.Failed(e.describe()
          + " failed to load: " + cause.getMessage(), cause));
    });
  }

  /**
   * Stops every loaded version of {@code name} taking new requests; each is released once the
   * requests it admitted have finished (at once when there are none). A version still loading
   * is unloaded when its load ends.
   *
   * @return completes when no version takes new requests (not when they are released)
   * @throws InferenceException.ModelNotFound for a name the source does not know
   */
  CompletableFuture<Void> unload(String name) {
    List<CompletableFuture<Void>> waits = new ArrayList<>();
    List<Entry> idle = new ArrayList<>();
    synchronized (this) {
      for (Entry e : known(name)) {
        if (e.state == ModelState.State.READY) {
          e.state = ModelState.State.UNLOADING;
          e.reason = "unloading: finishing the requests it admitted";
          e.transition = new CompletableFuture<>();
          idle.add(e);
        } else if (e.state == ModelState.State.LOADING) {
          waits.add(e.transition.handle((v, failure) -> null).thenCompose(v -> unload(name)));
        }
      }
    }
    // After the lock: a release may run the observer and the batcher's drain.
    idle.stream().filter(e -> e.active.get() == 0).forEach(this::release);
    return CompletableFuture.allOf(waits.toArray(CompletableFuture[]::new));
  }

  /** The versions of {@code name}, or ModelNotFound naming the known models. */
  private List<Entry> known(String name) {
    List<Entry> versions = entries.get(name);
    if (versions == null) {
      throw new InferenceException.ModelNotFound("unknown model '" + name + "'; known models: "
          + String.join(", ", entries.keySet()));
    }
    return versions;
  }

  /** Releases an unloading version with no request left; once, whoever gets here first. */
  private void release(Entry e) {
    Served s;
    CompletableFuture<Void> done;
    synchronized (this) {
      s = e.served;
      if (e.state != ModelState.State.UNLOADING || e.active.get() != 0 || s == null) {
        return;
      }
      e.served = null;
      e.state = ModelState.State.UNAVAILABLE;
      e.reason = "unloaded";
      done = e.transition;
    }
    s.stop();
    // device memory is not the collector's: the weight block and kernels go back explicitly
    s.model().backend().releaseModel(s.model().weights(), s.model().nativeKernels());
    reportWeights(e.name);
    LOG.info("unloaded {}", e.describe());
    done.complete(null);
  }

  /** Reports the bytes the loaded versions of {@code name} hold in weights. */
  private void reportWeights(String name) {
    long bytes = 0;
    for (Entry e : entries.get(name)) {
      Served s = e.served;
      bytes += s == null ? 0 : s.model().weightBytes();
    }
    observer.modelWeights(name, bytes);
  }
}
