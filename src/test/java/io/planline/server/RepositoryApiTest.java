package io.planline.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import jakarta.inject.Inject;
import java.net.http.HttpResponse;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The repository API in the shapes Triton's client sends: {@code get_model_repository_index()}
 * posts an empty body, {@code load_model(name)} posts {@code {}}, {@code unload_model(name)}
 * posts {@code {"parameters": {"unload_dependents": false}}}.
 */
@MicronautTest
final class RepositoryApiTest {

  @Inject
  EmbeddedServer server;

  Http http;

  @BeforeEach
  void client() {
    http = new Http(server);
  }

  @Test
  void index_emptyBody_everyModelReadyWithVersion() {
    HttpResponse<byte[]> r = http.postEmpty("/v2/repository/index");
    assertEquals(200, r.statusCode(), Http.text(r));
    Set<String> names = new HashSet<>();
    for (JsonNode m : Http.json(r)) {
      names.add(m.get("name").asText());
      assertEquals("READY", m.get("state").asText(), m.toString());
      assertEquals(Http.json(http.get("/v2/models/" + m.get("name").asText())).get("versions")
          .get(0).asText(), m.get("version").asText());
    }
    assertEquals(Set.of("digits-mlp", "digits-cnn", "tiny-gpt"), names);
  }

  @Test
  void index_readyOnly_sameModels() {
    HttpResponse<byte[]> r = http.postJson("/v2/repository/index", "{\"ready\": true}");
    assertEquals(200, r.statusCode(), Http.text(r));
    assertEquals(3, Http.json(r).size());
  }

  @Test
  void index_readyNotBoolean_400() {
    HttpResponse<byte[]> r = http.postJson("/v2/repository/index", "{\"ready\": \"yes\"}");
    assertEquals(400, r.statusCode());
    assertTrue(Http.error(r).contains("'ready' must be a boolean"), Http.error(r));
  }

  @Test
  void index_notJson_400() {
    HttpResponse<byte[]> r = http.postJson("/v2/repository/index", "{ready");
    assertEquals(400, r.statusCode());
    assertTrue(Http.error(r).contains("not JSON"), Http.error(r));
  }

  @Test
  void load_defaultModelControl_400NamingTheSetting() {
    HttpResponse<byte[]> r = http.postJson("/v2/repository/models/digits-mlp/load", "{}");
    assertEquals(400, r.statusCode(), Http.text(r));
    String error = Http.error(r);
    assertTrue(error.contains("cannot load model 'digits-mlp'")
        && error.contains("planline.model-control"), error);
  }

  @Test
  void unload_defaultModelControl_400AndModelStaysReady() {
    HttpResponse<byte[]> r = http.postJson("/v2/repository/models/digits-mlp/unload",
        "{\"parameters\": {\"unload_dependents\": false}}");
    assertEquals(400, r.statusCode(), Http.text(r));
    assertTrue(Http.error(r).contains("cannot unload model 'digits-mlp'"), Http.error(r));
    assertEquals(200, http.get("/v2/models/digits-mlp/ready").statusCode());
  }

  @Test
  void modelControl_unimplementedMode_stopsStartNamingValidModes() {
    // A mode accepted at start and then refused on every load would hide the mistake.
    Throwable e = assertThrows(RuntimeException.class, () -> {
      try (EmbeddedServer s = ApplicationContext.run(EmbeddedServer.class,
          Map.of("planline.model-control", "polling"), "test")) {
        new Http(s).postEmpty("/v2/repository/index");
      }
    });
    String chain = "";
    for (Throwable t = e; t != null; t = t.getCause()) {
      chain += t.getMessage() + "\n";
    }
    assertTrue(chain.contains("planline.model-control: 'polling'") && chain.contains("none"),
        chain);
  }
}
