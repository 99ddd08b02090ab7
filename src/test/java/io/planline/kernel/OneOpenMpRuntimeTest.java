package io.planline.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The compiled kernels and oneDNN run on one OpenMP runtime, so that one pool of threads serves
 * both (two runtimes would each keep their own worker threads on the same cores).
 */
class OneOpenMpRuntimeTest {

  @Test
  void kernelsAndOneDnn_mapOneLibgomp() throws IOException {
    Path maps = Path.of("/proc/self/maps");
    assumeTrue(Files.isReadable(maps), "Linux only");
    NativeKernels.load(Path.of("src/main/resources/models/digits-cnn/inductor/kernels-avx2.so"),
        Map.of(), 1);
    // the products' library, loaded after the kernels as a model's first product does
    assumeTrue(Dnnl.available(), "oneDNN loads here");
    Set<String> gomps = Files.readAllLines(maps).stream()
        .map(line -> line.substring(line.lastIndexOf(' ') + 1))
        .filter(file -> file.contains("libgomp"))
        .collect(Collectors.toSet());
    assertEquals(1, gomps.size(), "OpenMP runtimes mapped: " + gomps);
  }
}
