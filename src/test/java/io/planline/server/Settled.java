package io.planline.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.planline.exec.LocalInferenceService;

/**
 * Waits (up to about five seconds each) for what a cancelled or failed request leaves behind to
 * go away, then asserts it has: the runtime ends a request on its own threads, after the client
 * already has its answer.
 */
public final class Settled {

  private Settled() {}

  /** No request running any more, as a cancelled one must end. */
  public static void nothingRunning(LocalInferenceService runtime) throws InterruptedException {
    for (int i = 0; i < 1000 && runtime.admission().running() > 0; i++) {
      Thread.sleep(5);
    }
    assertEquals(0, runtime.admission().running(), "the request was not cancelled");
  }

  /** Device memory in use back at {@code baseline}. */
  public static void memoryBack(LocalInferenceService runtime, long baseline)
      throws InterruptedException {
    for (int i = 0; i < 1000 && runtime.executor().backend().bytesInUse() != baseline; i++) {
      Thread.sleep(5);
    }
    assertEquals(baseline, runtime.executor().backend().bytesInUse(), "memory back to baseline");
  }
}
