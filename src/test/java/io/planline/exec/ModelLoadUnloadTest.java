package io.planline.exec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.planline.backend.HostTensor;
import io.planline.testing.ModelFolders;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

/**
 * Loading and unloading models on the runtime (explicit model control), on the real CPU backend:
 * digits-mlp is loaded at start, tiny-gpt only known; states, refusals and the release after the
 * last admitted request.
 */
final class ModelLoadUnloadTest {

  private static LocalInferenceService service(List<RuntimeSettings.ModelSpec> available) {
    return Runtimes.create(new RuntimeSettings("cpu", "noop",
        List.of(new RuntimeSettings.ModelSpec("digits-mlp", "1", null, null)), 64, 1, 16,
        Long.MAX_VALUE, 1_000, ProgramCacheSettings.DEFAULT, available));
  }

  private static ModelState state(LocalInferenceService s, String model) {
    return s.index().stream().filter(m -> m.name().equals(model)).findFirst().orElseThrow();
  }

  private static Map<String, HostTensor> sample(String model) throws IOException {
    return RequestExecutorTest.sample(model).inputs();
  }

  @Test
  void load_knownModel_unavailableThenReadyAndServes() throws IOException {
    try (LocalInferenceService s = service(List.of(
        new RuntimeSettings.ModelSpec("tiny-gpt", "1", null, null)))) {
      assertEquals(new ModelState("tiny-gpt", "1", ModelState.State.UNAVAILABLE, "not loaded"),
          state(s, "tiny-gpt"));
      StepVerifier.create(s.infer("tiny-gpt", null, sample("tiny-gpt")))
          .expectErrorSatisfies(e -> assertTrue(e instanceof InferenceException.ModelNotFound
              && e.getMessage().contains("'tiny-gpt' version '1' is not loaded"), e.toString()))
          .verify();
      StepVerifier.create(s.load("tiny-gpt")).verifyComplete();
      assertEquals(ModelState.ready("tiny-gpt", "1"), state(s, "tiny-gpt"));
      StepVerifier.create(s.infer("tiny-gpt", null, sample("tiny-gpt")))
          .expectNextCount(1).verifyComplete();
      StepVerifier.create(s.load("tiny-gpt")).verifyComplete(); // idempotent
    }
  }

  @Test
  void load_unknownName_modelNotFoundNamingTheKnownOnes() {
    try (LocalInferenceService s = service(List.of())) {
      StepVerifier.create(s.load("resnet"))
          .expectErrorSatisfies(e -> assertTrue(e instanceof InferenceException.ModelNotFound
              && e.getMessage().contains("'resnet'") && e.getMessage().contains("digits-mlp"),
              e.toString()))
          .verify();
    }
  }

  @Test
  void load_brokenFolder_failsNamingTheFileAndIndexSaysWhy(@TempDir Path dir)
      throws IOException {
    Path folder = ModelFolders.write(dir.resolve("broken"), ModelFolders.FAILING, "w",
        new long[] {4, 2}, new float[8]);
    Files.delete(folder.resolve("weights.safetensors"));
    try (LocalInferenceService s = service(List.of(
        new RuntimeSettings.ModelSpec("broken", "1", folder.toString(), null)))) {
      StepVerifier.create(s.load("broken"))
          .expectErrorSatisfies(e -> assertTrue(e instanceof InferenceException.Failed
              && e.getMessage().contains("failed to load")
              && e.getMessage().contains("weights.safetensors"), e.toString()))
          .verify();
      ModelState st = state(s, "broken");
      assertEquals(ModelState.State.UNAVAILABLE, st.state());
      assertTrue(st.reason().startsWith("failed to load: ")
          && st.reason().contains("weights.safetensors"), st.reason());
    }
  }

  @Test
  @Timeout(value = 60, unit = TimeUnit.SECONDS)
  void unload_requestWaitingForAdmission_runsToTheEndThenReleased() throws Exception {
    try (LocalInferenceService s = service(List.of())) {
      Admission.Ticket slot = s.admission().admit(1).block();
      Mono<List<HostTensor>> admitted = s.infer("digits-mlp", null, sample("digits-mlp"));
      StepVerifier.create(admitted)
          .then(() -> {
            while (s.admission().queued() < 1) {
              // the request is being planned, then queued; the @Timeout bounds the wait
              java.util.concurrent.locks.LockSupport.parkNanos(1_000_000);
            }
            StepVerifier.create(s.unload("digits-mlp")).verifyComplete();
            assertEquals(ModelState.State.UNLOADING, state(s, "digits-mlp").state());
            assertTrue(s.loaded().stream().anyMatch(m -> m.name().equals("digits-mlp")));
            StepVerifier.create(s.infer("digits-mlp", null, sampleOrThrow()))
                .expectErrorSatisfies(e -> assertTrue(
                    e instanceof InferenceException.Overloaded o && o.reason().equals("not_ready")
                        && e.getMessage().contains("is unloading"), e.toString()))
                .verify();
            slot.release();
          })
          .assertNext(outputs -> assertEquals(1, outputs.size()))
          .verifyComplete();
      assertEquals(new ModelState("digits-mlp", "1", ModelState.State.UNAVAILABLE, "unloaded"),
          state(s, "digits-mlp"));
      assertTrue(s.loaded().isEmpty());
      assertEquals(0, s.admission().running());
      StepVerifier.create(s.unload("digits-mlp")).verifyComplete(); // idempotent
      StepVerifier.create(s.load("digits-mlp")).verifyComplete();
      StepVerifier.create(s.infer("digits-mlp", null, sample("digits-mlp")))
          .expectNextCount(1).verifyComplete();
    }
  }

  @Test
  void load_twoAtOnce_bothCompleteAndTheModelIsLoadedOnce() {
    try (LocalInferenceService s = service(List.of(
        new RuntimeSettings.ModelSpec("tiny-gpt", "1", null, null)))) {
      StepVerifier.create(Mono.when(s.load("tiny-gpt"), s.load("tiny-gpt"))).verifyComplete();
      assertEquals(1, s.loaded().stream().filter(m -> m.name().equals("tiny-gpt")).count());
    }
  }

  @Test
  void unload_rightAfterLoadStarts_endsUnloadedWhicheverFinishesFirst() {
    try (LocalInferenceService s = service(List.of(
        new RuntimeSettings.ModelSpec("tiny-gpt", "1", null, null)))) {
      var loading = s.load("tiny-gpt").toFuture();
      StepVerifier.create(s.unload("tiny-gpt")).verifyComplete();
      loading.join();
      assertEquals(new ModelState("tiny-gpt", "1", ModelState.State.UNAVAILABLE, "unloaded"),
          state(s, "tiny-gpt"));
    }
  }

  @Test
  @Timeout(value = 60, unit = TimeUnit.SECONDS)
  void load_whileUnloading_waitsForTheReleaseThenLoadsAgain() throws Exception {
    try (LocalInferenceService s = service(List.of())) {
      Admission.Ticket slot = s.admission().admit(1).block();
      var admitted = s.infer("digits-mlp", null, sample("digits-mlp")).toFuture();
      while (s.admission().queued() < 1) {
        java.util.concurrent.locks.LockSupport.parkNanos(1_000_000); // bounded by @Timeout
      }
      StepVerifier.create(s.unload("digits-mlp")).verifyComplete();
      // The load cannot finish before the admitted request, held by the slot, releases the
      // model: it completes only after the slot is given back.
      StepVerifier.create(s.load("digits-mlp"))
          .then(() -> assertEquals(ModelState.State.UNLOADING, state(s, "digits-mlp").state()))
          .then(slot::release)
          .verifyComplete();
      assertEquals(1, admitted.get().size());
      assertEquals(ModelState.ready("digits-mlp", "1"), state(s, "digits-mlp"));
    }
  }

  private static Map<String, HostTensor> sampleOrThrow() {
    try {
      return sample("digits-mlp");
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
