package dev.moa;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.moa.testing.FakeUpstream;
import dev.moa.testing.TestStore;
import dev.moa.testing.lambda.HttpApiEvent;
import dev.moa.testing.lambda.HttpApiResponse;
import dev.moa.testing.lambda.PackagedFunction;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The packaged function (JVM zip, and the native bootstrap in CI's native stage) answering the other clients'
 * protocols through a mix: the Anthropic Messages API and the OpenAI Responses API with a stored response. Their
 * JSON types are records read and written by Jackson, which a native image keeps only when registered: this is the
 * test that notices when one is not.
 */
class ClientProtocolsFunctionIT {

    private static final ObjectMapper JSON = new ObjectMapper();

    @AutoClose
    private static FakeUpstream upstream;
    @AutoClose
    private static PackagedFunction function;

    @BeforeAll
    static void start() throws Exception {
        upstream = new FakeUpstream();
        TestStore store = new TestStore(Files.createTempDirectory("moa-protocols-store"), upstream.baseUrl());
        store.mix("duo", "{\"layers\": [{\"agents\": [{\"provider\": \"fake\", \"model\": \"p1\"}, "
                + "{\"provider\": \"fake\", \"model\": \"p2\"}]}, {\"agents\": [{\"provider\": \"fake\", \"model\": \"agg\"}]}]}");
        function = PackagedFunction.fromMavenBuild()
                .store(store)
                .environment("MOA_RESPONSES_DIR", Files.createTempDirectory("moa-protocols-responses").toString())
                .start();
        function.initDuration();
    }

    @Test
    void theMessagesApiAnswersThroughTheMix() throws Exception {
        HttpApiResponse response = function.call(HttpApiEvent.postJson("/v1/messages", "{\"model\": \"duo\", "
                + "\"max_tokens\": 100, \"system\": [{\"type\": \"text\", \"text\": \"Be brief.\"}], "
                + "\"messages\": [{\"role\": \"user\", \"content\": [{\"type\": \"text\", \"text\": \"Hi\"}]}]}")
                .withHeader("anthropic-version", "2023-06-01"));

        assertEquals(200, response.statusCode(), response.body());
        JsonNode message = JSON.readTree(response.body());
        assertEquals("message", message.path("type").asText(), response.body());
        assertTrue(message.path("id").asText().startsWith("msg_"), response.body());
        assertEquals("answer from agg", message.at("/content/0/text").asText(), response.body());
        assertEquals("end_turn", message.path("stop_reason").asText(), response.body());
        assertTrue(message.at("/usage/input_tokens").asLong() > 0, response.body());

        HttpApiResponse count = function.call(HttpApiEvent.postJson("/v1/messages/count_tokens",
                "{\"model\": \"duo\", \"messages\": [{\"role\": \"user\", \"content\": \"How many tokens is this?\"}]}"));
        assertEquals(200, count.statusCode(), count.body());
        assertTrue(JSON.readTree(count.body()).path("input_tokens").asLong() > 0, count.body());

        HttpApiResponse bad = function.call(HttpApiEvent.postJson("/v1/messages",
                "{\"model\": \"duo\", \"messages\": [{\"role\": \"user\", \"content\": \"no max_tokens\"}]}"));
        assertEquals(400, bad.statusCode(), bad.body());
        JsonNode error = JSON.readTree(bad.body());
        assertEquals("error", error.path("type").asText(), bad.body());
        assertEquals("invalid_request_error", error.at("/error/type").asText(), bad.body());
    }

    @Test
    void theResponsesApiAnswersStoresAndRetrieves() throws Exception {
        HttpApiResponse created = function.call(HttpApiEvent.postJson("/v1/responses", "{\"model\": \"duo\", "
                + "\"instructions\": \"Be brief.\", \"input\": [{\"type\": \"message\", \"role\": \"user\", "
                + "\"content\": [{\"type\": \"input_text\", \"text\": \"Hi\"}]}]}"));

        assertEquals(200, created.statusCode(), created.body());
        JsonNode response = JSON.readTree(created.body());
        assertEquals("response", response.path("object").asText(), created.body());
        assertEquals("completed", response.path("status").asText(), created.body());
        String id = response.path("id").asText();
        assertTrue(id.startsWith("resp_"), created.body());
        assertEquals("answer from agg", response.at("/output/0/content/0/text").asText(), created.body());
        assertTrue(response.at("/usage/total_tokens").asLong() > 0, created.body());

        HttpApiResponse stored = function.call(HttpApiEvent.route("GET /v1/responses/{id}", "/v1/responses/" + id,
                Map.of("id", id)));
        assertEquals(200, stored.statusCode(), stored.body());
        assertEquals(id, JSON.readTree(stored.body()).path("id").asText(), stored.body());

        HttpApiResponse items = function.call(HttpApiEvent.route("GET /v1/responses/{id}/input_items",
                "/v1/responses/" + id + "/input_items", Map.of("id", id)));
        assertEquals(200, items.statusCode(), items.body());
        assertEquals("list", JSON.readTree(items.body()).path("object").asText(), items.body());

        HttpApiResponse unknown = function.call(HttpApiEvent.postJson("/v1/responses", "{\"model\": \"duo\", "
                + "\"input\": \"Hi\", \"previous_response_id\": \"resp_0000000000000000\"}"));
        assertEquals(404, unknown.statusCode(), unknown.body());
        assertTrue(JSON.readTree(unknown.body()).path("error").isObject(), unknown.body());
    }
}
