package io.planline.io;

import io.planline.ir.Program;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Reads any supported program file, choosing the reader by the file's extension: {@code .json}
 * (Inductor line dumps), {@code .py} (Inductor output code), {@code .csv} (MiniMalloc buffer
 * lists).
 */
public final class ProgramFiles {

  private ProgramFiles() {}

  /** The formats planline reads. */
  public enum Format {
    LINE_DUMP, OUTPUT_CODE, CSV
  }

  /**
   * Detects the format of {@code path} from its extension.
   *
   * @throws ProgramFormatException for an extension planline does not read
   */
  public static Format formatOf(Path path) {
    String name = path.getFileName().toString().toLowerCase(Locale.ROOT);
    if (name.endsWith(".json")) {
      return Format.LINE_DUMP;
    }
    if (name.endsWith(".py")) {
      return Format.OUTPUT_CODE;
    }
    if (name.endsWith(".csv")) {
      return Format.CSV;
    }
    java.util.Optional<String> onnx = OnnxAdvice.about(path);
    if (onnx.isPresent()) {
      throw new ProgramFormatException(path.toString(), "", onnx.get());
    }
    throw new ProgramFormatException(path.toString(), "",
        "unknown file type: expected .json (Inductor line dump), .py (Inductor output code) or "
            + ".csv (buffer list id,lower,upper,size)");
  }

  /** Reads {@code path} with the reader its extension selects. */
  public static Program read(Path path) {
    if (!Files.isRegularFile(path)) {
      throw new ProgramFormatException(path.toString(), "",
          OnnxAdvice.about(path).orElse("no such file"));
    }
    return switch (formatOf(path)) {
      case LINE_DUMP -> LineDumpReader.read(path);
      case OUTPUT_CODE -> OutputCodeReader.read(path);
      case CSV -> CsvBufferReader.read(path);
    };
  }

  /** The alignment plans of this file's graphs use: bytes for programs, none for CSV units. */
  public static int alignmentOf(Path path, int requested) {
    return formatOf(path) == Format.CSV ? CsvBufferReader.ALIGNMENT : requested;
  }
}
