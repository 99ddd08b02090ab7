package io.planline.exec;

/**
 * The clock of one inference request: the moments that split its time into Triton's four phases.
 * The frontend (HTTP, gRPC) marks when the request arrived and when its inputs were decoded; the
 * runtime marks when its execution started and ended; the frontend asks for the phases once the
 * answer is out.
 *
 * <pre>
 *  arrived ─ inputs decoded ─────── execution started ───────── execution ended ─── answered
 *  │ compute_input │ queue                  │ compute_infer              │ compute_output │
 *    parse, bind     plan lookup (a new       upload, kernels, download    encode, write
 *                    shape waits for it),     (one pipeline on the
 *                    batcher, admission       request's stream)
 * </pre>
 *
 * <p>Uploading inputs and downloading outputs run inside the executor's single pipeline on the
 * request's stream, so they count under {@code compute_infer}: {@code compute_input} and
 * {@code compute_output} hold what the frontend does on the host (decoding and encoding). A
 * request that ran in a dynamic batch takes its batch's execution marks.
 *
 * <p>Marks are written by one thread at a time in the order above (a request's pipeline hands
 * over between threads through Reactor, which publishes them); they are volatile so that the
 * frontend reads what the runtime wrote on another thread.
 */
public final class RequestTimes {

  private final long arrived;
  private volatile long decoded;
  private volatile long started;
  private volatile long ended;

  private RequestTimes(long arrived) {
    this.arrived = arrived;
  }

  /** A request arriving now. */
  public static RequestTimes start() {
    return new RequestTimes(System.nanoTime());
  }

  /**
   * A request that arrived at {@code nanoTime} (a {@link System#nanoTime} reading, taken before
   * the frontend began reading it).
   */
  public static RequestTimes startedAt(long nanoTime) {
    return new RequestTimes(nanoTime);
  }

  /** When the request arrived ({@link System#nanoTime}). */
  public long arrived() {
    return arrived;
  }

  /** The frontend has turned the request into input tensors and hands it to the runtime. */
  public void inputsDecoded() {
    decoded = System.nanoTime();
  }

  /**
   * The request was admitted and its execution starts now; for a request split into parts that
   * run side by side, the first part's start counts (and the last part's end).
   */
  public void executionStarted() {
    if (started == 0) {
      started = System.nanoTime();
    }
  }

  /** Its outputs are on the host now. */
  public void executionEnded() {
    ended = System.nanoTime();
  }

  /** Takes the execution marks of the batch this request ran in. */
  public void executedAs(RequestTimes batch) {
    started = batch.started;
    ended = batch.ended;
  }

  /** Whether the request's execution ran to its end (it has all four phases). */
  public boolean executed() {
    return started != 0 && ended != 0;
  }

  /**
   * The four phases of a request that executed, answered at {@code answeredNanos}.
   *
   * @throws IllegalStateException when the request never finished executing
   */
  public Phases phases(long answeredNanos) {
    if (!executed()) {
      throw new IllegalStateException("the request did not execute; it has no phases");
    }
    // A frontend that hands inputs over without marking them decoded had no decoding to time.
    long in = decoded == 0 ? arrived : decoded;
    return new Phases(Math.max(0, started - in), Math.max(0, in - arrived),
        Math.max(0, ended - started), Math.max(0, answeredNanos - ended));
  }

  /**
   * Where a successful request's time went, in nanoseconds; together they are its whole duration
   * from arrival to answer.
   *
   * @param queueNanos from the inputs handed to the runtime to the execution's start
   * @param inputNanos decoding the request into input tensors
   * @param inferNanos the execution: upload, kernels, download
   * @param outputNanos encoding and writing the answer
   */
  public record Phases(long queueNanos, long inputNanos, long inferNanos, long outputNanos) {

    public Phases {
      if (queueNanos < 0 || inputNanos < 0 || inferNanos < 0 || outputNanos < 0) {
        throw new IllegalArgumentException("phase durations must be ≥ 0 ns: queue " + queueNanos
            + ", input " + inputNanos + ", infer " + inferNanos + ", output " + outputNanos);
      }
    }

    /** Their sum. */
    public long totalNanos() {
      return queueNanos + inputNanos + inferNanos + outputNanos;
    }
  }
}
