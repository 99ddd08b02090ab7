package io.planline.server;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.planline.backend.HostTensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The streaming request reader (issue 17): inputs' data decoded straight into bytes with the
 * values the tree reader gave, the rare key order and forms it leaves to the tree, and every
 * malformed body answered with the tree reader's own message.
 */
final class StreamedBodyTest {

  private static String input(String datatype, String shape, String data) {
    return "{\"inputs\":[{\"name\":\"x\",\"shape\":" + shape + ",\"datatype\":\"" + datatype
        + "\",\"data\":" + data + "}]}";
  }

  private static InferRequest.Input streamed(String body) {
    InferRequest.Input in = InferRequestReader.read(body.getBytes(UTF_8), null).inputs().get(0);
    assertNull(in.data(), "decoded while streaming, no tree");
    assertNotNull(in.binary());
    return in;
  }

  @Test
  void read_float32Flat_decodedExactly() {
    ByteBuffer b = streamed(input("FP32", "[8]", "[1.5, -0.25, 3.4028235E38, \"NaN\","
        + " \"-Infinity\", 7, -0.0, 1.4E-45]")).binary().order(ByteOrder.LITTLE_ENDIAN);
    float[] want = {1.5f, -0.25f, Float.MAX_VALUE, Float.NaN, Float.NEGATIVE_INFINITY, 7f, -0f,
        Float.MIN_VALUE};
    assertEquals(4 * want.length, b.remaining());
    for (int i = 0; i < want.length; i++) {
      assertEquals(Float.floatToIntBits(want[i]), Float.floatToIntBits(b.getFloat(4 * i)),
          "element " + i);
    }
  }

  @Test
  void read_nestedInt32_rowMajor() {
    ByteBuffer b = streamed(input("INT32", "[2,3]", "[[1,2,3],[-4,5,2147483647]]")).binary();
    int[] want = {1, 2, 3, -4, 5, Integer.MAX_VALUE};
    for (int i = 0; i < want.length; i++) {
      assertEquals(want[i], b.getInt(4 * i));
    }
  }

  @Test
  void read_everyPlanlineType_valuesExact() {
    ByteBuffer b = streamed(input("INT64", "[3]", "[-9223372036854775808, 42,"
        + " 9223372036854775807]")).binary();
    assertEquals(Long.MIN_VALUE, b.getLong(0));
    assertEquals(42, b.getLong(8));
    assertEquals(Long.MAX_VALUE, b.getLong(16));
    b = streamed(input("BOOL", "[1,3]", "[[true,false,true]]")).binary();
    assertEquals(1, b.get(0) + b.get(1) * 10 + b.get(2) * 100 - 100);
    b = streamed(input("UINT8", "[2]", "[0, 255]")).binary();
    assertEquals(255, b.get(1) & 0xff);
    b = streamed(input("INT8", "[2]", "[-128, 127]")).binary();
    assertEquals(-128, b.get(0));
    b = streamed(input("INT16", "[1]", "[-32768]")).binary();
    assertEquals(Short.MIN_VALUE, b.getShort(0));
    b = streamed(input("FP16", "[3]", "[65504, -2.0, \"Infinity\"]")).binary();
    assertEquals((short) 0x7bff, b.getShort(0));
    assertEquals((short) 0xc000, b.getShort(2));
    assertEquals((short) 0x7c00, b.getShort(4));
    b = streamed(input("BF16", "[1]", "[1.0]")).binary();
    assertEquals((short) 0x3f80, b.getShort(0));
    b = streamed(input("FP64", "[2]", "[0.1, -1.7976931348623157E308]")).binary();
    assertEquals(0.1, b.getDouble(0));
    assertEquals(-Double.MAX_VALUE, b.getDouble(8));
  }

  @Test
  void read_singleValueAndEmpty_streamed() {
    assertEquals(2.5f, streamed(input("FP32", "[1,1]", "2.5")).binary().getFloat(0));
    assertEquals(0, streamed(input("FP32", "[0,3]", "[]")).binary().remaining());
    assertEquals(0, streamed(input("FP32", "[2,0]", "[[],[]]")).binary().remaining());
  }

  /** Data before datatype or shape is read as a tree for that input; its values are the same. */
  @ParameterizedTest
  @ValueSource(strings = {
      "{\"inputs\":[{\"data\":[[1.5,2],[3,4]],\"name\":\"x\",\"shape\":[2,2],\"datatype\":\"FP32\"}]}",
      "{\"inputs\":[{\"name\":\"x\",\"datatype\":\"FP32\",\"data\":[1.5,2,3,4],\"shape\":[2,2]}]}",
      "{\"inputs\":[{\"shape\":[2,2],\"data\":[1.5,2,3,4],\"datatype\":\"FP32\",\"name\":\"x\"}]}"})
  void read_dataBeforeDatatypeOrShape_sameValues(String body) {
    InferRequest.Input in = InferRequestReader.read(body.getBytes(UTF_8), null).inputs().get(0);
    assertNotNull(in.data(), "the rare order keeps the tree");
    ByteBuffer b = bytes(in);
    assertEquals(1.5f, b.getFloat(0));
    assertEquals(4f, b.getFloat(12));
    assertEquals(outcome(body, false), outcome(body, true));
  }

  /** Forms the tree path takes that the streaming reader leaves to it: same bytes. */
  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "INT64 | [2] | [3.0, 1e18]",
      "FP32  | [1] | [123456789012345678901234567890]",
      "INT8  | [1] | [-0.0]"})
  void read_rareValidForms_sameBytesAsTree(String type, String shape, String data) {
    String body = input(type, shape, data);
    String tree = outcome(body, false);
    assertTrue(tree.contains(" = "), tree); // accepted
    assertEquals(tree, outcome(body, true));
  }

  /** Malformed bodies: the same 400 as the tree reader and binder gave, word for word. */
  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "{\"inputs\":[{\"name\":\"x\",\"shape\":[2],\"datatype\":\"FP32\",\"data\":[1,\"one\"]}]}"
          + " | input 'x': element 1 is \"one\", expected a number (FP32)",
      "{\"inputs\":[{\"name\":\"x\",\"shape\":[2],\"datatype\":\"UINT8\",\"data\":[1,256]}]}"
          + " | input 'x': element 1 is 256, expected in the UINT8 range 0..255",
      "{\"inputs\":[{\"name\":\"x\",\"shape\":[2],\"datatype\":\"FP32\",\"data\":[1,1e39]}]}"
          + " | input 'x': element 1 is 1.0E39, outside the FP32 range",
      "{\"inputs\":[{\"name\":\"x\",\"shape\":[2],\"datatype\":\"INT64\",\"data\":[1,2.5]}]}"
          + " | input 'x': element 1 is 2.5, expected an integer (INT64)",
      "{\"inputs\":[{\"name\":\"x\",\"shape\":[2],\"datatype\":\"BOOL\",\"data\":[true,null]}]}"
          + " | input 'x': element 1 is null, expected a BOOL",
      "{\"inputs\":[{\"name\":\"x\",\"shape\":[2,2],\"datatype\":\"FP32\",\"data\":[[1,2,3],[4]]}]}"
          + " | input 'x': data[0] has 3 elements, but dimension 1",
      "{\"inputs\":[{\"name\":\"x\",\"shape\":[2,2],\"datatype\":\"FP32\",\"data\":[[1,2],[3,[4]]]}]}"
          + " | input 'x': data[1][1] is a list, but shape [2, 2] has only 2",
      "{\"inputs\":[{\"name\":\"x\",\"shape\":[2,2],\"datatype\":\"FP32\",\"data\":[1,2,[3],4]}]}"
          + " | input 'x': data has 4 elements, but dimension 0 of shape [2, 2] is 2",
      "{\"inputs\":[{\"name\":\"x\",\"shape\":[2,2],\"datatype\":\"FP32\",\"data\":[1,2,3]}]}"
          + " | input 'x': shape [2, 2] holds 4 elements, 'data' has 3",
      "{\"inputs\":[{\"name\":\"x\",\"shape\":[2,2],\"datatype\":\"FP32\",\"data\":[1,2,3,4,5]}]}"
          + " | input 'x': shape [2, 2] holds 4 elements, 'data' has 5",
      "{\"inputs\":[{\"name\":\"x\",\"shape\":[9000000],\"datatype\":\"FP32\",\"data\":[1]}]}"
          + " | input 'x': shape [9000000] holds 9000000 elements, 'data' has 1",
      "{\"inputs\":[{\"name\":\"x\",\"shape\":[1],\"datatype\":\"FP32\",\"data\":[{\"a\":1}]}]}"
          + " | input 'x': element 0 is {\"a\":1}, expected a number (FP32)",
      "{\"inputs\":[{\"name\":\"x\",\"shape\":[1],\"datatype\":\"FP32\",\"data\":[1,]}]}"
          + " | malformed JSON in the request body at line 1, column",
      "{\"inputs\":[{\"name\":\"x\",\"shape\":[1],\"datatype\":\"FP32\",\"data\":[1]}]} {}"
          + " | malformed JSON in the request body",
      "{\"id\":7,\"inputs\":[{\"name\":\"x\",\"shape\":[1],\"datatype\":\"FP32\",\"data\":[1]}]}"
          + " | 'id' must be a string, got NUMBER",
      "{\"inputs\":[{\"name\":\"x\",\"shape\":[1],\"datatype\":\"FP32\",\"data\":[1],"
          + "\"parameters\":{\"binary_data_size\":4}}]} | input 'x' has both 'data' and",
      "{\"inputs\":[{\"name\":\"x\",\"shape\":[1],\"datatype\":\"FP32\",\"data\":[1]},"
          + "{\"name\":\"x\",\"shape\":[1],\"datatype\":\"FP32\",\"data\":[1]}]}"
          + " | input 'x' is given twice",
      "{\"inputs\":[{\"name\":\"x\",\"shape\":[1],\"datatype\":\"FP32\",\"data\":[\"one\"]},7]}"
          + " | inputs[1] must be an object",
      "{\"inputs\":[{\"name\":\"x\",\"shape\":[1],\"datatype\":\"FP33\",\"data\":[1]}]}"
          + " | input 'x': unknown datatype 'FP33'",
      "{\"inputs\":[{\"name\":\"x\",\"shape\":[-1],\"datatype\":\"FP32\",\"data\":[1]}]}"
          + " | input 'x': shape [-1] must hold non-negative integers"})
  void read_malformed_sameMessageAsTree(String body, String expected) {
    String tree = outcome(body, false);
    assertTrue(tree.contains(expected), tree);
    assertEquals(tree, outcome(body, true));
  }

  /** Which of two repeated keys counts is the tree reader's answer, not the streaming one's. */
  @ParameterizedTest
  @ValueSource(strings = {
      "{\"inputs\":[{\"name\":\"x\",\"shape\":[1],\"datatype\":\"FP32\",\"data\":[1],"
          + "\"data\":[2]}]}",
      "{\"inputs\":[{\"name\":\"x\",\"shape\":[1],\"datatype\":\"FP32\",\"data\":[1],"
          + "\"datatype\":\"INT32\"}]}",
      "{\"inputs\":[{\"name\":\"x\",\"shape\":[1],\"datatype\":\"FP32\",\"data\":[1]}],"
          + "\"inputs\":[{\"name\":\"y\",\"shape\":[1],\"datatype\":\"INT32\",\"data\":[2]}]}",
      "{\"id\":\"a\",\"id\":\"b\",\"inputs\":[{\"name\":\"x\",\"shape\":[1],"
          + "\"datatype\":\"FP32\",\"data\":[1]}]}"})
  void read_repeatedKeys_sameAsTree(String body) {
    assertEquals(outcome(body, false), outcome(body, true));
  }

  /** Random float32 tensors, as Jackson writes them, decode to the same bits both ways. */
  @Property
  void read_randomFloats_sameBytesAsTreeAndSameFloats(@ForAll @Size(max = 300) float[] v)
      throws Exception {
    String body = input("FP32", "[" + v.length + "]", JsonFloatsTest.jackson(v));
    ByteBuffer b = streamed(body).binary();
    for (int i = 0; i < v.length; i++) {
      assertEquals(Float.floatToIntBits(v[i]), Float.floatToIntBits(b.getFloat(4 * i)));
    }
    assertEquals(outcome(body, false), outcome(body, true));
  }

  /** Random tensors of every type, flat or nested, broken in random ways, in any key order. */
  @Property(tries = 3000)
  void read_randomBodies_sameOutcomeAsTree(@ForAll("bodies") String body) {
    assertEquals(outcome(body, false), outcome(body, true), body);
  }

  @net.jqwik.api.Provide
  net.jqwik.api.Arbitrary<String> bodies() {
    return net.jqwik.api.Arbitraries.randomValue(RandomBodies::body);
  }

  /**
   * What the server makes of {@code body} up to binding, as text: the reader's 400, or the
   * request with each input's bytes as the binder would take them, or the first input's 400.
   */
  static String outcome(String body, boolean streaming) {
    InferRequest r;
    try {
      r = InferRequestReader.read(body.getBytes(UTF_8), null, streaming);
    } catch (ApiException e) {
      return "400 " + e.getMessage();
    }
    StringBuilder b = new StringBuilder("id " + r.id() + ", outputs " + r.outputs() + ", binary "
        + r.binaryOutputs());
    for (InferRequest.Input in : r.inputs()) {
      b.append('\n').append(in);
      try {
        ByteBuffer bytes = bytes(in);
        b.append(" = ");
        for (int i = bytes.position(); i < bytes.limit(); i++) {
          b.append(String.format("%02x", bytes.get(i)));
        }
      } catch (ApiException e) {
        return b.append(" 400 ").append(e.getMessage()).toString();
      }
    }
    return b.toString();
  }

  /** The input's bytes, decoded from its JSON data as InferBinder does when it has no bytes. */
  static ByteBuffer bytes(InferRequest.Input in) {
    if (in.binary() != null) {
      return in.binary();
    }
    TensorCodec.checkLayout(in.name(), in.data(), in.shape());
    return TensorCodec.fromJson(in.name(), in.datatype(), in.data(),
        HostTensor.elements(in.shape()));
  }
}
