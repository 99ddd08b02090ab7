package io.planline.kernel;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.planline.ir.DType;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reads the Hugging Face safetensors format into named tensors over one direct buffer:
 *
 * <pre>
 *   [8 bytes: header length N, little-endian u64][N bytes: JSON header][raw little-endian data]
 *   header = {"name": {"dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end]}, ...,
 *             "__metadata__": {"key": "value"}}      (offsets relative to the data section)
 * </pre>
 *
 * Every entry is checked against the data section (offsets in range, size equal to shape times
 * item size) before any tensor is made, so a bad file fails here and never inside a kernel.
 */
public final class SafetensorsReader {

  /**
   * A file's tensors (in header order) and its free-form metadata.
   *
   * @param tensors read-only-by-convention views into one direct buffer
   * @param metadata the {@code __metadata__} strings, empty when absent
   */
  public record Contents(Map<String, Tensor> tensors, Map<String, String> metadata) {
    /** Copies the maps into unmodifiable ones, keeping order. */
    public Contents {
      tensors = Collections.unmodifiableMap(new LinkedHashMap<>(tensors));
      metadata = Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
    }
  }

  private static final ObjectMapper JSON = new ObjectMapper();

  private SafetensorsReader() {}

  /**
   * Reads {@code file} into a direct buffer and returns its tensors.
   *
   * @throws SafetensorsFormatException if the file is truncated or its header is malformed
   * @throws IOException if the file cannot be read
   */
  public static Contents read(Path file) throws IOException {
    requireNonNull(file, "file");
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      long size = ch.size();
      if (size > Integer.MAX_VALUE) {
        throw new SafetensorsFormatException(file.toString(), "file of " + size
            + " bytes exceeds the 2 GiB a buffer can hold", null);
      }
      ByteBuffer buf = ByteBuffer.allocateDirect((int) size);
      while (buf.hasRemaining() && ch.read(buf) >= 0) {
        // FileChannel.read may return fewer bytes than asked; keep reading to the end
      }
      buf.flip();
      return parse(buf, file.toString());
    }
  }

  /**
   * Parses safetensors bytes (the whole buffer from index 0 to its limit).
   *
   * @throws SafetensorsFormatException naming {@code source} when the bytes are malformed
   */
  public static Contents parse(ByteBuffer bytes, String source) {
    requireNonNull(bytes, "bytes");
    requireNonNull(source, "source");
    ByteBuffer buf = bytes.duplicate().order(ByteOrder.LITTLE_ENDIAN);
    int total = buf.limit();
    if (total < 8) {
      throw new SafetensorsFormatException(source, "truncated: " + total
          + " bytes, fewer than the 8-byte header length", null);
    }
    long headerLen = buf.getLong(0);
    if (headerLen < 0 || headerLen > total - 8L) {
      throw new SafetensorsFormatException(source, "truncated: header length "
          + Long.toUnsignedString(headerLen) + " exceeds the " + (total - 8) + " bytes after it",
          null);
    }
    byte[] header = new byte[(int) headerLen];
    buf.get(8, header);
    JsonNode root;
    try {
      root = JSON.readTree(new String(header, StandardCharsets.UTF_8));
    } catch (JsonProcessingException e) {
      throw new SafetensorsFormatException(source, "bad header JSON: "
          + e.getOriginalMessage(), e);
    }
    if (root == null || !root.isObject()) {
      throw new SafetensorsFormatException(source, "bad header JSON: not an object", null);
    }
    int dataStart = 8 + (int) headerLen;
    long dataSize = total - dataStart;
    Map<String, Tensor> tensors = new LinkedHashMap<>();
    Map<String, String> metadata = new LinkedHashMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      if (e.getKey().equals("__metadata__")) {
        readMetadata(e.getValue(), metadata, source);
        continue;
      }
      Entry entry = Entry.of(e.getKey(), e.getValue(), dataSize, source);
      ByteBuffer data = buf.duplicate().clear();
      tensors.put(e.getKey(), Tensor.of(data, dataStart + entry.begin, entry.dtype, entry.shape,
          Tensor.contiguousStrides(entry.shape)));
    }
    return new Contents(tensors, metadata);
  }

  private static void readMetadata(JsonNode node, Map<String, String> out, String source) {
    if (!node.isObject()) {
      throw new SafetensorsFormatException(source, "__metadata__ must be an object", null);
    }
    node.fields().forEachRemaining(m -> {
      if (!m.getValue().isTextual()) {
        throw new SafetensorsFormatException(source, "__metadata__." + m.getKey()
            + " must be a string", null);
      }
      out.put(m.getKey(), m.getValue().asText());
    });
  }

  /** One header entry after validation. */
  private record Entry(DType dtype, long[] shape, long begin) {

    static Entry of(String name, JsonNode node, long dataSize, String source) {
      String where = "tensor '" + name + "': ";
      if (!node.isObject()) {
        throw new SafetensorsFormatException(source, where + "entry must be an object", null);
      }
      JsonNode dt = node.get("dtype");
      JsonNode sh = node.get("shape");
      JsonNode off = node.get("data_offsets");
      if (dt == null || !dt.isTextual() || sh == null || !sh.isArray() || off == null
          || !off.isArray() || off.size() != 2) {
        throw new SafetensorsFormatException(source, where
            + "needs dtype (string), shape (array) and data_offsets ([begin, end])", null);
      }
      DType dtype = dtype(dt.asText(), where, source);
      long[] shape = new long[sh.size()];
      long numel = 1;
      for (int i = 0; i < shape.length; i++) {
        JsonNode d = sh.get(i);
        if (!d.canConvertToLong() || !d.isIntegralNumber() || d.asLong() < 0) {
          throw new SafetensorsFormatException(source, where + "bad shape " + sh, null);
        }
        shape[i] = d.asLong();
        numel = Math.multiplyExact(numel, shape[i]);
      }
      JsonNode b = off.get(0);
      JsonNode e = off.get(1);
      if (!b.isIntegralNumber() || !e.isIntegralNumber()) {
        throw new SafetensorsFormatException(source, where + "bad data_offsets " + off, null);
      }
      long begin = b.asLong();
      long end = e.asLong();
      if (begin < 0 || end < begin || end > dataSize) {
        throw new SafetensorsFormatException(source, where + "data_offsets " + off
            + " out of range of the " + dataSize + "-byte data section", null);
      }
      long bytes = Math.multiplyExact(numel, (long) dtype.itemSize());
      if (end - begin != bytes) {
        throw new SafetensorsFormatException(source, where + "data_offsets " + off + " span "
            + (end - begin) + " bytes, but " + dtype + " " + sh + " needs " + bytes, null);
      }
      return new Entry(dtype, shape, begin);
    }

    private static DType dtype(String code, String where, String source) {
      return switch (code) {
        case "F64" -> DType.FLOAT64;
        case "F32" -> DType.FLOAT32;
        case "F16" -> DType.FLOAT16;
        case "BF16" -> DType.BFLOAT16;
        case "F8_E4M3" -> DType.FLOAT8_E4M3FN;
        case "F8_E5M2" -> DType.FLOAT8_E5M2;
        case "I64" -> DType.INT64;
        case "I32" -> DType.INT32;
        case "I16" -> DType.INT16;
        case "I8" -> DType.INT8;
        case "U8" -> DType.UINT8;
        case "BOOL" -> DType.BOOL;
        default -> throw new SafetensorsFormatException(source, where + "unknown dtype '" + code
            + "' (known: F64, F32, F16, BF16, F8_E4M3, F8_E5M2, I64, I32, I16, I8, U8, BOOL)",
            null);
      };
    }
  }
}
