package io.planline.server;

import static com.fasterxml.jackson.core.JsonToken.END_ARRAY;
import static com.fasterxml.jackson.core.JsonToken.FIELD_NAME;
import static com.fasterxml.jackson.core.JsonToken.START_ARRAY;
import static com.fasterxml.jackson.core.JsonToken.START_OBJECT;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.IdentityHashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Reads an infer request's JSON by streaming: every member becomes the tree node the tree reader
 * would make of it, except each input's {@code data}, which {@link TensorDataReader} decodes
 * straight into bytes as the parser meets it. {@link InferRequestReader} then checks the tree as
 * it always did, taking those bytes for the missing {@code data} members.
 *
 * <p>It reads only bodies it is sure of. A body that is not one well-formed JSON object, a key
 * given twice where it builds the object itself, or data the data reader does not take, makes it
 * answer null, and the body is read again by the tree reader, which gives the old answer or
 * message (the location of a JSON syntax error, which value a repeated key keeps, every tensor
 * error). Errors thus cost two parses and well-formed requests one.
 */
final class StreamedBody {

  /**
   * The body as read.
   *
   * @param root the body's tree, without the {@code data} of the inputs in {@code decoded}
   * @param decoded each input object whose data was decoded (by identity), and its bytes
   */
  record Parsed(ObjectNode root, Map<JsonNode, ByteBuffer> decoded) {}

  private static final ObjectMapper JSON = JsonCodecs.READER;
  /** Reads one member's value as a tree; the body's end is checked once, after the body. */
  private static final ObjectReader VALUES =
      JSON.reader().without(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

  private final JsonParser p;
  private final long maxElements;
  private final Map<JsonNode, ByteBuffer> decoded = new IdentityHashMap<>();

  private StreamedBody(JsonParser p, int length) {
    this.p = p;
    // Each element takes at least two bytes of text with its comma: a shape claiming more than
    // the body can carry is refused by the binder, and never allocated for here.
    this.maxElements = length / 2 + 1;
  }

  /** The first {@code length} bytes of {@code body} as read, or null for the tree reader. */
  static @Nullable Parsed read(byte[] body, int length) {
    try (JsonParser p = JSON.createParser(body, 0, length)) {
      if (p.nextToken() != START_OBJECT) {
        return null;
      }
      StreamedBody reader = new StreamedBody(p, length);
      ObjectNode root = reader.object(false);
      // Trailing tokens are refused by the tree reader (a syntax error there throws here).
      if (root == null || p.nextToken() != null) {
        return null;
      }
      return new Parsed(root, reader.decoded);
    } catch (JsonProcessingException e) {
      return null;
    } catch (IOException e) {
      throw new IllegalStateException("reading an in-memory body failed", e);
    }
  }

  /**
   * The object whose START_OBJECT is the current token: the body ({@code input} false) or one of
   * its inputs. Null when a key comes twice or data must go to the tree reader.
   */
  private @Nullable ObjectNode object(boolean input) throws IOException {
    ObjectNode node = JSON.createObjectNode();
    ByteBuffer data = null;
    while (p.nextToken() == FIELD_NAME) {
      String name = p.currentName();
      JsonToken t = p.nextToken();
      JsonNode value;
      if (input && name.equals("data")) {
        if (data != null || node.has("data")) {
          return null;
        }
        Target target = target(node);
        if (target != null) {
          data = TensorDataReader.read(p, target.type(), target.shape(), target.elements());
          if (data == null) {
            return null;
          }
          continue;
        }
        value = VALUES.readTree(p);
      } else if (!input && name.equals("inputs") && t == START_ARRAY) {
        value = inputs();
      } else {
        value = VALUES.readTree(p);
      }
      if (value == null || node.replace(name, value) != null) {
        return null;
      }
    }
    if (data != null) {
      decoded.put(node, data);
    }
    return node;
  }

  /** The inputs list, its START_ARRAY the current token; null as for {@link #object}. */
  private @Nullable ArrayNode inputs() throws IOException {
    ArrayNode list = JSON.createArrayNode();
    for (JsonToken t = p.nextToken(); t != END_ARRAY; t = p.nextToken()) {
      // Anything but an object is refused by the reader, with its message.
      JsonNode input = t == START_OBJECT ? object(true) : VALUES.readTree(p);
      if (input == null) {
        return null;
      }
      list.add(input);
    }
    return list;
  }

  /** What an input's data decodes to: its datatype, shape and element count. */
  private record Target(Datatype type, long[] shape, long elements) {}

  /**
   * The datatype and shape {@code input} has given so far, when its data can be decoded with
   * them; null when they have not come yet or are not ones to decode with, and the data is then
   * read as a tree. Standard clients (Triton's and KServe's) write {@code data} after them; the
   * rare other order keeps the tree and its checks for that one input rather than a second
   * implementation of the layout check over a recorded nesting.
   */
  private @Nullable Target target(ObjectNode input) {
    JsonNode typeName = input.get("datatype");
    Datatype type = typeName != null && typeName.isTextual()
        ? Datatype.parse(typeName.textValue()) : null;
    long[] shape = shape(input.get("shape"));
    if (type == null || type.dtype() == null || shape == null) {
      return null;
    }
    long elements = 1; // saturates above maxElements; a zero dimension still empties it
    for (long d : shape) {
      elements = Math.min(maxElements + 1, elements * Math.min(d, maxElements + 1));
    }
    if (elements > maxElements || elements * type.itemSize() > Integer.MAX_VALUE - 8) {
      return null;
    }
    return new Target(type, shape, elements);
  }

  /** The dimensions when {@code n} is a list of non-negative integers, else null. */
  static long @Nullable [] shape(@Nullable JsonNode n) {
    if (n == null || !n.isArray()) {
      return null;
    }
    long[] shape = new long[n.size()];
    for (int d = 0; d < shape.length; d++) {
      JsonNode v = n.get(d);
      if (!v.isIntegralNumber() || !v.canConvertToLong() || v.longValue() < 0) {
        return null;
      }
      shape[d] = v.longValue();
    }
    return shape;
  }
}
