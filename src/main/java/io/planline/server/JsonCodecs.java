package io.planline.server;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonFactoryBuilder;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.StreamWriteFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The JSON reader and writer of infer requests and responses, with Jackson's fast number
 * conversions on: tensor data is almost all numbers, and the JDK's own float parsing and
 * printing cost most of a JSON request's time (JsonCodecBench measures both settings).
 */
final class JsonCodecs {

  /** Streams responses; floats printed by Jackson's shortest-form writer. */
  static final JsonFactory WRITER = factory(true);

  /** Reads request bodies; anything after the JSON value is refused, not ignored. */
  static final ObjectMapper READER = reader(factory(true));

  private JsonCodecs() {}

  /** A factory with the fast number conversions on, or Jackson's defaults (for comparison). */
  static JsonFactory factory(boolean fast) {
    JsonFactoryBuilder b = new JsonFactoryBuilder();
    if (fast) {
      b.enable(StreamReadFeature.USE_FAST_DOUBLE_PARSER)
          .enable(StreamReadFeature.USE_FAST_BIG_NUMBER_PARSER)
          .enable(StreamWriteFeature.USE_FAST_DOUBLE_WRITER);
    }
    return b.build();
  }

  /** The request reader over {@code factory}. */
  static ObjectMapper reader(JsonFactory factory) {
    return new ObjectMapper(factory).enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
  }
}
