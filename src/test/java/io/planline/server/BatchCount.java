package io.planline.server;

/**
 * A model's batch metrics ({@code planline_batch_size_count} and {@code _sum} on /prometheus)
 * read at one moment, to check what the requests sent after it formed.
 */
record BatchCount(Http http, String model, double batches, double rows) {

  /** The metrics of {@code model} now. */
  static BatchCount now(Http http, String model) {
    return new BatchCount(http, model, OverloadTest.counter(http, name("count", model)),
        OverloadTest.counter(http, name("sum", model)));
  }

  /** Batches run since this reading. */
  double newBatches() {
    return OverloadTest.counter(http, name("count", model)) - batches;
  }

  /** Rows (requests) in the batches run since this reading. */
  double newRows() {
    return OverloadTest.counter(http, name("sum", model)) - rows;
  }

  private static String name(String kind, String model) {
    return "planline_batch_size_" + kind + "{model=\"" + model + "\"} ";
  }
}
