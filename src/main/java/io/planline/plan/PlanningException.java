package io.planline.plan;

/** An expected failure to plan (capacity too small, unknown planner), with a message for users. */
public class PlanningException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public PlanningException(String message) {
    super(message);
  }
}
