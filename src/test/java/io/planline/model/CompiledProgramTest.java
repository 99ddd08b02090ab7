package io.planline.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.planline.backend.HostTensor;
import io.planline.backend.cpu.CpuBackend;
import io.planline.exec.RuntimeSettings;
import io.planline.exec.Runtimes;
import io.planline.exec.Samples;
import io.planline.io.ProgramFormatException;
import io.planline.ir.WrapperLine;
import io.planline.kernel.NativeKernels;
import io.planline.plan.PlanOptions;
import io.planline.plan.PlannerRegistry;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Format version 2 (programs compiled by Inductor), read from the built-in tiny-gpt's real
 * {@code inductor/program.json}, and every way such a program or its library can be wrong.
 */
final class CompiledProgramTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final CpuBackend CPU = new CpuBackend(1);

  @AfterAll
  static void close() {
    CPU.close();
  }

  /** A built-in model's Inductor program as a JSON tree, to edit. */
  static ObjectNode builtIn(String model) throws IOException {
    try (InputStream in = ModelLoader.builtIn(model).open(ModelLoader.INDUCTOR_PROGRAM)) {
      return (ObjectNode) JSON.readTree(in);
    }
  }

  /** Reads an (edited) program tree as the loader would. */
  static ModelProgram read(ObjectNode program) throws IOException {
    return ModelProgramReader.read("p.json",
        new ByteArrayInputStream(JSON.writeValueAsBytes(program)));
  }

  private static String problem(ObjectNode program) {
    return assertThrows(ProgramFormatException.class, () -> read(program)).getMessage();
  }

  @Test
  void read_tinyGptCompiledProgram_keepsInductorsLinesAndKernels() throws IOException {
    ModelProgram p = read(builtIn("tiny-gpt"));
    assertNotNull(p.compiled());
    var cpp = assertInstanceOf(ModelProgram.CppLibrary.class, p.compiled());
    assertEquals(8, cpp.kernels().size());
    assertEquals(Map.of("tokens", 256L), p.indexBounds());
    assertTrue(p.lines().stream().anyMatch(t -> t instanceof ModelProgram.Reuse));
    // Inductor's in-place reuses bind to ReuseLines over the same storage
    var graph = ProgramBinder.bind(p, ProgramBinder.symbolsFor(p,
        Map.of("tokens", new long[] {2, 8})));
    var reuse = graph.lines().stream().filter(l -> l instanceof WrapperLine.ReuseLine)
        .map(l -> (WrapperLine.ReuseLine) l).findFirst().orElseThrow();
    assertEquals(reuse.node().bytes(), reuse.reusedAs().bytes());
  }

  @Test
  void read_reuseLineInVersion1_isRefused() throws IOException {
    ObjectNode p = builtIn("tiny-gpt");
    p.put("version", 1);
    // (its transposed weights' strides need version 3 too: without them the lines are checked)
    p.get("weights").forEach(w -> ((ObjectNode) w).remove("stride"));
    assertTrue(problem(p).contains("ReuseLine needs format version 2"), problem(p));
  }

  @Test
  void read_unknownVersionOrKind_isRefusedNamingIt() throws IOException {
    ObjectNode p = builtIn("tiny-gpt");
    p.put("version", 4);
    assertTrue(problem(p).contains("version 4 is not supported"), problem(p));
    ObjectNode q = builtIn("tiny-gpt");
    ((ObjectNode) q.get("compiled")).put("kind", "tvm-llvm");
    assertTrue(problem(q).contains("'tvm-llvm' is not a kind this build runs (inductor-cpp, "
        + "inductor-triton)"), problem(q));
  }

  @Test
  void read_callOfAnUnlistedKernel_isRefusedNamingIt() throws IOException {
    ObjectNode p = builtIn("tiny-gpt");
    ObjectNode call = firstCompiledCall(p);
    call.put("kernel_name", "cpp_fused_missing_99");
    assertTrue(problem(p).contains("'cpp_fused_missing_99' is neither an operator of planline's kernel library"),
        problem(p));
  }

  @Test
  void read_compiledCallWithWrongArguments_isRefusedAtLoad() throws IOException {
    ObjectNode p = builtIn("tiny-gpt");
    ArrayNode args = (ArrayNode) firstCompiledCall(p).get("call_args");
    args.remove(args.size() - 1);
    assertTrue(problem(p).contains("the line passes " + args.size()), problem(p));

    ObjectNode q = builtIn("tiny-gpt");
    ((ArrayNode) firstCompiledCall(q).get("call_args")).set(0, "nothing_defines_this");
    assertTrue(problem(q).contains("'nothing_defines_this' is used before anything defines it"),
        problem(q));
  }

  @Test
  void read_badParameterKindOrLibraryPath_isRefused() throws IOException {
    ObjectNode p = builtIn("tiny-gpt");
    ObjectNode kernels = (ObjectNode) p.get("compiled").get("kernels");
    ObjectNode first = (ObjectNode) kernels.elements().next();
    ((ArrayNode) first.get("params")).set(0, "pointer");
    assertTrue(problem(p).contains("unknown parameter kind 'pointer'"), problem(p));

    ObjectNode q = builtIn("tiny-gpt");
    ((ObjectNode) q.get("compiled").get("libraries").get(0)).put("file", "../../libc.so.6");
    assertTrue(problem(q).contains("must be a plain file name"), problem(q));
  }

  private static ObjectNode firstCompiledCall(ObjectNode program) {
    for (var line : program.get("lines")) {
      if (line.get("kind").asText().equals("KernelCallLine")
          && !line.get("kernel_name").asText().startsWith("aten.")) {
        return (ObjectNode) line;
      }
    }
    throw new AssertionError("no compiled call");
  }

  // -- loading the library ---------------------------------------------------------------------

  /** A copy of the built-in tiny-gpt as a folder whose compiled program is edited by {@code f}. */
  private static Path folder(Path dir, Consumer<ObjectNode> edit) throws IOException {
    ModelLoader.Source src = ModelLoader.builtIn("tiny-gpt");
    for (String f : new String[] {"weights.safetensors", "sample.json"}) {
      try (InputStream in = src.open(f)) {
        Files.copy(in, dir.resolve(f));
      }
    }
    ObjectNode p = builtIn("tiny-gpt");
    for (var lib : p.get("compiled").get("libraries")) {
      List<String> files = new ArrayList<>(List.of(lib.get("file").asText()));
      if (lib.has("serial")) {
        files.add(lib.get("serial").get("file").asText());
      }
      for (String file : files) {
        try (InputStream in = src.open("inductor/" + file)) {
          Files.copy(in, dir.resolve(file));
        }
      }
    }
    edit.accept(p);
    Files.writeString(dir.resolve("program.json"), JSON.writeValueAsString(p),
        StandardCharsets.UTF_8);
    return dir;
  }

  private static Model load(Path dir) {
    return ModelLoader.load(ModelLoader.folder(dir), "m", "1",
        PlannerRegistry.builtIn().get("offset"), PlanOptions.DEFAULT, CPU);
  }

  @Test
  void load_exportedFolder_runsTheCompiledKernels(@TempDir Path dir) throws IOException {
    assumeTrue(CompiledLoader.missingInstructions() == null, "no AVX2 here");
    Model m = load(folder(dir, p -> { }));
    assertNotNull(m.nativeKernels());
    assertTrue(m.nativeKernels().has("cpp_fused_cat_2"));
    assertEquals(Map.of("tokens", 256L), m.indexBounds());
  }

  /** The OpenMP build and the serial one are each checked against their own digest. */
  @ParameterizedTest
  @ValueSource(strings = {".so", "-serial.so"})
  void load_libraryThatIsNotTheExportedOne_isRefusedByItsDigest(String build, @TempDir Path dir)
      throws IOException {
    assumeTrue(CompiledLoader.missingInstructions() == null, "no AVX2 here");
    folder(dir, p -> { });
    String file = chosenLibrary().replace(".so", build);
    byte[] lib = Files.readAllBytes(dir.resolve(file));
    lib[lib.length / 2] ^= 1;
    Files.write(dir.resolve(file), lib);
    String msg = assertThrows(ProgramFormatException.class, () -> load(dir)).getMessage();
    assertTrue(msg.contains(file) && msg.contains("SHA-256"), msg);
  }

  @Test
  void load_kernelMissingFromTheLibrary_isRefusedNamingIt(@TempDir Path dir) throws IOException {
    assumeTrue(CompiledLoader.missingInstructions() == null, "no AVX2 here");
    folder(dir, p -> {
      ObjectNode kernels = (ObjectNode) p.get("compiled").get("kernels");
      kernels.set("cpp_not_compiled_7", kernels.elements().next().deepCopy());
    });
    String msg = assertThrows(ProgramFormatException.class, () -> load(dir)).getMessage();
    assertTrue(msg.contains("cpp_not_compiled_7") && msg.contains("not found"), msg);
  }

  @Test
  void load_libraryFileMissing_saysWhichFile(@TempDir Path dir) throws IOException {
    assumeTrue(CompiledLoader.missingInstructions() == null, "no AVX2 here");
    folder(dir, p -> { });
    String file = chosenLibrary();
    Files.delete(dir.resolve(file));
    String msg = assertThrows(ProgramFormatException.class, () -> load(dir)).getMessage();
    assertTrue(msg.contains(file) && msg.contains("cannot read"), msg);
  }

  /**
   * The serial build (no OpenMP), which small calls run on, answers bit for bit as the OpenMP
   * build on one thread does: tiny-gpt's sample through both.
   */
  @Test
  void run_serialBuild_answersExactlyAsTheOpenMpBuild(@TempDir Path dir) throws IOException {
    assumeTrue(CompiledLoader.missingInstructions() == null, "no AVX2 here");
    Path both = Files.createDirectory(dir.resolve("both"));
    Path openMpOnly = Files.createDirectory(dir.resolve("openmp"));
    folder(both, p -> { });
    folder(openMpOnly, p -> p.get("compiled").get("libraries")
        .forEach(lib -> ((ObjectNode) lib).remove("serial")));
    List<float[]> answers = new ArrayList<>();
    for (Path folder : List.of(both, openMpOnly)) {
      try (var s = Runtimes.create(new RuntimeSettings("cpu", "offset", List.of(
          new RuntimeSettings.ModelSpec("m", "1", folder.toString(), null,
              ModelLoader.Kernels.AUTO)), 64, 1, 64, Long.MAX_VALUE, 1_000))) {
        assertEquals(folder == both,
            ((NativeKernels) s.find("m", null).nativeKernels()).hasSerial());
        Samples.Sample sample = Samples.of(ModelLoader.folder(folder));
        answers.add(s.infer("m", null, sample.inputs()).block().get(0).floats());
      }
    }
    assertArrayEquals(answers.get(0), answers.get(1));
  }

  /** The build of tiny-gpt's library this machine loads. */
  private static String chosenLibrary() throws IOException {
    ModelProgram program;
    try (InputStream in = ModelLoader.builtIn("tiny-gpt").open("inductor/program.json")) {
      program = ModelProgramReader.read("tiny-gpt", in);
    }
    var compiled = (ModelProgram.CppLibrary) program.compiled();
    return CpuIsa.choose(compiled.builds(), CpuIsa.cap(), CpuIsa.flags()).library();
  }

  /**
   * Every build of the built-in models' libraries that this processor runs answers each model's
   * sample as torch.compile did (the AVX-512 build was generated apart from the AVX2 one).
   */
  @Test
  void load_eachBuildThisProcessorRuns_answersTheSample() throws IOException {
    assumeTrue(CompiledLoader.missingInstructions() == null, "no AVX2 here");
    String before = System.getProperty(CpuIsa.PROPERTY);
    try {
      for (String isa : java.util.List.of("avx2", "avx512")) {
        if (CpuIsa.missing(isa, CpuIsa.flags()) != null) {
          continue;
        }
        System.setProperty(CpuIsa.PROPERTY, isa);
        for (String model : java.util.List.of("digits-mlp", "digits-cnn", "tiny-gpt")) {
          try (var s = Runtimes.create(new RuntimeSettings("cpu", "offset", java.util.List.of(
              new RuntimeSettings.ModelSpec(model, "1", null, null, ModelLoader.Kernels.INDUCTOR)),
              64, 1, 64, Long.MAX_VALUE, 1_000))) {
            String library = s.find(model, null).nativeKernels().describe();
            assertEquals("kernels-" + isa + ".so", library, model);
            Samples.Sample sample = Samples.of(ModelLoader.builtIn(model));
            for (HostTensor out : s.infer(model, null, sample.inputs()).block()) {
              assertTrue(HostTensor.relativeError(out.floats(),
                  sample.outputs().get(out.name()).floats()) <= 1e-4, model + " on " + isa);
            }
          }
        }
      }
    } finally {
      if (before == null) {
        System.clearProperty(CpuIsa.PROPERTY);
      } else {
        System.setProperty(CpuIsa.PROPERTY, before);
      }
    }
  }

  @Test
  void load_inductorAskedOfAModelWithoutIt_isRefused(@TempDir Path dir) throws IOException {
    Path plain = folderWithoutInductor(dir);
    String msg = assertThrows(ProgramFormatException.class, () -> ModelLoader.load(
        ModelLoader.folder(plain), "m", "1", PlannerRegistry.builtIn().get("offset"),
        PlanOptions.DEFAULT, CPU, ModelLoader.Kernels.INDUCTOR)).getMessage();
    assertTrue(msg.contains("kernels: inductor") && msg.contains("does not have"), msg);
  }

  private static Path folderWithoutInductor(Path dir) throws IOException {
    ModelLoader.Source src = ModelLoader.builtIn("digits-mlp");
    for (String f : new String[] {"program.json", "weights.safetensors", "sample.json"}) {
      try (InputStream in = src.open(f)) {
        Files.copy(in, dir.resolve(f));
      }
    }
    return dir;
  }

  @Test
  void prepare_argumentsThatDoNotFitTheKernel_failNamingIt(@TempDir Path dir) throws IOException {
    assumeTrue(CompiledLoader.missingInstructions() == null, "no AVX2 here");
    NativeKernels k = (NativeKernels) load(folder(dir, p -> { })).nativeKernels();
    var e = assertThrows(io.planline.kernel.KernelArgumentException.class,
        () -> k.prepare("cpp_fused_cat_2", java.util.List.of("buf0"), java.util.List.of()));
    assertTrue(e.getMessage().startsWith("cpp_fused_cat_2: takes 10 arguments"), e.getMessage());
    var f = assertThrows(io.planline.kernel.KernelArgumentException.class,
        () -> k.prepare("cpp_fused_gelu_view_4", java.util.List.of("buf40", "many", "2"),
            java.util.List.of()));
    assertTrue(f.getMessage().contains("('many') is not a valid i64"), f.getMessage());
  }
}
