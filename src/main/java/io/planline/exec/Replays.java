package io.planline.exec;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.planline.backend.Backend;
import io.planline.backend.DeviceTensor;
import io.planline.backend.HostTensor;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;

/**
 * Requests of a small program replayed from a recording (on CUDA: a CUDA graph) instead of
 * launched step by step.
 *
 * <p>A recording holds the addresses it was made with, so it comes with its own memory: a
 * <em>slot</em> is a request's state kept resident (arena and input buffers) plus the recording of
 * its launches. The first request of a shape runs as usual and records its launches at the end;
 * later requests copy their inputs into a free slot's buffers, replay, and read the outputs out.
 * A program has at most one slot per stream, replayed only on that stream, so replays on
 * different streams run concurrently like any requests; a request that finds its stream's slot
 * busy runs the ordinary way rather than wait. Slots live as long
 * as their program is cached and are freed with it.
 *
 * <p>Where it applies: offset plans (every buffer in the arena) whose arenas fit
 * {@link ReplaySettings#maxBytes}. Not: reuse plans and other programs that allocate buffers of
 * their own while running (a replay cannot allocate), and programs whose recording fails (a
 * kernel that copies to the host or waits for the device) — those are logged once and run as
 * usual from then on.
 */
final class Replays {

  private static final Logger LOG = LoggerFactory.getLogger(Replays.class);

  /** A recording, the resident memory it replays on, and the stream it was recorded on. */
  private record Slot(RequestState state, Backend.Replay replay, int stream) {}

  /**
   * The slots of one program, one per stream at most, and whether it may record at all. A slot
   * replays only on the stream it was recorded on: what a recording reaches beyond its own
   * memory belongs to that stream (on CUDA, cuBLAS's workspace: the likely cause of a hang seen
   * when ViT's graphs replayed on other streams, docs/gpu.md), and a stream runs its work one
   * item after another.
   */
  private static final class Pool {
    final AtomicReferenceArray<Slot> idle;
    final AtomicIntegerArray taken;
    volatile boolean refused;
    volatile boolean closed;

    Pool(int streams) {
      idle = new AtomicReferenceArray<>(streams);
      taken = new AtomicIntegerArray(streams);
    }
  }

  private final RequestExecutor executor;
  private final Backend backend;
  private final ReplaySettings settings;
  private final int streams;
  private final boolean enabled;
  private final Cache<ExecutableProgram, Pool> pools;
  private final AtomicLong recordings = new AtomicLong();
  private final AtomicLong replayed = new AtomicLong();

  Replays(RequestExecutor executor, ReplaySettings settings) {
    this.executor = executor;
    this.backend = executor.backend();
    this.settings = settings;
    this.streams = backend.streams();
    this.enabled = settings.enabled() && backend.canRecord();
    // Programs are cached (and evicted) by the service; a weakly held key lets a pool go with
    // its program, and its slots' memory with it.
    this.pools = Caffeine.newBuilder().weakKeys()
        .<ExecutableProgram, Pool>removalListener((program, pool, cause) -> close(pool))
        .build();
  }

  /** Whether replays are on for this backend at all. */
  boolean enabled() {
    return enabled;
  }

  /**
   * Whether {@code program} may be replayed: its buffers all in the arena, the arena within the
   * bound. Decided once per program, when its pool is made.
   */
  private boolean applies(ExecutableProgram program) {
    long arena = program.arenas().stream().mapToLong(Long::longValue).sum();
    return arena <= settings.maxBytes() && program.steps().stream().noneMatch(s ->
        s instanceof Step.Allocate a && a.arenaOffset() == Step.Allocate.OWN_BUFFER);
  }

  /**
   * Runs one request from a replay, or records one; null when this stream's slot is busy or the
   * program cannot be recorded (the caller then runs it the ordinary way).
   */
  @Nullable Mono<List<HostTensor>> execute(int stream, ExecutableProgram program,
      Map<String, DeviceTensor> weights, List<HostTensor> inputs,
      List<Map.Entry<String, String>> outputs) {
    Pool pool = pools.get(program, p -> {
      Pool made = new Pool(streams);
      made.refused = !applies(p);
      return made;
    });
    if (pool.refused || pool.closed) {
      return null;
    }
    Slot slot = pool.idle.getAndSet(stream, null);
    if (slot != null) {
      replayed.incrementAndGet();
      return replay(stream, pool, slot, inputs, outputs);
    }
    // this stream's slot is busy (or being recorded): run the ordinary way
    return pool.taken.compareAndSet(stream, 0, 1)
        ? record(stream, pool, program, weights, inputs, outputs) : null;
  }

  private Mono<List<HostTensor>> replay(int stream, Pool pool, Slot slot,
      List<HostTensor> inputs, List<Map.Entry<String, String>> outputs) {
    AtomicBoolean given = new AtomicBoolean();
    // one task: the download waits for the replay on the stream's thread (Backend.download)
    Mono<List<HostTensor>> run = backend.call(stream, () -> {
      slot.state().reupload(inputs);
      slot.replay().launch();
      List<HostTensor> answer = executor.download(slot.state(), outputs);
      // idle again before the answer travels on: doFinally runs after the caller has it, and a
      // caller that sent its next request at once found the slot still out and ran step by step
      given.set(true);
      giveBack(pool, slot);
      return answer;
    });
    return run.doFinally(signal -> {
      if (!given.get()) {
        // a failed or cancelled replay may still be running: the slot is free once the
        // stream has passed it
        backend.submit(stream, () -> { }).doFinally(s -> giveBack(pool, slot)).subscribe();
      }
    });
  }

  /** Runs the request step by step on a resident state, then records its launches. */
  private Mono<List<HostTensor>> record(int stream, Pool pool, ExecutableProgram program,
      Map<String, DeviceTensor> weights, List<HostTensor> inputs,
      List<Map.Entry<String, String>> outputs) {
    return Mono.defer(() -> {
      RequestState state = executor.newState(program, inputs);
      state.makeResident();
      Backend.Replay[] recorded = new Backend.Replay[1];
      AtomicBoolean kept = new AtomicBoolean();
      return backend.call(stream, () -> {
            state.begin(program.arenas(), weights, inputs);
            executor.reportMemory();
            for (Step step : program.steps()) {
              executor.run(state, step);
            }
            recorded[0] = recordLaunches(pool, program, state);
            List<HostTensor> answer = executor.download(state, outputs);
            if (recorded[0] != null) {
              // kept before the answer travels on, as a replay gives its slot back
              kept.set(true);
              recordings.incrementAndGet();
              giveBack(pool, new Slot(state, recorded[0], stream));
            }
            return answer;
          })
          .doFinally(signal -> {
            if (kept.get()) {
              return;
            }
            pool.taken.set(stream, 0);
            if (recorded[0] != null) {
              recorded[0].close();
            }
            executor.release(state, stream).subscribe();
          });
    });
  }

  private Backend.@Nullable Replay recordLaunches(Pool pool, ExecutableProgram program,
      RequestState state) {
    try {
      return backend.record(() -> {
        for (Step step : program.steps()) {
          if (step instanceof Step.Launch l) {
            l.launch().run(state::tensor);
          }
        }
      });
    } catch (RuntimeException e) {
      pool.refused = true;
      LOG.warn("cannot record a replay of a program with {} steps; it runs step by step ({})",
          program.steps().size(), e.getMessage());
      return null;
    }
  }

  private void giveBack(Pool pool, Slot slot) {
    pool.idle.set(slot.stream(), slot);
    if (pool.closed) {
      close(pool); // closed while this slot was out
    }
  }

  private void close(@Nullable Pool pool) {
    if (pool == null) {
      return;
    }
    pool.closed = true;
    for (int i = 0; i < pool.idle.length(); i++) {
      Slot s = pool.idle.getAndSet(i, null);
      if (s != null) {
        s.replay().close();
        s.state().close();
      }
    }
    executor.reportMemory();
  }

  /** Recordings kept so far (a slot each). */
  long recordings() {
    return recordings.get();
  }

  /** Requests answered from a replay. */
  long replayed() {
    return replayed.get();
  }

  /** Frees every slot that is not in use; those in use are freed when their request ends. */
  void closeAll() {
    pools.asMap().values().forEach(this::close);
    pools.invalidateAll();
  }
}
