package io.planline.metrics;

import java.util.Locale;

/** How an inference request ended, as the {@code outcome} label shows it. */
public enum Outcome {
  /** 200. */
  SUCCESS,
  /** 400: the body or an input did not fit the protocol or the model. */
  BAD_REQUEST,
  /** 404: no such model or version. */
  NOT_FOUND,
  /** 413: the body was over the size limit. */
  TOO_LARGE,
  /** 503: refused by admission (queue full, memory, shutdown) or the model was not ready. */
  REFUSED,
  /** 500: the program failed while running. */
  FAILED,
  /** The client went away before the answer. */
  CANCELLED;

  /** The label value ({@code bad_request}). */
  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }
}
