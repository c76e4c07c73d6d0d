package dev.moa.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.moa.batch.BatchDirResource;
import dev.moa.testing.FakeUpstream;
import dev.moa.testing.FakeUpstream.Recorded;
import dev.moa.testing.Poll;
import dev.moa.testing.TestStore;
import dev.moa.testing.UpstreamResource;
import dev.moa.testing.UpstreamTest;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.hasItem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code <provider>/<model>} as {@code model}: one call to that model, no mixing, everything else as for a mix. */
@QuarkusTest
@WithTestResource(UpstreamResource.class)
@WithTestResource(BatchDirResource.class)
class DirectModelTest extends UpstreamTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @BeforeEach
    void providers() {
        store.provider("priced", """
                {"protocol": "openai", "base_url": "%s",
                 "pricing": {"default": {"input_per_mtok": 2, "output_per_mtok": 10}}}"""
                .formatted(upstream.baseUrl()));
    }

    private static Response post(String body) {
        return given().contentType(ContentType.JSON).body(body).when().post("/v1/chat/completions");
    }

    @Test
    void oneCallToThatModelWithTheConversationAsSentAndTheClientsSampling() throws Exception {
        String body = post("""
                {"model": "fake/solo-model", "temperature": 0.3, "max_tokens": 77, "moa": {"trace": true},
                 "messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"}]}""")
                .then().statusCode(200)
                .body("model", equalTo("fake/solo-model"))
                .body("choices[0].message.content", equalTo("answer from solo-model"))
                .extract().asString();

        assertEquals(1, upstream.requests().size(), "no mixing: one call");
        Recorded call = upstream.only("solo-model");
        assertEquals(List.of(msg("system", "Be brief."), msg("user", "Hi")), call.messages(),
                "the conversation exactly as sent, no references, no prompt of ours");
        assertEquals(0.3, call.body().path("temperature").asDouble());
        assertEquals(77, call.body().path("max_tokens").asInt());
        assertEquals("Bearer " + TestStore.SECRET_KEY, call.header("authorization"), "the provider's own key");

        JsonNode reply = JSON.readTree(body);
        assertEquals(call.usage().path("total_tokens").asLong(), reply.at("/usage/total_tokens").asLong());
        JsonNode layers = reply.at("/moa/layers");
        assertEquals(1, layers.size(), reply.toString());
        assertEquals(1, layers.path(0).path("agents").size());
    }

    @Test
    void usageIsPricedByTheProvidersPricing() throws Exception {
        Response response = post("""
                {"model": "priced/m1", "messages": [{"role": "user", "content": "price me"}]}""");
        response.then().statusCode(200);
        Recorded call = upstream.only("m1");
        long in = call.usage().path("prompt_tokens").asLong();
        long out = call.usage().path("completion_tokens").asLong();
        BigDecimal expected = BigDecimal.valueOf(in * 2 + out * 10L).movePointLeft(6);
        JsonNode usage = JSON.readTree(response.asString()).path("usage");
        assertEquals(0, expected.compareTo(usage.path("cost").decimalValue()), usage.toString());
        assertEquals(0, expected.compareTo(new BigDecimal(response.header("x-moa-cost-usd"))));
    }

    @Test
    void streamsAsTheModelWrites() {
        upstream.script("streamer", FakeUpstream.Streamed.of("Hel", "lo"));
        String events = post("""
                {"model": "fake/streamer", "stream": true, "messages": [{"role": "user", "content": "Hi"}]}""")
                .then().statusCode(200).extract().asString();
        StringBuilder content = new StringBuilder();
        for (String line : events.split("\n")) {
            if (line.startsWith("data: {")) {
                content.append(read(line.substring(6)).at("/choices/0/delta/content").asText(""));
            }
        }
        assertEquals("Hello", content.toString());
        assertTrue(events.contains("data: [DONE]"));
        assertEquals(1, upstream.requests().size());
    }

    @Test
    void toolsPassToTheModelAndItsToolCallsComeBack() {
        String tools = """
                [{"type": "function", "function": {"name": "weather", "parameters": {"type": "object",
                  "properties": {"city": {"type": "string"}}}}}]""";
        upstream.script("tooler", new FakeUpstream.UseTools("{\\\"city\\\": \\\"Paris\\\"}"));
        post("""
                {"model": "fake/tooler", "tools": %s, "tool_choice": "auto",
                 "messages": [{"role": "user", "content": "Weather in Paris?"}]}""".formatted(tools))
                .then().statusCode(200)
                .body("choices[0].finish_reason", equalTo("tool_calls"))
                .body("choices[0].message.tool_calls[0].function.name", equalTo("weather"));
        assertEquals(read(tools), upstream.only("tooler").body().path("tools"), "the tools exactly as sent");
    }

    @Test
    void anUpstreamFailureIsTheUsualErrorObject() {
        upstream.script("broken", new FakeUpstream.Status(400, "bad things", Map.of()));
        post("""
                {"model": "fake/broken", "messages": [{"role": "user", "content": "x"}]}""")
                .then().statusCode(502).contentType(ContentType.JSON)
                .body("error.code", equalTo("upstream_failed"));
    }

    @Test
    void unknownProviderOrEmptyModelIsModelNotFound() {
        for (String model : List.of("nosuch/model", "fake/", "/model", "fake/a b")) {
            post("{\"model\": " + JSON.valueToTree(model) + ", \"messages\": [{\"role\": \"user\", \"content\": \"x\"}]}")
                    .then().statusCode(404).body("error.code", equalTo("model_not_found"));
        }
        assertEquals(List.of(), upstream.requests());
    }

    @Test
    void theMessagesEndpointTakesADirectModelToo() {
        given().contentType(ContentType.JSON).body("""
                        {"model": "fake/claude-ish", "max_tokens": 50, "messages": [{"role": "user", "content": "Hi"}]}""")
                .post("/v1/messages").then().statusCode(200)
                .body("type", equalTo("message"))
                .body("content[0].text", equalTo("answer from claude-ish"));
        assertEquals(1, upstream.requests().size(), "one call, no mixing");
        assertEquals(List.of(msg("user", "Hi")), upstream.only("claude-ish").messages());
    }

    @Test
    void theResponsesEndpointTakesADirectModelToo() throws Exception {
        given().contentType(ContentType.JSON).body("""
                        {"model": "fake/codex-ish", "store": false, "instructions": "Be brief.", "input": "Hi",
                         "temperature": 0.4}""")
                .post("/v1/responses").then().statusCode(200)
                .body("object", equalTo("response"))
                .body("status", equalTo("completed"))
                .body("model", equalTo("fake/codex-ish"))
                .body("output[0].content[0].text", equalTo("answer from codex-ish"));
        assertEquals(1, upstream.requests().size(), "one call, no mixing");
        Recorded call = upstream.only("codex-ish");
        assertEquals(List.of(msg("system", "Be brief."), msg("user", "Hi")), call.messages(),
                "the instructions and the input as sent, no references, no prompt of ours");
        assertEquals(0.4, call.body().path("temperature").asDouble());

        upstream.reset();
        upstream.script("codex-ish", FakeUpstream.Streamed.of("Hel", "lo"));
        String events = given().contentType(ContentType.JSON).body("""
                        {"model": "fake/codex-ish", "store": false, "stream": true, "input": "Hi"}""")
                .post("/v1/responses").then().statusCode(200).extract().asString();
        StringBuilder text = new StringBuilder();
        JsonNode completed = null;
        for (String line : events.split("\n")) {
            if (line.startsWith("data: {")) {
                JsonNode event = read(line.substring(6));
                if (event.path("type").asText().equals("response.output_text.delta")) {
                    text.append(event.path("delta").asText());
                } else if (event.path("type").asText().equals("response.completed")) {
                    completed = event.path("response");
                }
            }
        }
        assertEquals("Hello", text.toString(), events);
        assertTrue(completed != null, events);
        assertEquals("fake/codex-ish", completed.path("model").asText());
        assertEquals("Hello", completed.at("/output/0/content/0/text").asText(), completed.toString());
        assertEquals(1, upstream.requests().size(), "one streamed call, no mixing");
    }

    @Test
    void notListedAmongTheModels() {
        post("""
                {"model": "fake/solo-model", "messages": [{"role": "user", "content": "Hi"}]}""").then().statusCode(200);
        given().get("/v1/models").then().statusCode(200)
                .body("data.id", not(hasItem("fake/solo-model")));
    }

    @Test
    void aBatchLineMayNameADirectModel() {
        upstream.script("batched", new FakeUpstream.Echo());
        String input = """
                {"custom_id": "d1", "method": "POST", "url": "/v1/chat/completions", "body": {"model": "fake/batched", "messages": [{"role": "user", "content": "one"}]}}
                {"custom_id": "d2", "method": "POST", "url": "/v1/chat/completions", "body": {"model": "fake/batched", "messages": [{"role": "user", "content": "two"}]}}
                """;
        String fileId = given().multiPart("file", "direct.jsonl", input.getBytes(StandardCharsets.UTF_8))
                .multiPart("purpose", "batch").post("/v1/files").then().statusCode(200).extract().path("id");
        String batchId = given().contentType(ContentType.JSON).body("{\"input_file_id\": \"" + fileId
                        + "\", \"endpoint\": \"/v1/chat/completions\", \"completion_window\": \"24h\"}")
                .post("/v1/batches").then().statusCode(200).extract().path("id");
        Poll.until("the batch completes", Duration.ofSeconds(30), () -> "completed".equals(
                given().get("/v1/batches/" + batchId).then().extract().path("status")));
        String outputId = given().get("/v1/batches/" + batchId).then().extract().path("output_file_id");
        String output = given().get("/v1/files/" + outputId + "/content").then().statusCode(200).extract().asString();
        List<String> answers = output.lines().map(DirectModelTest::read)
                .map(line -> line.at("/response/body/choices/0/message/content").asText()).sorted().toList();
        assertEquals(List.of("batched heard one", "batched heard two"), answers);
        assertEquals(2, upstream.requests().size());
    }

    private static JsonNode msg(String role, String content) {
        return JSON.createObjectNode().put("role", role).put("content", content);
    }

    private static JsonNode read(String text) {
        try {
            return JSON.readTree(text);
        } catch (Exception e) {
            throw new AssertionError(text, e);
        }
    }
}
