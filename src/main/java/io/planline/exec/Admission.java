package io.planline.exec;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * Decides when a request may start: only while fewer than {@code maxRunning} run and its planned
 * bytes fit what is left of the device memory budget (known before it runs: that is what a static
 * plan buys). Otherwise it waits in a bounded FIFO queue; when the queue is full it is refused at
 * once. Waiting is a {@link Sinks.One} completed by whichever request frees the room, so no thread
 * blocks. Closing (a drain) refuses new requests but lets the admitted ones, queued included,
 * finish.
 */
public final class Admission {

  /** A granted slot: must be released exactly once (idempotent). */
  public interface Ticket {
    void release();
  }

  private final int maxRunning;
  private final int queueCapacity;
  private final long budgetBytes;
  private final Deque<Waiter> queue = new ArrayDeque<>();
  private final CompletableFuture<Void> idle = new CompletableFuture<>();
  private int running;
  private long reserved;
  private boolean closed;

  /** Requires: positive limits ({@code budgetBytes} may be {@code Long.MAX_VALUE}). */
  public Admission(int maxRunning, int queueCapacity, long budgetBytes) {
    if (maxRunning < 1 || queueCapacity < 0 || budgetBytes < 1) {
      throw new IllegalArgumentException("bad admission limits: running " + maxRunning
          + ", queue " + queueCapacity + ", budget " + budgetBytes);
    }
    this.maxRunning = maxRunning;
    this.queueCapacity = queueCapacity;
    this.budgetBytes = budgetBytes;
  }

  private final class Waiter {
    final long bytes;
    final Sinks.One<Ticket> granted = Sinks.one();

    Waiter(long bytes) {
      this.bytes = bytes;
    }
  }

  /**
   * A ticket for a request that needs {@code bytes}: at once, after waiting, or an error.
   *
   * @return a Mono failing with {@link InferenceException.Overloaded} when the queue is full or
   *     the server is shutting down, and {@link InferenceException.BadInput} when the request
   *     could never fit the budget
   */
  public Mono<Ticket> admit(long bytes) {
    return Mono.defer(() -> {
      if (bytes > budgetBytes) {
        return Mono.error(new InferenceException.BadInput("the request needs " + bytes
            + " bytes of device memory but the budget is " + budgetBytes + " bytes"));
      }
      Waiter w = new Waiter(bytes);
      synchronized (this) {
        if (closed) {
          return Mono.error(new InferenceException.Overloaded("shutdown",
              "the server is shutting down"));
        }
        if (queue.isEmpty() && fits(bytes)) {
          // Granted now, handed over through the sink like a queued grant: a subscriber that
          // cancels before taking it (Mono.just would drop it) still gives it back.
          w.granted.tryEmitValue(grant(bytes));
        } else if (queue.size() >= queueCapacity) {
          return Mono.error(new InferenceException.Overloaded("queue_full", "queue is full ("
              + queueCapacity + " waiting, " + running + " running); retry later"));
        } else {
          queue.addLast(w);
        }
      }
      // A waiter cancelled before its turn leaves the queue; one granted meanwhile gives back.
      return w.granted.asMono().doOnCancel(() -> abandon(w));
    });
  }

  /**
   * Refuses every new request from now on; requests already admitted, running or waiting in the
   * queue, still run (they were accepted, so a drain must not lose them).
   *
   * @return completes once none of them is left
   */
  public CompletableFuture<Void> close() {
    synchronized (this) {
      closed = true;
    }
    completeIfIdle();
    return idle;
  }

  /** Requests that may execute at once. */
  public int maxRunning() {
    return maxRunning;
  }

  /** Requests that may wait for a slot. */
  public int queueCapacity() {
    return queueCapacity;
  }

  /** Requests waiting now. */
  public synchronized int queued() {
    return queue.size();
  }

  /** Requests admitted and not yet released. */
  public synchronized int running() {
    return running;
  }

  /** Bytes reserved by running requests. */
  public synchronized long reservedBytes() {
    return reserved;
  }

  private boolean fits(long bytes) {
    return running < maxRunning && reserved + bytes <= budgetBytes;
  }

  private Ticket grant(long bytes) {
    running++;
    reserved += bytes;
    AtomicBoolean done = new AtomicBoolean();
    return () -> {
      if (done.compareAndSet(false, true)) {
        release(bytes);
      }
    };
  }

  private void release(long bytes) {
    synchronized (this) {
      running--;
      reserved -= bytes;
    }
    dispatch();
    completeIfIdle();
  }

  /** Completes the drain once closed with nothing running or waiting. */
  private void completeIfIdle() {
    boolean done;
    synchronized (this) {
      done = closed && running == 0 && queue.isEmpty();
    }
    if (done) {
      idle.complete(null);
    }
  }

  /** Starts waiting requests in FIFO order while they fit (no overtaking: no starvation). */
  private void dispatch() {
    while (true) {
      Waiter next;
      Ticket ticket;
      synchronized (this) {
        next = queue.peekFirst();
        if (next == null || !fits(next.bytes)) {
          return;
        }
        queue.removeFirst();
        ticket = grant(next.bytes);
      }
      if (next.granted.tryEmitValue(ticket).isFailure()) {
        ticket.release(); // cancelled meanwhile
      }
    }
  }

  private void abandon(Waiter w) {
    boolean removed;
    synchronized (this) {
      removed = queue.remove(w);
    }
    if (removed) {
      completeIfIdle();
    } else {
      // It was granted between the cancel and now: hand the slot back.
      w.granted.asMono().subscribe(Ticket::release, e -> { });
    }
  }
}
