package io.planline.exec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.planline.backend.BackendException;
import io.planline.backend.cuda.CudaBackend;
import io.planline.ir.Device;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Backend selection: {@code auto} takes CUDA exactly when a GPU can be opened and the CPU
 * otherwise; {@code cuda} without a GPU refuses to start with a message that says why.
 */
final class RuntimesBackendTest {

  private static RuntimeSettings settings(String backend) {
    return new RuntimeSettings(backend, "greedy", List.of(new RuntimeSettings.ModelSpec(
        "digits-mlp", "1", null, null)), 16, 1, 4, Long.MAX_VALUE, 1_000);
  }

  private static boolean gpuPresent() {
    try (CudaBackend b = CudaBackend.open(1)) {
      return true;
    } catch (BackendException e) {
      return false;
    }
  }

  @Test
  void auto_choosesCudaOnlyWhenAGpuOpens() {
    boolean gpu = gpuPresent();
    try (LocalInferenceService s = Runtimes.create(settings("auto"))) {
      assertEquals(gpu ? Device.CUDA0 : Device.CPU, s.executor().backend().device());
    }
  }

  @Test
  void cuda_withoutAGpu_refusesToStartSayingWhy() {
    if (gpuPresent()) {
      try (LocalInferenceService s = Runtimes.create(settings("cuda"))) {
        assertEquals(Device.CUDA0, s.executor().backend().device());
      }
      return;
    }
    BackendException e = assertThrows(BackendException.class,
        () -> Runtimes.create(settings("cuda")));
    assertTrue(e.getMessage().startsWith("backend 'cuda' cannot start: "), e.getMessage());
    System.out.println("cuda refusal: " + e.getMessage());
  }

  /**
   * Running requests left to the backend: one per core on the CPU (its streams and its
   * admission alike), two on CUDA; a number given is taken as it is.
   */
  @Test
  void runningLeftToTheBackend_onePerCoreOnCpu_twoOnCuda_givenAsGiven() {
    for (int asked : new int[] {RuntimeSettings.PER_BACKEND, 3}) {
      RuntimeSettings s = new RuntimeSettings("auto", "greedy", List.of(
          new RuntimeSettings.ModelSpec("digits-mlp", "1", null, null)), 16, asked, 4,
          Long.MAX_VALUE, 1_000);
      try (LocalInferenceService service = Runtimes.create(s)) {
        boolean cpu = service.executor().backend().device().equals(Device.CPU);
        int expected = asked != RuntimeSettings.PER_BACKEND ? asked
            : cpu ? Runtime.getRuntime().availableProcessors() : 2;
        assertEquals(expected, service.executor().backend().streams(), "streams, asked " + asked);
        assertEquals(expected, service.admission().maxRunning(), "admission, asked " + asked);
      }
    }
  }

  @Test
  void unknownBackend_listsTheValidOnes() {
    var e = assertThrows(IllegalArgumentException.class, () -> Runtimes.create(settings("tpu")));
    assertTrue(e.getMessage().contains("[cpu, cuda, auto]"), e.getMessage());
  }
}
