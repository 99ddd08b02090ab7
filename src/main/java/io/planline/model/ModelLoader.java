package io.planline.model;

import io.planline.backend.Backend;
import io.planline.io.ProgramFormatException;
import io.planline.kernel.CompiledKernels;
import io.planline.kernel.SafetensorsFormatException;
import io.planline.kernel.SafetensorsReader;
import io.planline.kernel.Tensor;
import io.planline.plan.MemoryPlanner;
import io.planline.plan.PlanOptions;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Loads model folders ({@code program.json}, {@code weights.safetensors}, {@code model.json}) from
 * the classpath (the built-in models) or from disk, and checks at load time — not halfway through
 * a request — that the backend has a kernel for every operator and that every weight is present
 * with the declared type and shape.
 */
public final class ModelLoader {

  private static final Logger LOG = LoggerFactory.getLogger(ModelLoader.class);

  /** The models shipped in the jar, under {@code /models/NAME/}. */
  public static final List<String> BUILT_IN = List.of("digits-mlp", "digits-cnn", "tiny-gpt");

  /** Built-in models' files copied out of the jar to be loaded from disk, by resource. */
  private static final Map<String, Path> EXTRACTED = new java.util.concurrent.ConcurrentHashMap<>();

  private ModelLoader() {}

  /** Where a model's files come from. */
  public interface Source {
    /** The file's bytes. */
    InputStream open(String file) throws IOException;

    /** For messages. */
    String describe(String file);

    /** Whether the model has {@code file}. */
    boolean has(String file);

    /**
     * The file as a path on disk, for what must be loaded from a file (a native library): the
     * folder's own file, or a copy of a classpath resource in a temporary file.
     */
    default Path path(String file) throws IOException {
      // a folder of its own keeps the file's name (messages and profiles show it)
      Path dir = Files.createTempDirectory("planline-");
      dir.toFile().deleteOnExit();
      Path tmp = dir.resolve(Path.of(file).getFileName().toString());
      tmp.toFile().deleteOnExit();
      try (InputStream in = open(file)) {
        Files.copy(in, tmp, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      }
      return tmp;
    }
  }

  /** A built-in model's files on the classpath. */
  public static Source builtIn(String name) {
    if (!BUILT_IN.contains(name)) {
      throw new IllegalArgumentException("unknown built-in model '" + name + "'; built-in: "
          + BUILT_IN);
    }
    return new Source() {
      @Override
      public InputStream open(String file) throws IOException {
        InputStream in = ModelLoader.class.getResourceAsStream("/models/" + name + "/" + file);
        if (in == null) {
          throw new IOException("built-in model " + name + " lacks " + file);
        }
        return in;
      }

      @Override
      public String describe(String file) {
        return "classpath:/models/" + name + "/" + file;
      }

      @Override
      public boolean has(String file) {
        return ModelLoader.class.getResource("/models/" + name + "/" + file) != null;
      }

      @Override
      public Path path(String file) throws IOException {
        // one copy per process: every runtime loading the model shares the loaded library
        try {
          return EXTRACTED.computeIfAbsent(name + "/" + file, k -> {
            try {
              return Source.super.path(file);
            } catch (IOException e) {
              throw new java.io.UncheckedIOException(e);
            }
          });
        } catch (java.io.UncheckedIOException e) {
          throw e.getCause();
        }
      }
    };
  }

  /** A model folder on disk. */
  public static Source folder(Path dir) {
    io.planline.io.OnnxAdvice.about(dir).ifPresent(advice -> {
      throw new IllegalArgumentException(dir + ": " + advice);
    });
    if (!Files.isDirectory(dir)) {
      throw new IllegalArgumentException("model folder " + dir + " does not exist");
    }
    return new Source() {
      @Override
      public InputStream open(String file) throws IOException {
        return Files.newInputStream(dir.resolve(file));
      }

      @Override
      public String describe(String file) {
        return dir.resolve(file).toString();
      }

      @Override
      public Path path(String file) {
        return dir.resolve(file);
      }

      @Override
      public boolean has(String file) {
        return Files.isRegularFile(dir.resolve(file));
      }
    };
  }

  /** Which program of a model runs, where a folder holds both kinds. */
  public enum Kernels {
    /** Inductor's compiled kernels where this machine runs them, else the Java kernels. */
    AUTO,
    /** Inductor's compiled kernels; loading fails where they cannot run. */
    INDUCTOR,
    /** The portable program on the Java kernel library. */
    JAVA;

    /** Parses {@code auto}, {@code inductor} or {@code java}. */
    public static Kernels parse(String text) {
      for (Kernels k : values()) {
        if (k.name().equalsIgnoreCase(text)) {
          return k;
        }
      }
      throw new IllegalArgumentException("unknown kernels '" + text
          + "'; valid: auto, inductor, java");
    }
  }

  /** Where a model folder keeps its Inductor-compiled program beside the portable one. */
  public static final String INDUCTOR_PROGRAM = "inductor/program.json";

  private static final String WEIGHTS = "weights.safetensors";

  /** Loads one model, choosing its program as {@link Kernels#AUTO} does. */
  public static Model load(Source source, String name, String version, MemoryPlanner planner,
      PlanOptions options, Backend backend) {
    return load(source, name, version, planner, options, backend, Kernels.AUTO);
  }

  /**
   * Loads one model. A folder may hold, beside its portable {@code program.json}, a program
   * compiled by Inductor ({@value #INDUCTOR_PROGRAM}); {@code kernels} says which runs. A
   * {@code program.json} that is itself compiled has no portable fallback.
   *
   * @param name the name it is served under
   * @param version its version
   * @throws ProgramFormatException for bad files, naming the file and what is wrong
   */
  public static Model load(Source source, String name, String version, MemoryPlanner planner,
      PlanOptions options, Backend backend, Kernels kernels) {
    if (kernels == Kernels.AUTO && backend.device() != io.planline.ir.Device.CPU) {
      // the compiled program holds CPU kernels: on another device the portable one runs
      return load(source, "program.json", name, version, planner, options, backend);
    }
    if (kernels != Kernels.JAVA && source.has(INDUCTOR_PROGRAM)) {
      try {
        return load(source, INDUCTOR_PROGRAM, name, version, planner, options, backend);
      } catch (ProgramFormatException e) {
        if (kernels == Kernels.INDUCTOR) {
          throw e;
        }
        LOG.warn("model {}: Inductor's compiled kernels cannot run here, using the Java kernels"
            + " ({})", name, e.getMessage());
      }
    } else if (kernels == Kernels.INDUCTOR) {
      throw new ProgramFormatException(source.describe(INDUCTOR_PROGRAM), "",
          "kernels: inductor asks for Inductor's compiled program, which model " + name
              + " does not have");
    }
    return load(source, "program.json", name, version, planner, options, backend);
  }

  private static Model load(Source source, String programFile, String name, String version,
      MemoryPlanner planner, PlanOptions options, Backend backend) {
    ModelProgram program;
    try (InputStream in = source.open(programFile)) {
      program = ModelProgramReader.read(source.describe(programFile), in);
    } catch (IOException e) {
      throw new ProgramFormatException(source.describe(programFile), "", "cannot read: "
          + e.getMessage(), e);
    }
    String dir = programFile.contains("/") ? programFile.substring(0,
        programFile.lastIndexOf('/') + 1) : "";
    CompiledKernels natives = program.compiled() == null ? null
        : CompiledLoader.load(source, dir, program.compiled(), backend);
    TreeSet<String> missing = new TreeSet<>();
    for (ModelProgram.Template t : program.lines()) {
      if (t instanceof ModelProgram.Call c && !backend.supports(c.kernel())
          && (natives == null || !natives.has(c.kernel()))) {
        missing.add(c.kernel());
      }
    }
    if (!missing.isEmpty()) {
      throw new ProgramFormatException(source.describe(programFile), "",
          "the " + backend.device() + " backend has no kernel for " + missing);
    }
    Map<String, Tensor> byKey;
    // A program's own weights lie beside it (an Inductor program's frozen constants); one
    // without them reads the folder's.
    String weightsPath = source.has(dir + WEIGHTS) ? dir + WEIGHTS : WEIGHTS;
    String weightsFile = source.describe(weightsPath);
    try (InputStream in = source.open(weightsPath)) {
      // Weights stay off-heap for their whole life, like every other device buffer.
      byKey = SafetensorsReader.read(in, weightsFile).tensors();
    } catch (IOException e) {
      throw new ProgramFormatException(weightsFile, "", "cannot read: " + e.getMessage(), e);
    } catch (SafetensorsFormatException e) {
      throw new ProgramFormatException(weightsFile, "", e.getMessage(), e);
    }
    Map<String, Tensor> weights = new LinkedHashMap<>();
    Set<String> counted = new HashSet<>();
    long bytes = 0;
    long flushed = 0;
    for (ModelProgram.WeightSpec w : program.weights()) {
      Tensor t = byKey.get(w.tensor());
      if (t == null) {
        throw new ProgramFormatException(weightsFile, "tensor " + w.tensor(), "missing (weight "
            + w.name() + " of " + source.describe(programFile) + ")");
      }
      Tensor view = WeightLayouts.view(w, t, weightsFile);
      if (counted.add(w.tensor())) {
        // two weights may view one stored tensor (a tied embedding and its transpose)
        flushed += t.flushSubnormals(); // on the stored, contiguous tensor, before restriding
        bytes += t.numel() * t.dtype().itemSize();
      }
      weights.put(w.name(), view);
    }
    if (flushed > 0) {
      LOG.info("model {}: {} subnormal float32 weights set to zero (each would cost a microcode"
          + " assist per multiply on x86 and is below float32 resolution in any sum)", name,
          flushed);
    }
    return new Model(name, version, program, backend.uploadWeights(weights), bytes, planner,
        options, backend, natives, source);
  }
}
