package io.planline.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.micronaut.runtime.server.EmbeddedServer;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import jakarta.inject.Inject;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Health, server metadata and model metadata through a real HTTP client. */
@MicronautTest
final class ServerEndpointsTest {

  @Inject
  EmbeddedServer server;

  Http http;

  @BeforeEach
  void client() {
    http = new Http(server);
  }

  @Test
  void live_running_okWithJsonBody() {
    HttpResponse<byte[]> r = http.get(ServerController.LIVE);
    assertEquals(200, r.statusCode());
    // The KServe SDK's is_server_live() parses the body as JSON and reads "live".
    assertEquals("{\"live\":true}", Http.text(r));
    assertEquals("application/json", r.headers().firstValue("Content-Type").orElse(""));
  }

  @Test
  void ready_allModelsLoaded_okWithJsonBody() {
    HttpResponse<byte[]> r = http.get(ServerController.READY);
    assertEquals(200, r.statusCode());
    assertEquals("{\"ready\":true}", Http.text(r));
  }

  @Test
  void serverMetadata_always_namesServerAndBinaryExtension() {
    HttpResponse<byte[]> r = http.get("/v2");
    assertEquals(200, r.statusCode());
    JsonNode body = Http.json(r);
    assertEquals("planline", body.get("name").asText());
    assertTrue(body.get("version").asText().matches("\\d+\\.\\d+\\.\\d+.*"));
    for (String e : new String[] {"binary_tensor_data", "model_configuration", "model_repository",
        "statistics"}) {
      assertTrue(body.get("extensions").toString().contains("\"" + e + "\""), body.toString());
    }
  }

  @Test
  void modelMetadata_digitsMlp_showsFp32BatchBy64AndTenLogits() {
    HttpResponse<byte[]> r = http.get("/v2/models/digits-mlp");
    assertEquals(200, r.statusCode(), Http.text(r));
    JsonNode body = Http.json(r);
    assertEquals("digits-mlp", body.get("name").asText());
    assertTrue(body.get("versions").size() >= 1);
    JsonNode in = body.get("inputs").get(0);
    assertEquals("FP32", in.get("datatype").asText());
    assertEquals("[-1,64]", in.get("shape").toString());
    JsonNode out = body.get("outputs").get(0);
    assertEquals("FP32", out.get("datatype").asText());
    assertEquals("[-1,10]", out.get("shape").toString());
  }

  @Test
  void modelMetadata_tinyGpt_showsInt64TokensAndLogitsOver256() {
    JsonNode body = Http.json(http.get("/v2/models/tiny-gpt"));
    JsonNode in = body.get("inputs").get(0);
    assertEquals("INT64", in.get("datatype").asText());
    assertEquals("[-1,-1]", in.get("shape").toString());
    assertEquals("[-1,-1,256]", body.get("outputs").get(0).get("shape").toString());
  }

  @Test
  void modelMetadata_withVersion_sameAsDefault() {
    String version = Http.json(http.get("/v2/models/digits-cnn")).get("versions").get(0).asText();
    HttpResponse<byte[]> r = http.get("/v2/models/digits-cnn/versions/" + version);
    assertEquals(200, r.statusCode());
    assertEquals("[-1,1,8,8]", Http.json(r).get("inputs").get(0).get("shape").toString());
  }

  @Test
  void modelMetadata_unknownModel_404ListingServedModels() {
    HttpResponse<byte[]> r = http.get("/v2/models/resnet");
    assertEquals(404, r.statusCode());
    String error = Http.error(r);
    assertTrue(error.contains("unknown model 'resnet'") && error.contains("digits-mlp"), error);
  }

  @Test
  void modelMetadata_unknownVersion_404ListingVersions() {
    HttpResponse<byte[]> r = http.get("/v2/models/digits-mlp/versions/999");
    assertEquals(404, r.statusCode());
    assertTrue(Http.error(r).contains("no version '999'"), Http.error(r));
  }

  @Test
  void modelReady_servedModel_ok() {
    assertEquals(200, http.get("/v2/models/digits-mlp/ready").statusCode());
    String version = Http.json(http.get("/v2/models/digits-mlp")).get("versions").get(0).asText();
    assertEquals(200, http.get("/v2/models/digits-mlp/versions/" + version + "/ready")
        .statusCode());
  }

  @Test
  void modelReady_unknownModel_404() {
    HttpResponse<byte[]> r = http.get("/v2/models/nope/ready");
    assertEquals(404, r.statusCode());
    Http.error(r);
  }

  @Test
  void unknownPath_404WithErrorBody() {
    HttpResponse<byte[]> r = http.get("/v3/whatever");
    assertEquals(404, r.statusCode());
    assertTrue(Http.error(r).contains("/v3/whatever"));
  }
}
