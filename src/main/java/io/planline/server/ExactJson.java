package io.planline.server;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.MediaType;

/**
 * JSON written with every member, empty ones included. Micronaut's serializer leaves out empty
 * maps, lists and strings, but Triton's shapes have members that are empty on purpose
 * ({@code "version_policy": {"all": {}}}, {@code "batch_stats": []}) and its clients read them.
 */
final class ExactJson {

  private static final ObjectMapper JSON = new ObjectMapper();

  private ExactJson() {}

  /** 200 with {@code value} as JSON. */
  static HttpResponse<byte[]> ok(Object value) {
    try {
      return HttpResponse.ok(JSON.writeValueAsBytes(value))
          .contentType(MediaType.APPLICATION_JSON_TYPE);
    } catch (JsonProcessingException e) {
      // Only maps, lists, strings and numbers are written here.
      throw new IllegalStateException("cannot write " + value, e);
    }
  }
}
