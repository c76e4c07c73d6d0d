package dev.moa.api;

import com.fasterxml.jackson.databind.JsonNode;
import dev.moa.testing.TestStore;
import dev.moa.testing.UpstreamResource;
import dev.moa.testing.UpstreamTest;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;

import static dev.moa.api.ChatCompletionsTest.json;
import static dev.moa.api.ChatCompletionsTest.msg;
import static dev.moa.engine.ReferenceInjector.DEFAULT_PROMPT;
import static dev.moa.engine.ReferenceInjector.RANK_PROMPT;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code "moa": {"dry_run": true}} and the {@code moa} summary of {@code GET /v1/models/{id}}. */
@QuarkusTest
@WithTestResource(UpstreamResource.class)
class DryRunTest extends UpstreamTest {

    @BeforeEach
    void mix() {
        store.mix("planned", """
                {"description": "planned mix",
                 "layers": [
                   {"early_stop": {"when": "majority", "min": 2},
                    "agents": [{"provider": "fake", "model": "d1", "system_prompt": "Be brief.", "temperature": 0.3},
                               {"provider": "fake-quick", "model": "d2", "samples": 2, "weight": 2,
                                "fallbacks": [{"provider": "fake-open", "model": "d2-backup"}]}]},
                   {"aggregate": {"mode": "sequential", "window": 2}, "max_total_reference_tokens": 1000,
                    "overflow": "sequential", "agents": [{"provider": "fake", "model": "d-seq", "retries": 0}]},
                   {"aggregate": "rank", "agents": [{"provider": "fake", "model": "d-rank"}]}]}""");
    }

    private static JsonNode dryRun(String body) {
        return json(given().contentType(ContentType.JSON).body(body).when().post("/v1/chat/completions")
                .then().statusCode(200).contentType(ContentType.JSON).extract().asString());
    }

    @Test
    void showsWhatEachAgentWouldBeSentWithoutCallingAnything() {
        String request = """
                {"model": "planned", "temperature": 1.1, "moa": {"dry_run": true},
                 "messages": [{"role": "system", "content": "Client rules."}, {"role": "user", "content": "Hi?"}]}""";
        JsonNode response = dryRun(request);

        assertTrue(upstream.requests().isEmpty(), "no provider was called");
        assertEquals("chat.completion", response.path("object").asText());
        assertEquals(0, response.path("choices").size());
        assertEquals(0, response.at("/usage/total_tokens").asInt());
        JsonNode plan = response.path("moa");
        assertTrue(plan.path("dry_run").asBoolean());
        // Layer 1: 3 calls; layer 2: 3 references two at a time = 2 steps (at most one per reference on overflow);
        // layer 3: 1 ranking call. The early stop after layer 1 can end it at 3.
        assertEquals(6, plan.path("calls").asInt());
        assertEquals(7, plan.path("max_calls").asInt());
        assertEquals(3, plan.path("min_calls").asInt());
        assertEquals(28_000, plan.path("deadline_ms").asLong());

        JsonNode layer1 = plan.at("/layers/0");
        assertEquals("synthesize", layer1.path("aggregate").asText());
        assertEquals(3, layer1.path("calls").asInt());
        assertEquals(28_000 / 3, layer1.path("budget_ms").asLong());
        JsonNode d1 = layer1.at("/agents/0");
        assertEquals(List.of(msg("system", "Be brief.\n\nClient rules."), msg("user", "Hi?")),
                List.copyOf(json(d1.path("messages").toString()).findParents("role")));
        assertEquals(0.3, d1.path("temperature").asDouble(), "proposers use the mix's values only");
        assertEquals(30_000, d1.path("timeout_ms").asLong());
        assertEquals(2, d1.path("retries").asInt());
        JsonNode d2 = layer1.at("/agents/1");
        assertEquals(2, d2.path("samples").asInt());
        assertEquals(300, d2.path("timeout_ms").asLong(), "the provider document's timeout");
        assertEquals("[\"fake-open/d2-backup\"]", d2.path("fallbacks").toString());

        JsonNode layer2 = plan.at("/layers/1");
        assertEquals("{\"mode\":\"sequential\",\"window\":2}", layer2.path("aggregate").toString());
        assertEquals(2, layer2.path("steps").asInt());
        assertEquals(2, layer2.path("calls").asInt());
        assertEquals(3, layer2.path("max_calls").asInt());
        assertEquals(0, layer2.at("/agents/0/retries").asInt());
        assertEquals("Client rules.\n\n" + DEFAULT_PROMPT + "\n\n1. {answer of layer 1, fake/d1}"
                        + "\n\n2. [weight 2] {answer of layer 1, fake-quick/d2, sample 1}",
                layer2.at("/agents/0/messages/0/content").asText(), "the first step's template");

        JsonNode rank = plan.at("/layers/2/agents/0");
        assertEquals("rank", plan.at("/layers/2/aggregate").asText());
        assertEquals("Client rules.\n\n" + RANK_PROMPT + "\n\n1. {answer of layer 2, fake/d-seq}",
                rank.at("/messages/0/content").asText());
        assertEquals(16, rank.path("max_tokens").asInt());
        assertTrue(rank.path("temperature").isMissingNode(), "a ranking does not take the client's temperature");

        String text = response.toString();
        assertFalse(text.contains(TestStore.SECRET_KEY), "keys never appear");
        assertFalse(text.contains("127.0.0.1"), "nor where the providers are");
    }

    @Test
    void aDryRunCannotBeStreamedAndTheFlagMustBeABoolean() {
        given().contentType(ContentType.JSON).body("""
                        {"model": "planned", "stream": true, "moa": {"dry_run": true},
                         "messages": [{"role": "user", "content": "Hi?"}]}""")
                .when().post("/v1/chat/completions").then().statusCode(400).body("error.param", equalTo("moa.dry_run"));
        given().contentType(ContentType.JSON).body("""
                        {"model": "planned", "moa": {"dry_run": "yes"}, "messages": [{"role": "user", "content": "Hi?"}]}""")
                .when().post("/v1/chat/completions").then().statusCode(400).body("error.param", equalTo("moa.dry_run"));
        assertTrue(upstream.requests().isEmpty());
    }

    @Test
    void theModelShowsAMoaSummary() {
        JsonNode model = json(given().when().get("/v1/models/planned").then().statusCode(200).extract().asString());
        assertEquals("planned", model.path("id").asText());
        assertEquals("model", model.path("object").asText());
        assertEquals("moa", model.path("owned_by").asText());
        JsonNode moa = model.path("moa");
        assertEquals("planned mix", moa.path("description").asText());
        assertEquals(3, moa.path("layers").size());
        assertEquals("[{\"provider\":\"fake\",\"model\":\"d1\"},{\"provider\":\"fake-quick\",\"model\":\"d2\",\"samples\":2}]",
                moa.at("/layers/0/agents").toString());
        assertEquals(3, moa.at("/layers/0/calls").asInt());
        assertEquals("majority", moa.at("/layers/0/early_stop").asText());
        assertEquals("rank", moa.at("/layers/2/aggregate").asText());
        assertEquals(6, moa.path("calls_per_request").asInt());
        assertEquals(3, moa.path("min_calls_per_request").asInt());
        assertFalse(model.toString().contains("127.0.0.1"));

        store.mix("broken", "{\"layers\": [{\"agents\": [{\"provider\": \"fake\", \"model\": \"x\", \"tempreature\": 1}]}]}");
        given().when().get("/v1/models/broken").then().statusCode(500).body("error.code", equalTo("invalid_mix_document"));
    }
}
