package io.planline.io;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * What to tell someone who hands planline an ONNX model where it expects one of its own model
 * folders or program files. ONNX is what most tools export, so it is the likeliest wrong input;
 * planline reads no ONNX graph (it runs Inductor's wrapper lines, which only PyTorch can
 * produce), so the message says what it accepts and how to get there from the same model.
 */
public final class OnnxAdvice {

  /** The file a model folder is recognised by. */
  static final String PROGRAM_FILE = "program.json";

  private OnnxAdvice() {}

  /**
   * The message for {@code given} when it is an ONNX file ({@code *.onnx}) or a folder with an
   * ONNX file but no {@code program.json}, to follow {@code given + ": "}; empty for anything
   * else.
   */
  public static Optional<String> about(Path given) {
    if (Files.isDirectory(given)) {
      if (Files.isRegularFile(given.resolve(PROGRAM_FILE))) {
        return Optional.empty(); // a model folder; the exporter's model.onnx beside it is fine
      }
      Optional<Path> onnx = firstOnnx(given);
      return onnx.map(f -> "holds an ONNX model (" + f.getFileName() + ") but no "
          + PROGRAM_FILE + "; " + accepts());
    }
    if (!isOnnx(given)) {
      return Optional.empty();
    }
    Path parent = given.toAbsolutePath().getParent();
    if (parent != null && Files.isRegularFile(parent.resolve(PROGRAM_FILE))) {
      // planline's exporter writes model.onnx into the folders it makes
      return Optional.of("an ONNX file inside a planline model folder: give the folder, "
          + parent + ", instead");
    }
    return Optional.of("an ONNX model; " + accepts());
  }

  private static boolean isOnnx(Path p) {
    Path name = p.getFileName();
    return name != null && name.toString().toLowerCase(Locale.ROOT).endsWith(".onnx");
  }

  private static Optional<Path> firstOnnx(Path dir) {
    try (Stream<Path> files = Files.list(dir)) {
      return files.filter(OnnxAdvice::isOnnx).sorted().findFirst();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list " + dir, e);
    }
  }

  /** What planline reads instead, and the command that converts the model. */
  static String accepts() {
    return "planline does not read ONNX graphs. It runs its own model folders (" + PROGRAM_FILE
        + ", weights.safetensors, model.json; docs/model-format.md), exported from the PyTorch"
        + " nn.Module the ONNX file came from with"
        + " 'python3 tools/planline_export.py MODULE:FACTORY OUT_DIR' (FACTORY returns"
        + " export_model's arguments: the module, example inputs, dynamic dimensions; add"
        + " '--compile inductor' for Inductor's compiled kernels). Program files for 'plan'"
        + " are .json line dumps, .py Inductor output code or .csv buffer lists.";
  }
}
