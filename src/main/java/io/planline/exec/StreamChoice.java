package io.planline.exec;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * Which of a backend's streams a new request runs on: the first with no request on it, else the
 * next in turn. Requests that come one at a time therefore all run on stream 0.
 *
 * <p>Why not plain turns: on the CPU each stream is a thread, and every thread that starts an
 * OpenMP parallel region (Inductor's kernels, oneDNN) becomes the master of its own team of
 * worker threads. Taking turns over four streams kept four teams whose workers were woken in
 * turn; tiny-gpt [8,64] one request at a time, in-process p50 medians alternated three times on
 * the 2-core build machine: 7.0 / 5.3 ms before this choice, 4.5 / 3.7 after (docs/benchmarks.md,
 * session 11). Under load every stream is still used, except by programs that run on the first
 * stream only ({@link #takeFirst}).
 */
final class StreamChoice {

  private final AtomicInteger[] running;
  private final AtomicInteger next = new AtomicInteger();

  StreamChoice(int streams) {
    if (streams < 1) {
      throw new IllegalArgumentException("need at least one stream, got " + streams);
    }
    running = new AtomicInteger[streams];
    for (int i = 0; i < streams; i++) {
      running[i] = new AtomicInteger();
    }
  }

  /** A stream for a new request, counted as running there until {@link #done}. */
  int take() {
    for (int i = 0; i < running.length; i++) {
      if (running[i].get() == 0 && running[i].compareAndSet(0, 1)) {
        return i;
      }
    }
    int i = Math.floorMod(next.getAndIncrement(), running.length);
    running[i].incrementAndGet();
    return i;
  }

  /**
   * Stream 0 for a new request, whatever runs there already, counted as running there until
   * {@link #done}: for work that gains nothing from a second stream thread and loses by it.
   */
  int takeFirst() {
    running[0].incrementAndGet();
    return 0;
  }

  /** The request that {@link #take} or {@link #takeFirst} gave {@code stream} has ended. */
  void done(int stream) {
    running[stream].decrementAndGet();
  }

  /** Requests running now, on every stream. */
  int running() {
    int sum = 0;
    for (AtomicInteger r : running) {
      sum += r.get();
    }
    return sum;
  }

  /** Requests running on {@code stream} now. */
  int running(int stream) {
    return running[stream].get();
  }
}
