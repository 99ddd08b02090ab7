package io.planline.exec;

/** Expected failures of a request, each mapped to one HTTP status by the server. */
public abstract sealed class InferenceException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  InferenceException(String message, Throwable cause) {
    super(message, cause);
  }

  /** No such model or version (404). */
  public static final class ModelNotFound extends InferenceException {
    private static final long serialVersionUID = 1L;

    public ModelNotFound(String message) {
      super(message, null);
    }
  }

  /** The request does not fit the model's signature (400). */
  public static final class BadInput extends InferenceException {
    private static final long serialVersionUID = 1L;

    public BadInput(String message) {
      super(message, null);
    }
  }

  /** Refused for now: queue full, memory budget exhausted, or shutting down (503). */
  public static final class Overloaded extends InferenceException {
    private static final long serialVersionUID = 1L;
    private final String reason;

    public Overloaded(String reason, String message) {
      super(message, null);
      this.reason = reason;
    }

    /** Short reason label for metrics ({@code queue_full}, {@code memory}, {@code shutdown}). */
    public String reason() {
      return reason;
    }
  }

  /** The program failed while running (500). */
  public static final class Failed extends InferenceException {
    private static final long serialVersionUID = 1L;

    public Failed(String message, Throwable cause) {
      super(message, cause);
    }
  }
}
