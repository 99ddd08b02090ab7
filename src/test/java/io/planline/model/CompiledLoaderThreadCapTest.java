package io.planline.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class CompiledLoaderThreadCapTest {

  /** A whole-tensor sum as Inductor wrote it on a 2-core machine before dynamic threads. */
  private static final String FIXED = """
      at::vec::Vectorized<float> tmp_acc0_vec_arr[2];
      float tmp_acc0_arr[2];
      #pragma omp parallel
      {
          int tid = omp_get_thread_num();
          tmp_acc0_vec_arr[tid] = tmp_acc0_vec_local;
          tmp_acc0_arr[tid] = tmp_acc0_local;
      }
      """;

  /** The same with cpp.dynamic_threads, as the exporter writes it now. */
  private static final String DYNAMIC = """
      int max_threads = omp_get_max_threads();
      at::vec::Vectorized<float> tmp_acc0_vec_arr[max_threads];
      #pragma omp parallel
      {
          int tid = omp_get_thread_num();
          tmp_acc0_vec_arr[tid] = tmp_acc0_vec_local;
      }
      """;

  @Test
  void threadCap_fixedPerThreadArrays_theSmallestSize() {
    assertEquals(2, CompiledLoader.threadCap(FIXED));
    assertEquals(2, CompiledLoader.threadCap(FIXED.replace("vec_arr[2]", "vec_arr[8]")));
  }

  @Test
  void threadCap_arraysSizedWhenRun_unlimited() {
    assertEquals(Integer.MAX_VALUE, CompiledLoader.threadCap(DYNAMIC));
    assertEquals(Integer.MAX_VALUE, CompiledLoader.threadCap(""));
  }

  @ParameterizedTest
  @ValueSource(strings = {"digits-mlp", "digits-cnn", "tiny-gpt"})
  void threadCap_builtInModels_unlimited(String model) throws IOException {
    String source = Files.readString(
        Path.of("src/main/resources/models", model, "inductor", "kernels.cpp"));
    assertEquals(Integer.MAX_VALUE, CompiledLoader.threadCap(source));
  }
}
