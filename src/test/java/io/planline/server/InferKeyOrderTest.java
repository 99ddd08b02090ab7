package io.planline.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.micronaut.runtime.server.EmbeddedServer;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import jakarta.inject.Inject;
import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * JSON object keys come in any order: an input whose {@code data} comes before its datatype or
 * shape (read as a tree, not streamed) gets the same answer as one whose data comes last, and the
 * same 400 for the same bad element.
 */
@MicronautTest
final class InferKeyOrderTest {

  private static final String INFER = "/v2/models/digits-mlp/infer";

  @Inject
  EmbeddedServer server;

  Http http;
  String in;

  @BeforeEach
  void client() {
    http = new Http(server);
    in = http.tensorName("digits-mlp", "inputs");
  }

  /** The request with its input's members in {@code order} (n: name, s: shape, t, d: data). */
  private String request(String order, String data) {
    StringBuilder input = new StringBuilder();
    for (char c : order.toCharArray()) {
      input.append(input.length() == 0 ? "{" : ",").append(switch (c) {
        case 'n' -> "\"name\":\"" + in + "\"";
        case 's' -> "\"shape\":[2,64]";
        case 't' -> "\"datatype\":\"FP32\"";
        default -> "\"data\":" + data;
      });
    }
    return "{\"id\":\"k\",\"inputs\":[" + input + "}]}";
  }

  @Test
  void infer_dataBeforeDatatypeOrShape_sameAnswer() {
    String data = "[" + InferJsonTest.pixels(64) + "," + InferJsonTest.pixels(64)
        .replace("[0,", "[2.5,") + "]";
    HttpResponse<byte[]> last = http.postJson(INFER, request("nstd", data));
    assertEquals(200, last.statusCode(), Http.text(last));
    for (String order : List.of("dnst", "ntds", "sdtn")) {
      HttpResponse<byte[]> r = http.postJson(INFER, request(order, data));
      assertEquals(200, r.statusCode(), Http.text(r));
      assertEquals(Http.text(last), Http.text(r), order);
    }
  }

  @Test
  void infer_badElementInAnyOrder_sameMessage() {
    String data = InferJsonTest.pixels(128).replace(",5,", ",\"five\",");
    String last = Http.error(http.postJson(INFER, request("nstd", data)));
    assertEquals("input '" + in + "': element 8 is \"five\", expected a number (FP32)", last);
    for (String order : List.of("dnst", "ntds")) {
      HttpResponse<byte[]> r = http.postJson(INFER, request(order, data));
      assertEquals(400, r.statusCode(), Http.text(r));
      assertEquals(last, Http.error(r), order);
    }
  }
}
