package io.planline.exec;

import io.planline.backend.Backend;
import io.planline.backend.DeviceTensor;
import io.planline.backend.HostTensor;
import io.planline.kernel.KernelCheckException;
import io.planline.kernel.NativeCompute;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Runs one request of an {@link ExecutableProgram} as a Reactor pipeline of two stages.
 *
 * <pre>
 *  steps ──► memory stage ─────────────► launch stage ──────────────► outputs
 *            allocate / reuse / view       kernels and frees, in order
 *            bound at once (bookkeeping)   on the request's stream, at most
 *                                          {@code window} submitted and unfinished;
 *                                          reading the outputs back last
 * </pre>
 *
 * <p>The launch stage is a {@code flatMap} whose concurrency is the in-flight window: when the
 * stream is slow, the window fills, {@code flatMap} stops requesting, and upstream stalls — nothing
 * queues without bound. A stream runs its work in submission order, so a free never overtakes the
 * kernels before it, and a kernel's completion is a signal from the stream thread, never a blocked
 * Reactor thread. Whatever way the request ends (completion, a kernel error, cancellation) its
 * memory is freed on the stream after any work still running there.
 */
public final class RequestExecutor {

  private final Backend backend;
  private final MemoryEvents events;
  private final int window;
  private final AtomicLong requests = new AtomicLong();
  private final StreamChoice streams;
  private final AtomicInteger[] inFlight;
  private final AtomicInteger[] highWater;

  private final RuntimeObserver observer;
  private final Object memoryReport = new Object();

  private final Replays replays;
  private volatile InlineRuns inline = new InlineRuns(InlineRuns.DEFAULT_BELOW_MICROS);
  private final ProgramRuns measured = new ProgramRuns();
  private volatile CrowdRule crowd =
      CrowdRule.forCores(Runtime.getRuntime().availableProcessors());

  /** An executor over {@code backend} with at most {@code window} launches in flight per request. */
  public RequestExecutor(Backend backend, MemoryEvents events, int window,
      RuntimeObserver observer) {
    this(backend, events, window, observer, ReplaySettings.OFF);
  }

  /** As above, replaying small programs' launches as {@code replays} says. */
  public RequestExecutor(Backend backend, MemoryEvents events, int window,
      RuntimeObserver observer, ReplaySettings replays) {
    this.observer = observer;
    if (window < 1) {
      throw new IllegalArgumentException("in-flight window must be at least 1, got " + window);
    }
    this.backend = backend;
    this.events = events;
    this.window = window;
    this.streams = new StreamChoice(backend.streams());
    this.inFlight = new AtomicInteger[backend.streams()];
    this.highWater = new AtomicInteger[backend.streams()];
    for (int i = 0; i < inFlight.length; i++) {
      inFlight[i] = new AtomicInteger();
      highWater[i] = new AtomicInteger();
    }
    this.replays = new Replays(this, replays);
  }

  /**
   * Runs programs shorter than {@code micros} on their caller's thread where it may
   * ({@link InlineRuns}); 0: never.
   */
  void inlineBelow(long micros) {
    inline = new InlineRuns(micros);
  }

  /** Whether a split request's last part would run on the current thread ({@link InlineRuns}). */
  boolean lastPartHere() {
    return inline.lastPartHere();
  }

  /** Sets when requests of compiled kernels run one thread per native call ({@link CrowdRule}). */
  void crowdAt(int requests) {
    crowd = new CrowdRule(requests);
  }

  /** What {@code program}'s runs have measured (for tests). */
  ProgramRuns.Measured measured(ExecutableProgram program) {
    return measured.of(program);
  }

  /** The most kernels ever in flight at once on stream {@code index} (backpressure evidence). */
  public int maxKernelsInFlight(int index) {
    return highWater[index].get();
  }

  /**
   * Reports the device bytes requests hold now. Reading the count and reporting it happen under
   * one lock: two streams releasing at once could otherwise report in the opposite order of
   * their reads, and leave the gauge at a stale non-zero value with nothing held.
   */
  public void reportMemory() {
    synchronized (memoryReport) {
      observer.memoryInUse(backend.bytesInUse());
    }
  }

  /** The backend requests run on. */
  public Backend backend() {
    return backend;
  }

  /**
   * Executes {@code program} on {@code inputs}, returning {@code outputs} (buffer name to output
   * name) as host tensors, in order.
   */
  public Mono<List<HostTensor>> execute(ExecutableProgram program,
      Map<String, DeviceTensor> weights,
      List<HostTensor> inputs, List<Map.Entry<String, String>> outputs) {
    return execute(program, weights, inputs, outputs, RunAs.WHOLE);
  }

  /**
   * As above, for a whole request or a part of a split one ({@link RunAs}). A part's native calls
   * run on one thread each on the CPU, as in a crowd: its sibling parts run beside it.
   */
  Mono<List<HostTensor>> execute(ExecutableProgram program, Map<String, DeviceTensor> weights,
      List<HostTensor> inputs, List<Map.Entry<String, String>> outputs, RunAs as) {
    return Mono.defer(() -> {
      // a warm-up's runs are measured apart, and forgotten (RunAs.WARMUP says why)
      ProgramRuns.Measured runs = as == RunAs.WARMUP ? new ProgramRuns.Measured()
          : measured.of(program);
      boolean compiledOnCpu = program.compiledKernels() && backend.synchronous();
      boolean oneThread = compiledOnCpu && (as.part() || crowd.crowded(streams.running()));
      int stream = takeStream(compiledOnCpu && !oneThread && !runs.oneThreadCalls());
      AtomicBoolean ended = new AtomicBoolean();
      Runnable done = () -> {
        if (ended.compareAndSet(false, true)) {
          streams.done(stream);
        }
      };
      // before the answer travels on (doFinally would run after it): a caller that sends its
      // next request as soon as it has this answer must find the stream free again
      return executeOn(stream, program, runs, oneThread, as, weights, inputs, outputs)
          .doOnTerminate(done)
          .doOnCancel(done);
    });
  }

  /**
   * A stream for a new request: stream 0 where its compiled kernels on the CPU (a synchronous
   * device) may split their calls over the cores ({@code splits}), else the first free one.
   * Such a program spends its time in native calls, and a call on several threads takes the
   * whole process's turn ({@code kernel/NativeCompute}) whatever stream it comes from; a second
   * stream thread then adds nothing but a second OpenMP team, whose worker is woken in turn with
   * the first, and interleaves requests' working sets call by call. So a request that splits
   * its large calls runs on stream 0. ModelBench, four requests in flight (docs/benchmarks.md,
   * sessions 11 and 12): ResNet-50 [1] 22.6-23.3 requests/s on four streams against 32.5-33.7
   * on one; tiny-gpt [8,64] 193-234 before this rule against 288-296 with it. A request whose
   * calls all run on one thread spreads over the streams instead, and its calls run side by
   * side with others': one that starts in a crowd ({@link CrowdRule}), or one of a program
   * whose last run made only one-thread calls ({@link ProgramRuns}).
   */
  private int takeStream(boolean splits) {
    return splits ? streams.takeFirst() : streams.take();
  }

  /**
   * Where it runs is {@link InlineRuns}' choice: never on the caller's thread for a part of a
   * split request but the last ({@link RunAs#PART}), since the parts are started one after the
   * other by one caller, and a part run on that caller's thread would finish before the next part
   * started.
   */
  private Mono<List<HostTensor>> executeOn(int stream, ExecutableProgram program,
      ProgramRuns.Measured runs, boolean oneThread, RunAs as,
      Map<String, DeviceTensor> weights, List<HostTensor> inputs,
      List<Map.Entry<String, String>> outputs) {
    int steps = program.steps().size();
    if (replays.enabled()) {
      Mono<List<HostTensor>> replayed = replays.execute(stream, program, weights, inputs,
          outputs);
      if (replayed != null) {
        return counted(stream, steps, replayed);
      }
    }
    if (backend.synchronous()) {
      AtomicBoolean cancelled = new AtomicBoolean();
      Callable<List<HostTensor>> run =
          () -> runWhole(stream, program, runs, oneThread, weights, inputs, outputs, cancelled);
      Callable<List<HostTensor>> whole = oneThread ? () -> NativeCompute.oneThreadEach(run) : run;
      return (inline.here(runs, as) ? Mono.fromCallable(whole)
          : backend.call(stream, whole))
          .doOnCancel(() -> cancelled.set(true));
    }
    // usingWhen: the request completes (or fails) only after its memory is freed, and the
    // freeing runs on the stream, behind any work still running there.
    return Mono.usingWhen(
        Mono.fromCallable(() -> newState(program, inputs)),
        state -> launched(stream, state, program, weights, inputs, outputs),
        state -> release(state, stream),
        (state, error) -> release(state, stream),
        state -> release(state, stream));
  }

  /**
   * The staged pipeline of one request on an asynchronous device. Nothing in it waits for the
   * device before the end: allocating and uploading the inputs is the first task of the first
   * batch, so the first launches follow the upload on the stream thread (the upload is
   * asynchronous and the stream keeps order), and reading the outputs back is the last task of
   * the launch stage, which waits for the stream on its thread and then frees the request's
   * memory. Waiting for each of those through the completion poller instead left the H200 idle
   * about 190 µs before the first kernel and 200 µs before the download (BERT-base [32,128],
   * tools/gpu/kernel_gaps.sh, docs/gpu.md). The batches are made on the subscribing thread
   * while the stream thread runs the first ones: when the upload was a task of its own and the
   * stream thread made the batches after it, the H100 sat idle 145 µs between the upload and
   * ViT-B/16 [1]'s first kernel (docs/gpu.md, session 16). A task finds the state not ready
   * when the upload failed or the request was freed, and does nothing.
   */
  private Mono<List<HostTensor>> launched(int stream, RequestState state,
      ExecutableProgram program, Map<String, DeviceTensor> weights, List<HostTensor> inputs,
      List<Map.Entry<String, String>> outputs) {
    AtomicReference<List<HostTensor>> answer = new AtomicReference<>();
    Runnable begin = () -> {
      state.begin(program.arenas(), weights, inputs);
      reportMemory();
    };
    Runnable readBack = () -> {
      if (state.ready()) {
        answer.set(download(state, outputs));
        // the device is done with the request (the download waited for it): free its memory
        // in the same task, so that release has nothing left to submit
        state.close();
        reportMemory();
      }
    };
    return Flux.fromIterable(program.steps())
        .transform(memoryStage(state))
        .startWith(begin)
        .concatWith(Mono.just(readBack))
        .transform(launchStage(stream))
        .then(Mono.fromSupplier(answer::get));
  }

  /**
   * A whole request in one stream task: the path of every program on a synchronous device, whose
   * stream thread runs each step to its end before taking the next, so there is nothing to
   * overlap. The staged pipeline's hand-overs between memory stage, launch stage and download
   * would only add their cost: 7-70 µs each on the build machine (a bare Reactor hop,
   * docs/benchmarks.md), more than a small model's kernels, and tiny-gpt's 231 steps made 15
   * batches of them. The window still bounds what is counted in flight: the steps go to the
   * device in slices of at most {@code window}, each counted while it runs. Its memory is taken
   * and freed inside the task, so a request cancelled before the task starts holds nothing; one
   * cancelled while it runs stops at the next step and frees all. A short program's task may run
   * on the caller's thread instead ({@link InlineRuns}).
   */
  private List<HostTensor> runWhole(int stream, ExecutableProgram program,
      ProgramRuns.Measured runs, boolean oneThread, Map<String, DeviceTensor> weights,
      List<HostTensor> inputs, List<Map.Entry<String, String>> outputs, AtomicBoolean cancelled) {
    RequestState state = newState(program, inputs);
    long start = System.nanoTime();
    NativeCompute.widestSinceLast(); // counts this run's calls from here
    try {
      state.begin(program.arenas(), weights, inputs);
      reportMemory();
      List<Step> steps = program.steps();
      for (int from = 0, to; from < steps.size(); from = to) {
        to = from + Math.min(window, steps.size() - from);
        AtomicInteger gauge = inFlight[stream];
        int now = gauge.addAndGet(to - from);
        highWater[stream].accumulateAndGet(now, Math::max);
        observer.kernelsInFlight(stream, now);
        try {
          for (int i = from; i < to; i++) {
            if (cancelled.get()) {
              return List.of(); // nobody is listening any more
            }
            run(state, steps.get(i));
          }
        } finally {
          observer.kernelsInFlight(stream, gauge.addAndGet(from - to));
        }
      }
      List<HostTensor> results = download(state, outputs);
      // a run held to one thread per call says nothing of how wide the program's calls are
      int widest = NativeCompute.widestSinceLast();
      runs.record(System.nanoTime() - start, oneThread ? ProgramRuns.UNKNOWN : widest);
      return results;
    } finally {
      state.close();
      reportMemory();
    }
  }

  /** A new request's state for {@code program}, numbered. */
  RequestState newState(ExecutableProgram program, List<HostTensor> inputs) {
    return new RequestState("r" + requests.incrementAndGet(), backend, events,
        program.steps().size() + inputs.size());
  }

  /** Recordings made for replays so far, and requests answered from one: {recorded, replayed}. */
  public long[] replayCounts() {
    return new long[] {replays.recordings(), replays.replayed()};
  }

  /** Frees the memory replays keep resident (those running free theirs when they end). */
  public void close() {
    replays.closeAll();
  }

  /** Frees {@code state} on its stream, behind its work; nothing to wait for if it is freed. */
  Mono<Void> release(RequestState state, int stream) {
    if (state.closed()) {
      return Mono.empty(); // freed by its own last task (launched)
    }
    return backend.submit(stream, () -> {
      state.close();
      reportMemory();
    });
  }

  /**
   * Turns every step into a task for the stream: kernels, frees and also allocations, reuses and
   * views. Memory is therefore taken and given back in program order on one in-order stream, so a
   * request never holds more than its plan says at any line, which is what admission charged it.
   * (Binding allocations here, ahead of the stream, while frees waited for it, let reuse plans
   * hold several times their planned bytes.) Nothing runs after the request's memory is freed.
   */
  private Function<Flux<Step>, Flux<Runnable>> memoryStage(RequestState state) {
    return steps -> steps.map(step -> () -> {
      if (state.ready()) {
        run(state, step);
      }
    });
  }

  void run(RequestState state, Step step) {
    if (step instanceof Step.Launch l) {
      runKernel(state, l);
    } else if (step instanceof Step.Free f) {
      state.free(f);
    } else {
      state.apply(step);
    }
  }

  /**
   * Submits tasks to the stream in batches: one hand-over to the stream thread per batch instead
   * of per kernel (a hand-over costs microseconds; a small kernel costs less), and for an
   * asynchronous device one completion signal per batch. The window counts kernels: at most
   * {@code window / batch} batches are in flight.
   */
  private Function<Flux<Runnable>, Flux<Void>> launchStage(int index) {
    int batch = batchSize(window);
    return tasks -> tasks.buffer(batch).flatMap(run -> counted(index, run.size(),
        backend.submit(index, () -> {
          for (Runnable task : run) {
            task.run();
          }
        })), window / batch);
  }

  /** {@code work}, counting its {@code tasks} as in flight on stream {@code index} while it runs. */
  private <T> Mono<T> counted(int index, int tasks, Mono<T> work) {
    AtomicInteger gauge = inFlight[index];
    return work
        .doOnSubscribe(s -> {
          int now = gauge.addAndGet(tasks);
          highWater[index].accumulateAndGet(now, Math::max);
          observer.kernelsInFlight(index, now);
        })
        // before the completion travels on, so the next batch never counts this one
        .doOnTerminate(() -> observer.kernelsInFlight(index, gauge.addAndGet(-tasks)))
        .doOnCancel(() -> observer.kernelsInFlight(index, gauge.addAndGet(-tasks)));
  }

  /** A quarter of the window, at most 16 kernels, at least one. */
  static int batchSize(int window) {
    return Math.max(1, Math.min(16, window / 4));
  }

  private void runKernel(RequestState state, Step.Launch l) {
    try {
      long start = System.nanoTime();
      l.launch().run(state::tensor);
      observer.kernelRan(l.kernel(), System.nanoTime() - start);
    } catch (KernelCheckException e) {
      // the kernel refused the values the request led it to (a zero divisor, say): a bad input
      throw new InferenceException.BadInput("kernel " + l.kernel() + " refused the data of "
          + "request " + state.id() + ", its check failed: " + e.thrown());
    } catch (RuntimeException e) {
      throw new InferenceException.Failed("kernel " + l.kernel() + " failed in request "
          + state.id() + ": " + e.getMessage(), e);
    }
  }

  static List<HostTensor> download(RequestState state,
      List<Map.Entry<String, String>> outputs) {
    List<HostTensor> out = new ArrayList<>(outputs.size());
    for (var o : outputs) {
      out.add(state.download(o.getKey(), o.getValue()));
    }
    return out;
  }
}
