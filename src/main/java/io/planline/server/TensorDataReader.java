package io.planline.server;

import static com.fasterxml.jackson.core.JsonToken.END_ARRAY;
import static com.fasterxml.jackson.core.JsonToken.START_ARRAY;
import static com.fasterxml.jackson.core.JsonToken.VALUE_FALSE;
import static com.fasterxml.jackson.core.JsonToken.VALUE_NUMBER_FLOAT;
import static com.fasterxml.jackson.core.JsonToken.VALUE_NUMBER_INT;
import static com.fasterxml.jackson.core.JsonToken.VALUE_STRING;
import static com.fasterxml.jackson.core.JsonToken.VALUE_TRUE;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.jspecify.annotations.Nullable;

/**
 * Reads one input's JSON {@code data} from a streaming parser straight into the little-endian
 * bytes of its datatype, checking the nesting against the shape on the way: no tree, no node per
 * element (issue 17).
 *
 * <p>It takes only what the tree path ({@link TensorCodec#checkLayout} then
 * {@link TensorCodec#fromJson}) takes, and gives the same bytes: flat or exactly nested lists of
 * booleans (BOOL), integer literals in range (integer types), number literals finite in the type
 * and {@code "NaN"}, {@code "Infinity"}, {@code "-Infinity"} (float types). For anything else it
 * answers null, and the caller reads the whole body through the tree path, which then gives the
 * answer or the 400 it always gave. So a wrong element or nesting is reported by one piece of code
 * only, with its old message; what falls back here is either an error or a rare valid form (a
 * float literal such as {@code 3.0} for an integer type, an integer literal beyond 64 bits for a
 * float type), which then costs a second parse.
 */
final class TensorDataReader {

  private final JsonParser p;
  private final Datatype type;
  private final ByteBuffer out;
  private int count;
  /** The last float element read by {@link #real}, and whether it was a number literal. */
  private double real;
  private boolean literal;
  /** The last integer element read by {@link #whole}, or the last element's bits. */
  private long whole;

  private TensorDataReader(JsonParser p, Datatype type, ByteBuffer out) {
    this.p = p;
    this.type = type;
    this.out = out;
  }

  /**
   * Decodes the value at {@code p}'s current token as {@code elements} values of {@code type}
   * laid out as {@code shape}, leaving {@code p} on the value's last token.
   *
   * <p>Requires: {@code type} has a planline element type; {@code elements} is the product of
   * {@code shape} and {@code elements * type.itemSize()} fits an int (the caller bounds it by the
   * body's length, never allocating for a shape the body cannot fill).
   *
   * @return the bytes (position 0, little-endian), or null when the tree path must decide, with
   *     {@code p} then somewhere inside the value
   */
  static @Nullable ByteBuffer read(JsonParser p, Datatype type, long[] shape, long elements)
      throws IOException {
    ByteBuffer out = ByteBuffer.allocate(Math.toIntExact(elements * type.itemSize()))
        .order(ByteOrder.LITTLE_ENDIAN);
    TensorDataReader r = new TensorDataReader(p, type, out);
    JsonToken t = p.currentToken();
    boolean ok;
    if (t != START_ARRAY) { // one value stands for a one-element tensor of any rank
      ok = elements == 1 && r.put(t);
    } else {
      t = p.nextToken();
      // checkLayout's rule: the list is flat when no child is a list. A first child that is a
      // list commits to nesting, one that is not to flat; a later child that breaks the choice
      // is an error either way, reported by the tree path.
      ok = t == START_ARRAY ? r.nested(shape) : r.flat(t, elements);
    }
    return ok && r.count == elements ? out : null;
  }

  /** Flat elements from {@code first} to the list's end. */
  private boolean flat(JsonToken first, long elements) throws IOException {
    for (JsonToken t = first; t != END_ARRAY; t = p.nextToken()) {
      if (count == elements || !put(t)) {
        return false;
      }
    }
    return true;
  }

  /**
   * Lists nested exactly as {@code shape}: the list at depth d holds {@code shape[d]} children,
   * lists above the last dimension and elements at it. The current token is the outermost list's
   * first child, a list.
   */
  private boolean nested(long[] shape) throws IOException {
    int rank = shape.length;
    if (rank < 2) { // a list inside the outermost list needs a second dimension
      return false;
    }
    long[] seen = new long[rank]; // children read so far of the open list at each depth
    int depth = 0;
    for (JsonToken t = p.currentToken(); ; t = p.nextToken()) {
      if (t == END_ARRAY) {
        if (seen[depth] != shape[depth]) {
          return false;
        }
        if (depth == 0) {
          return true;
        }
        depth--;
        continue;
      }
      if (++seen[depth] > shape[depth]) {
        return false;
      }
      if (t == START_ARRAY) {
        if (depth + 1 >= rank) { // a list where the shape has elements: nested too deep
          return false;
        }
        seen[++depth] = 0;
      } else if (depth != rank - 1 || !put(t)) {
        return false;
      }
    }
  }

  /** Writes element {@link #count} from token {@code t}; false when the tree path must decide. */
  private boolean put(JsonToken t) throws IOException {
    // The common case, float32 literals, kept small enough for the JIT to inline into the loops.
    if (type == Datatype.FP32 && t == VALUE_NUMBER_FLOAT) {
      float f = (float) p.getDoubleValue();
      if (Float.isInfinite(f)) { // a finite literal beyond the type: refused there
        return false;
      }
      out.putFloat(4 * count++, f);
      return true;
    }
    return putAny(t);
  }

  private boolean putAny(JsonToken t) throws IOException {
    boolean ok = switch (type) {
      case BOOL -> {
        whole = t == VALUE_TRUE ? 1 : 0;
        yield t == VALUE_TRUE || t == VALUE_FALSE;
      }
      case UINT8 -> whole(t, 0, 0xff);
      case INT8 -> whole(t, Byte.MIN_VALUE, Byte.MAX_VALUE);
      case INT16 -> whole(t, Short.MIN_VALUE, Short.MAX_VALUE);
      case INT32 -> whole(t, Integer.MIN_VALUE, Integer.MAX_VALUE);
      case INT64 -> whole(t, Long.MIN_VALUE, Long.MAX_VALUE);
      case FP16, BF16, FP32, FP64 -> real(t) && narrow();
      case UINT16, UINT32, UINT64, BYTES -> false; // no planline tensor holds these: not streamed
    };
    if (!ok) {
      return false;
    }
    // The element's bits are in whole: one little-endian store of the type's width.
    int at = count++ * type.itemSize();
    switch (type.itemSize()) {
      case 1 -> out.put(at, (byte) whole);
      case 2 -> out.putShort(at, (short) whole);
      case 4 -> out.putInt(at, (int) whole);
      default -> out.putLong(at, whole);
    }
    return true;
  }

  /**
   * The float element in {@link #real} as the bits of {@code type}, into {@link #whole}; false
   * for a number literal that became infinite there (a finite value beyond the type's range,
   * refused by the tree path; only the names stand for infinities).
   */
  private boolean narrow() {
    double back;
    switch (type) {
      case FP16 -> {
        short h = HalfFloats.floatToHalf((float) real);
        whole = h;
        back = HalfFloats.halfToFloat(h);
      }
      case BF16 -> {
        short h = HalfFloats.floatToBf16((float) real);
        whole = h;
        back = HalfFloats.bf16ToFloat(h);
      }
      case FP32 -> {
        float f = (float) real;
        whole = Float.floatToRawIntBits(f);
        back = f;
      }
      default -> {
        whole = Double.doubleToRawLongBits(real);
        back = real;
      }
    }
    return !(literal && Double.isInfinite(back));
  }

  /**
   * An integer literal within {@code min..max}, into {@link #whole}. The tree path also takes a
   * float literal that is a whole number ({@code 3.0}); that, and literals beyond 64 bits (out of
   * every range here), are left to it.
   */
  private boolean whole(JsonToken t, long min, long max) throws IOException {
    if (t != VALUE_NUMBER_INT || p.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
      return false;
    }
    whole = p.getLongValue();
    return whole >= min && whole <= max;
  }

  /**
   * A float element into {@link #real}: a number literal, converted as the tree's number node
   * converts it (a float literal through the parser's double, an integer through its long), or
   * one of the three names of the non-finite values. Integer literals beyond 64 bits are left to
   * the tree path, whose BigInteger node rounds them itself.
   */
  private boolean real(JsonToken t) throws IOException {
    if (t == VALUE_NUMBER_FLOAT) {
      real = p.getDoubleValue();
      literal = true;
      return true;
    }
    if (t == VALUE_NUMBER_INT) {
      if (p.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
        return false;
      }
      real = p.getLongValue();
      literal = true;
      return true;
    }
    if (t != VALUE_STRING) {
      return false;
    }
    literal = false;
    switch (p.getText()) {
      case "NaN" -> real = Double.NaN;
      case "Infinity" -> real = Double.POSITIVE_INFINITY;
      case "-Infinity" -> real = Double.NEGATIVE_INFINITY;
      default -> {
        return false;
      }
    }
    return true;
  }
}
