package io.planline.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.planline.backend.HostTensor;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

/** JSON data to tensor bytes and back, for every datatype planline holds, and bad elements. */
final class TensorCodecTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  private static JsonNode json(String text) throws Exception {
    return JSON.readTree(text);
  }

  /** Values every datatype can hold exactly, as JSON. */
  private static String sample(Datatype t) {
    return switch (t) {
      case BOOL -> "[true,false,true]";
      case UINT8 -> "[0,17,255]";
      case INT8 -> "[-128,0,127]";
      case INT16 -> "[-32768,5,32767]";
      case INT32 -> "[-2147483648,0,2147483647]";
      case INT64 -> "[-9223372036854775808,42,9223372036854775807]";
      case FP16, BF16 -> "[-2.0,0.5,1024.0]";
      case FP32 -> "[-1.5,0.1,3.4028235E38]";
      case FP64 -> "[-1.5,0.1,1.7976931348623157E308]";
      case UINT16, UINT32, UINT64, BYTES -> throw new IllegalArgumentException(t.name());
    };
  }

  @ParameterizedTest
  @EnumSource(value = Datatype.class, names = {"UINT16", "UINT32", "UINT64", "BYTES"},
      mode = EnumSource.Mode.EXCLUDE)
  void fromJsonToJson_eachPlanlineType_roundTrips(Datatype t) throws Exception {
    JsonNode data = json(sample(t));
    ByteBuffer bytes = TensorCodec.fromJson("x", t, data, 3);
    assertEquals(3 * t.itemSize(), bytes.remaining());
    java.io.StringWriter text = new java.io.StringWriter();
    try (var g = JSON.getFactory().createGenerator(text)) {
      g.writeStartArray();
      TensorCodec.writeJson(new HostTensor("x", t.dtype(), new long[] {3}, bytes), 0, 3, g);
      g.writeEndArray();
    }
    JsonNode back = JSON.readTree(text.toString());
    for (int i = 0; i < 3; i++) {
      if (t == Datatype.BOOL) {
        assertEquals(data.get(i).booleanValue(), back.get(i).booleanValue());
      } else if (t == Datatype.FP32) {
        assertEquals((float) data.get(i).doubleValue(), back.get(i).floatValue());
      } else {
        assertEquals(data.get(i).decimalValue().doubleValue(), back.get(i).doubleValue(), 0.0,
            t + " element " + i);
      }
    }
  }

  /**
   * float32 responses are written in chunks of raw number text (FloatText); the text must be
   * what Jackson writes value by value, across chunk and slice boundaries, with NaN and the
   * infinities in between and values FloatText leaves to Jackson's formatter.
   */
  @Test
  void writeJson_float32_sameTextAsJacksonValueByValue() throws Exception {
    int n = 3000; // about 33,000 characters: several chunks
    java.util.SplittableRandom r = new java.util.SplittableRandom(11);
    ByteBuffer bytes = ByteBuffer.allocate(4 * n).order(java.nio.ByteOrder.LITTLE_ENDIAN);
    float[] special = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, -0f, 0f,
        Float.MIN_VALUE, Float.MAX_VALUE, 1e-20f, 3e30f};
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = i % 97 < special.length ? special[i % 97] : (float) (r.nextDouble() * 20 - 10);
      bytes.putFloat(4 * i, v[i]);
    }
    HostTensor t = new HostTensor("x", io.planline.ir.DType.FLOAT32, new long[] {n}, bytes);
    var factory = JsonCodecs.WRITER;
    java.io.StringWriter ours = new java.io.StringWriter();
    try (var g = factory.createGenerator(ours)) {
      g.writeStartArray();
      TensorCodec.writeJson(t, 0, 1234, g); // two slices, as the response writer streams them
      TensorCodec.writeJson(t, 1234, n, g);
      g.writeEndArray();
    }
    java.io.StringWriter jackson = new java.io.StringWriter();
    try (var g = factory.createGenerator(jackson)) {
      g.writeStartArray();
      for (float x : v) {
        g.writeNumber(x);
      }
      g.writeEndArray();
    }
    assertEquals(jackson.toString(), ours.toString());
  }

  @Test
  void fromJson_nestedLists_flattenRowMajor() throws Exception {
    ByteBuffer b = TensorCodec.fromJson("x", Datatype.INT32, json("[[1,2],[3,4]]"), 4);
    assertEquals(3, b.getInt(8));
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "[[1,2],[3,4]]      | 2,2",
      "[1,2,3,4]          | 2,2",
      "7                  | 1,1",
      "[]                 | 0,3",
      "[[[1]],[[2]]]      | 2,1,1"})
  void checkLayout_flatOrExactlyNested_accepted(String data, String shape) throws Exception {
    TensorCodec.checkLayout("x", json(data), dims(shape));
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "[[1,2,3],[4]]      | 2,2   | data[0] has 3 elements, but dimension 1",
      "[[1,2],[3,[4]]]    | 2,2   | data[1][1] is a list, but shape [2, 2] has only 2",
      "[[1,2],3]          | 2,2   | data[1] has a single value, but dimension 1",
      "[[[1,2]],[[3,4]]]  | 2,2   | data[0] has 1 elements, but dimension 1",
      "[1,2,3]            | 2,2   | shape [2, 2] holds 4 elements, 'data' has 3",
      "5                  | 2,2   | 'data' is a single value"})
  void checkLayout_raggedOrOverNested_400NamingWhere(String data, String shape, String expected)
      throws Exception {
    ApiException e = assertThrows(ApiException.class,
        () -> TensorCodec.checkLayout("x", json(data), dims(shape)));
    assertEquals(400, e.status().getCode());
    assertTrue(e.getMessage().startsWith("input 'x': "), e.getMessage());
    assertTrue(e.getMessage().contains(expected), e.getMessage());
  }

  @Test
  void checkLayout_oneValueNestedDeep_refused() throws Exception {
    String deep = "[".repeat(900) + "1" + "]".repeat(900);
    ApiException e = assertThrows(ApiException.class,
        () -> TensorCodec.checkLayout("x", json(deep), new long[] {1, 64}));
    assertTrue(e.getMessage().contains("data[0] has 1 elements, but dimension 1"), e.getMessage());
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "FP32 | [0, 1e39]    | element 1 is 1.0E39, outside the FP32 range",
      "FP32 | [0, -1e400]  | element 1 is a number beyond even the FP64 range, outside the FP32",
      "FP64 | [0, 1e400]   | element 1 is a number beyond even the FP64 range, outside the FP64",
      "BF16 | [0, 1e39]    | element 1 is 1.0E39, outside the BF16 range",
      "FP16 | [0, 70000]   | element 1 is 70000.0, outside the FP16 range"})
  void fromJson_floatLiteralBeyondRange_400NamingPosition(Datatype t, String data,
      String expected) throws Exception {
    ApiException e = assertThrows(ApiException.class,
        () -> TensorCodec.fromJson("x", t, json(data), 2));
    assertEquals(400, e.status().getCode());
    assertTrue(e.getMessage().contains("input 'x': " + expected), e.getMessage());
  }

  private static long[] dims(String csv) {
    return java.util.Arrays.stream(csv.split(",")).mapToLong(Long::parseLong).toArray();
  }

  @Test
  void fromJson_specialFloatNames_accepted() throws Exception {
    ByteBuffer b = TensorCodec.fromJson("x", Datatype.FP32,
        json("[\"NaN\",\"Infinity\",\"-Infinity\"]"), 3);
    assertTrue(Float.isNaN(b.getFloat(0)));
    assertEquals(Float.NEGATIVE_INFINITY, b.getFloat(8));
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "UINT8 | [256]        | in the UINT8 range 0..255",
      "INT8  | [-129]       | in the INT8 range",
      "INT64 | [1.5]        | an integer (INT64)",
      "INT32 | [\"7\"]      | an integer (INT32)",
      "BOOL  | [1]          | a BOOL (true or false)",
      "FP32  | [\"one\"]    | a number (FP32)",
      "FP16  | [null]       | a number (FP16)"})
  void fromJson_badElement_400NamingInputElementAndExpectation(Datatype t, String data,
      String expected) throws Exception {
    ApiException e = assertThrows(ApiException.class,
        () -> TensorCodec.fromJson("pixels", t, json(data), 1));
    assertEquals(400, e.status().getCode());
    assertTrue(e.getMessage().startsWith("input 'pixels': element 0 is "), e.getMessage());
    assertTrue(e.getMessage().contains(expected), e.getMessage());
  }

  @Test
  void fromJson_integralFloatForInteger_accepted() throws Exception {
    assertEquals(3L, TensorCodec.fromJson("x", Datatype.INT64, json("[3.0]"), 1).getLong(0));
  }
}
