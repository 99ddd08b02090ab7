package io.planline.kernel;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.planline.ir.DType;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.Channels;
import java.nio.channels.ReadableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads the Hugging Face safetensors format into named tensors, over one direct buffer
 * ({@link #parse}) or one per tensor ({@link #read(InputStream, String)}):
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
   * @param tensors read-only-by-convention views of direct memory
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
   * Reads {@code file}'s tensors ({@link #read(InputStream, String)}).
   *
   * @throws SafetensorsFormatException if the file is truncated or its header is malformed
   * @throws IOException if the file cannot be read
   */
  public static Contents read(Path file) throws IOException {
    requireNonNull(file, "file");
    try (InputStream in = Files.newInputStream(file)) {
      return read(in, file.toString());
    }
  }

  /**
   * Reads safetensors from {@code in} into direct memory, each tensor starting on a cache line
   * (slices of one block where they fit 2 GiB together, else a buffer each), reading the
   * stream once from start to end. A model's weights go through here:
   * a file of more than 2 GiB fits no single buffer (the frozen ALBERT-xxlarge export is 3 GB),
   * and reading the whole file onto the heap first held every weight twice while it loaded.
   *
   * @throws SafetensorsFormatException naming {@code source} when the header is malformed, two
   *     tensors overlap, or the stream ends before a tensor's last byte
   * @throws IOException if the stream cannot be read
   */
  public static Contents read(InputStream in, String source) throws IOException {
    requireNonNull(in, "in");
    requireNonNull(source, "source");
    byte[] length = in.readNBytes(8);
    if (length.length < 8) {
      throw new SafetensorsFormatException(source, "truncated: " + length.length
          + " bytes, fewer than the 8-byte header length", null);
    }
    long headerLen = ByteBuffer.wrap(length).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
    if (headerLen < 0 || headerLen > MAX_HEADER_BYTES) {
      throw new SafetensorsFormatException(source, "header length "
          + Long.toUnsignedString(headerLen) + " is not between 0 and " + MAX_HEADER_BYTES
          + " bytes", null);
    }
    byte[] header = in.readNBytes((int) headerLen);
    if (header.length < headerLen) {
      throw new SafetensorsFormatException(source, "truncated: the header needs " + headerLen
          + " bytes, the file has " + header.length + " after its length", null);
    }
    Map<String, String> metadata = new LinkedHashMap<>();
    // a stream's data section has no size known ahead: the reads below find where it ends
    Map<String, Entry> entries = entries(header, Long.MAX_VALUE, metadata, source);
    List<Map.Entry<String, Entry>> byOffset = new ArrayList<>(entries.entrySet());
    byOffset.sort(Comparator.comparingLong(e -> e.getValue().begin()));
    Map<String, Tensor> read = new LinkedHashMap<>();
    ReadableByteChannel channel = Channels.newChannel(in);
    // one block sliced on 64-byte lines where every tensor fits it, so that a model's weights
    // lie together as they did in the file; a buffer each past 2 GiB
    long total = 0;
    for (Entry entry : entries.values()) {
      total += onLines(entry.bytes());
    }
    ByteBuffer block = total <= MAX_TENSOR_BYTES ? Tensor.allocateDirect((int) total) : null;
    long slot = 0; // the next free byte of the block
    long at = 0; // bytes of the data section read or skipped so far
    for (Map.Entry<String, Entry> e : byOffset) {
      Entry entry = e.getValue();
      if (entry.begin() < at) {
        throw new SafetensorsFormatException(source, "tensor '" + e.getKey() + "': data_offsets"
            + " begin at " + entry.begin() + ", inside the tensor before it (which ends at " + at
            + ")", null);
      }
      try {
        in.skipNBytes(entry.begin() - at);
      } catch (EOFException end) {
        throw truncated(source, e.getKey(), entry);
      }
      if (entry.bytes() > MAX_TENSOR_BYTES) {
        throw new SafetensorsFormatException(source, "tensor '" + e.getKey() + "': "
            + entry.bytes() + " bytes, more than the " + MAX_TENSOR_BYTES + " one buffer holds",
            null);
      }
      ByteBuffer data;
      if (block == null) {
        data = Tensor.allocateDirect((int) entry.bytes());
      } else {
        data = block.slice((int) slot, (int) entry.bytes());
        slot += onLines(entry.bytes());
      }
      while (data.hasRemaining()) {
        if (channel.read(data) < 0) {
          throw truncated(source, e.getKey(), entry);
        }
      }
      at = entry.begin() + entry.bytes();
      read.put(e.getKey(), Tensor.of(data.clear(), 0, entry.dtype(), entry.shape(),
          Tensor.contiguousStrides(entry.shape())));
    }
    Map<String, Tensor> tensors = new LinkedHashMap<>();
    entries.keySet().forEach(name -> tensors.put(name, read.get(name))); // header order
    return new Contents(tensors, metadata);
  }

  /** The largest tensor one buffer holds, a line short of 2 GiB for the alignment. */
  static final long MAX_TENSOR_BYTES = Integer.MAX_VALUE - 128;

  /** A header longer than this is not a weights file's (GPT-2's is 15 KB). */
  static final long MAX_HEADER_BYTES = 100L << 20;

  private static SafetensorsFormatException truncated(String source, String name, Entry entry) {
    return new SafetensorsFormatException(source, "truncated: tensor '" + name + "' needs the"
        + " data section's bytes " + entry.begin() + " to " + (entry.begin() + entry.bytes())
        + ", the file ends before them", null);
  }

  /** {@code bytes} rounded up to whole cache lines, where the next tensor of a block starts. */
  private static long onLines(long bytes) {
    return Tensor.CACHE_LINE * ((bytes + Tensor.CACHE_LINE - 1) / Tensor.CACHE_LINE);
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
    int dataStart = 8 + (int) headerLen;
    Map<String, String> metadata = new LinkedHashMap<>();
    Map<String, Tensor> tensors = new LinkedHashMap<>();
    entries(header, total - dataStart, metadata, source).forEach((name, entry) ->
        tensors.put(name, Tensor.of(buf.duplicate().clear(), dataStart + entry.begin,
            entry.dtype, entry.shape, Tensor.contiguousStrides(entry.shape))));
    return new Contents(tensors, metadata);
  }

  /**
   * The header's tensor entries, checked against a data section of {@code dataSize} bytes, in
   * header order; its {@code __metadata__} goes into {@code metadata}.
   */
  private static Map<String, Entry> entries(byte[] header, long dataSize,
      Map<String, String> metadata, String source) {
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
    Map<String, Entry> entries = new LinkedHashMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      if (e.getKey().equals("__metadata__")) {
        readMetadata(e.getValue(), metadata, source);
      } else {
        entries.put(e.getKey(), Entry.of(e.getKey(), e.getValue(), dataSize, source));
      }
    }
    return entries;
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
  private record Entry(DType dtype, long[] shape, long begin, long bytes) {

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
      return new Entry(dtype, shape, begin, bytes);
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
