package io.planline.kernel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.planline.ir.DType;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The safetensors reader on files written here byte by byte. */
final class SafetensorsReaderTest {

  /** 8-byte little-endian header length, the header text, then the data bytes. */
  static byte[] file(String header, byte[] data) {
    byte[] h = header.getBytes(StandardCharsets.UTF_8);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    long n = h.length;
    for (int i = 0; i < 8; i++) {
      out.write((int) (n >>> (8 * i)) & 0xff);
    }
    out.writeBytes(h);
    out.writeBytes(data);
    return out.toByteArray();
  }

  /** Data section: two float32 rows, two int64 values, three bools. */
  static byte[] data() {
    ByteBuffer b = ByteBuffer.allocate(24 + 16 + 3).order(ByteOrder.LITTLE_ENDIAN);
    for (float f : new float[] {1.5f, -2f, 0f, 3.25f, 1e-7f, -0f}) {
      b.putFloat(f);
    }
    b.putLong(-5L).putLong(1L << 40);
    b.put((byte) 1).put((byte) 0).put((byte) 1);
    return b.array();
  }

  static final String HEADER = "{\"__metadata__\": {\"format\": \"pt\"},"
      + " \"fc.weight\": {\"dtype\": \"F32\", \"shape\": [2, 3], \"data_offsets\": [0, 24]},"
      + " \"ids\": {\"dtype\": \"I64\", \"shape\": [2], \"data_offsets\": [24, 40]},"
      + " \"mask\": {\"dtype\": \"BOOL\", \"shape\": [3], \"data_offsets\": [40, 43]},"
      + " \"empty\": {\"dtype\": \"F32\", \"shape\": [0, 4], \"data_offsets\": [43, 43]}}";

  @Test
  void read_fileWrittenByteByByte_givesNamedTensorsOverDirectBuffer(@TempDir Path dir)
      throws IOException {
    Path f = dir.resolve("weights.safetensors");
    Files.write(f, file(HEADER, data()));
    SafetensorsReader.Contents c = SafetensorsReader.read(f);
    assertEquals(List.of("fc.weight", "ids", "mask", "empty"), List.copyOf(c.tensors().keySet()));
    assertEquals(Map.of("format", "pt"), c.metadata());
    Tensor w = c.tensors().get("fc.weight");
    assertEquals(DType.FLOAT32, w.dtype());
    assertArrayEquals(new long[] {2, 3}, w.shape());
    assertArrayEquals(new float[] {1.5f, -2f, 0f, 3.25f, 1e-7f, -0f}, w.toFloatArray());
    assertArrayEquals(new long[] {-5, 1L << 40}, c.tensors().get("ids").toLongArray());
    assertArrayEquals(new double[] {1, 0, 1}, c.tensors().get("mask").toDoubleArray());
    assertEquals(0, c.tensors().get("empty").numel());
  }

  @Test
  void parse_tensorsFeedKernels() {
    SafetensorsReader.Contents c = SafetensorsReader.parse(ByteBuffer.wrap(file(HEADER, data())),
        "mem");
    Tensor out = Tensor.allocate(DType.FLOAT32, 3, 2);
    Tensors.run("aten.clone.default", List.of("w", "None"), List.of("o"),
        Tensors.named("w", c.tensors().get("fc.weight").transpose(0, 1), "o", out));
    assertArrayEquals(new double[] {1.5, 3.25, -2, 1e-7f, 0, -0.0}, out.toDoubleArray());
  }

  @Test
  void parse_truncatedBeforeHeaderLength_saysSo() {
    SafetensorsFormatException e = assertThrows(SafetensorsFormatException.class,
        () -> SafetensorsReader.parse(ByteBuffer.wrap(new byte[] {1, 0, 0}), "tiny"));
    assertTrue(e.getMessage().startsWith("tiny: truncated: 3 bytes"), e.getMessage());
    assertEquals("tiny", e.file());
  }

  @Test
  void parse_headerLongerThanFile_isTruncated() {
    byte[] bytes = file(HEADER, data());
    byte[] cut = java.util.Arrays.copyOf(bytes, 40);
    SafetensorsFormatException e = assertThrows(SafetensorsFormatException.class,
        () -> SafetensorsReader.parse(ByteBuffer.wrap(cut), "cut"));
    assertTrue(e.getMessage().contains("truncated: header length"), e.getMessage());
  }

  @Test
  void parse_dataCutShort_isOffsetsOutOfRange() {
    byte[] bytes = file(HEADER, data());
    byte[] cut = java.util.Arrays.copyOf(bytes, bytes.length - 2);
    SafetensorsFormatException e = assertThrows(SafetensorsFormatException.class,
        () -> SafetensorsReader.parse(ByteBuffer.wrap(cut), "cut"));
    assertTrue(e.getMessage().contains("tensor 'mask': data_offsets [40,43] out of range"),
        e.getMessage());
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "{\"a\": {\"dtype\": \"F32\", \"shape\": [2], |bad header JSON",
      "[1, 2]|bad header JSON: not an object",
      "{\"a\": {\"dtype\": \"Q4\", \"shape\": [2], \"data_offsets\": [0, 8]}}|unknown dtype 'Q4'",
      "{\"a\": {\"dtype\": \"F32\", \"shape\": [3], \"data_offsets\": [0, 8]}}|needs 12",
      "{\"a\": {\"dtype\": \"F32\", \"shape\": [-2], \"data_offsets\": [0, 8]}}|bad shape",
      "{\"a\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [8, 0]}}|out of range",
      "{\"a\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0, 16]}}|out of range",
      "{\"a\": {\"dtype\": \"F32\", \"shape\": [2]}}|needs dtype (string), shape (array)",
      "{\"a\": 7}|entry must be an object",
      "{\"__metadata__\": {\"k\": 1}}|__metadata__.k must be a string",
  })
  void parse_malformedHeader_namesTheProblem(String header, String message) {
    byte[] bytes = file(header, new byte[8]);
    SafetensorsFormatException e = assertThrows(SafetensorsFormatException.class,
        () -> SafetensorsReader.parse(ByteBuffer.wrap(bytes), "bad.safetensors"));
    assertTrue(e.getMessage().startsWith("bad.safetensors: "), e.getMessage());
    assertTrue(e.getMessage().contains(message), e.getMessage());
  }

  @Test
  void readStream_eachTensorInItsOwnLineAlignedBuffer_keepsHeaderOrder() throws IOException {
    // the header lists the tensors out of their data order
    String header = "{\"mask\": {\"dtype\": \"BOOL\", \"shape\": [3], \"data_offsets\": [40, 43]},"
        + " \"fc.weight\": {\"dtype\": \"F32\", \"shape\": [2, 3], \"data_offsets\": [0, 24]},"
        + " \"ids\": {\"dtype\": \"I64\", \"shape\": [2], \"data_offsets\": [24, 40]}}";
    SafetensorsReader.Contents c = SafetensorsReader.read(
        new java.io.ByteArrayInputStream(file(header, data())), "stream");
    assertEquals(List.of("mask", "fc.weight", "ids"), List.copyOf(c.tensors().keySet()));
    assertArrayEquals(new float[] {1.5f, -2f, 0f, 3.25f, 1e-7f, -0f},
        c.tensors().get("fc.weight").toFloatArray());
    assertArrayEquals(new long[] {-5, 1L << 40}, c.tensors().get("ids").toLongArray());
    assertArrayEquals(new double[] {1, 0, 1}, c.tensors().get("mask").toDoubleArray());
    for (Tensor t : c.tensors().values()) {
      assertTrue(t.data().isDirect());
      assertEquals(0, Tensor.addressOf(t.data()) % 64, "aligned to a cache line");
    }
  }

  @Test
  void readStream_gapsBetweenTensors_areSkipped() throws IOException {
    String header = "{\"ids\": {\"dtype\": \"I64\", \"shape\": [2], \"data_offsets\": [24, 40]}}";
    SafetensorsReader.Contents c = SafetensorsReader.read(
        new java.io.ByteArrayInputStream(file(header, data())), "stream");
    assertArrayEquals(new long[] {-5, 1L << 40}, c.tensors().get("ids").toLongArray());
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "2|truncated: tensor 'mask' needs the data section's bytes 40 to 43",
      "30|truncated: tensor 'fc.weight' needs the data section's bytes 0 to 24",
      "100|truncated: the header needs",
      "10000|truncated: 3 bytes, fewer than the 8-byte header length",
  })
  void readStream_cutShort_namesWhatIsMissing(int cutBytes, String message) {
    byte[] bytes = file(HEADER, data());
    byte[] cut = java.util.Arrays.copyOf(bytes, Math.max(3, bytes.length - cutBytes));
    SafetensorsFormatException e = assertThrows(SafetensorsFormatException.class,
        () -> SafetensorsReader.read(new java.io.ByteArrayInputStream(cut), "cut"));
    assertTrue(e.getMessage().startsWith("cut: " + message), e.getMessage());
  }

  @Test
  void readStream_overlappingTensors_areRefused() {
    String header = "{\"a\": {\"dtype\": \"F32\", \"shape\": [4], \"data_offsets\": [0, 16]},"
        + " \"b\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [8, 16]}}";
    SafetensorsFormatException e = assertThrows(SafetensorsFormatException.class,
        () -> SafetensorsReader.read(new java.io.ByteArrayInputStream(file(header,
            new byte[16])), "overlap"));
    assertTrue(e.getMessage().contains("tensor 'b': data_offsets begin at 8, inside the tensor"
        + " before it (which ends at 16)"), e.getMessage());
  }

  @Test
  void readStream_tensorOverTwoGib_isRefusedNamingIt() {
    long big = 1L << 31; // float32 [2^29]: 2 GiB, read no further than its header
    String header = "{\"emb\": {\"dtype\": \"F32\", \"shape\": [" + (big / 4)
        + "], \"data_offsets\": [0, " + big + "]}}";
    SafetensorsFormatException e = assertThrows(SafetensorsFormatException.class,
        () -> SafetensorsReader.read(new java.io.ByteArrayInputStream(file(header,
            new byte[8])), "big"));
    assertTrue(e.getMessage().contains("tensor 'emb': 2147483648 bytes, more than the"),
        e.getMessage());
  }

  @Test
  void readStream_absurdHeaderLength_isRefusedBeforeReadingIt() {
    byte[] bytes = new byte[16];
    ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putLong(0, 1L << 40);
    SafetensorsFormatException e = assertThrows(SafetensorsFormatException.class,
        () -> SafetensorsReader.read(new java.io.ByteArrayInputStream(bytes), "huge"));
    assertTrue(e.getMessage().contains("header length 1099511627776 is not between 0 and"),
        e.getMessage());
  }

  @Test
  void read_missingFile_isIoException(@TempDir Path dir) {
    assertThrows(IOException.class, () -> SafetensorsReader.read(dir.resolve("none")));
  }
}
