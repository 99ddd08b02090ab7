package io.planline.exec;

/**
 * What a request given to {@link RequestExecutor} is: a whole request, or one part of a request
 * split along its batch ({@link SplitRule}), whose parts run side by side with each native call
 * on one thread.
 */
enum RunAs {
  /** A request as it came (or a dynamic batch). */
  WHOLE,
  /**
   * A part started before the last: it runs on a stream, never on the thread that starts the
   * parts, which must go on to start the next one.
   */
  PART,
  /**
   * The last part: it runs on the thread that started the parts where that thread may wait,
   * however long it takes, and on an event loop as a short whole request would ({@link
   * InlineRuns}), while the others run on their streams; that saves waking one stream thread,
   * and often the caller too, which then finds the other parts done.
   */
  LAST_PART,
  /**
   * A whole request of the server's own ({@link ModelWarmup}): it runs as a whole one does, but
   * is not counted among the model's requests and its time is not recorded among the program's
   * runs (cold, and run beside the others of its round, it would make the program look slower
   * than a request alone is, so that its first client requests split when they need not).
   */
  WARMUP;

  /** Whether this is a part of a split request. */
  boolean part() {
    return this == PART || this == LAST_PART;
  }
}
