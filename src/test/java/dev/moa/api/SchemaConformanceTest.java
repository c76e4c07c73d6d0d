package dev.moa.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import dev.moa.testing.FakeUpstream;
import dev.moa.testing.UpstreamResource;
import dev.moa.testing.UpstreamTest;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Our responses and stream chunks validate against the official OpenAI OpenAPI description's schemas
 * (vendored in {@code src/test/resources/openai}, see ATTRIBUTION.md there): {@code refusal}, {@code logprobs},
 * {@code system_fingerprint}, the chunks' {@code choices}.
 */
@QuarkusTest
@WithTestResource(UpstreamResource.class)
class SchemaConformanceTest extends UpstreamTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static Schema completionSchema;
    private static Schema chunkSchema;

    @BeforeAll
    static void loadSchemas() throws IOException {
        JsonNode vendored;
        try (InputStream in = SchemaConformanceTest.class.getResourceAsStream("/openai/chat-completion-schemas.json")) {
            vendored = JSON.readTree(in);
        }
        completionSchema = schema(vendored, "CreateChatCompletionResponse");
        chunkSchema = schema(vendored, "CreateChatCompletionStreamResponse");
    }

    private static Schema schema(JsonNode vendored, String name) {
        ObjectNode root = vendored.deepCopy();
        root.put("$ref", "#/$defs/" + name);
        return SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12).getSchema(root);
    }

    @BeforeEach
    void mix() {
        store.mix("conform", """
                {"layers": [{"agents": [{"provider": "fake", "model": "s1"}, {"provider": "fake", "model": "s2"}]},
                            {"agents": [{"provider": "fake", "model": "sagg"}]}]}""");
        upstream.script("sagg", new FakeUpstream.Answer("the answer", "length"));
    }

    private static String body(String extra) {
        return "{\"model\": \"conform\", \"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]" + extra + "}";
    }

    private static void assertValid(Schema schema, JsonNode node) {
        List<Error> errors = schema.validate(node);
        assertTrue(errors.isEmpty(), errors + " in " + node);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", ", \"moa\": {\"trace\": true}"})
    void aCompletionValidates(String extra) throws IOException {
        String text = given().contentType(ContentType.JSON).body(body(extra)).when().post("/v1/chat/completions")
                .then().statusCode(200).extract().asString();
        JsonNode completion = JSON.readTree(text);
        assertValid(completionSchema, completion);
        JsonNode message = completion.at("/choices/0/message");
        assertTrue(message.has("refusal") && message.get("refusal").isNull(), message.toString());
        assertTrue(completion.at("/choices/0").has("logprobs") && completion.at("/choices/0/logprobs").isNull());
        assertFalse(completion.has("system_fingerprint"), "we have none, so we send none (it must be a string)");
        assertEquals("length", completion.at("/choices/0/finish_reason").asText());
    }

    @ParameterizedTest
    @ValueSource(strings = {", \"stream\": true", ", \"stream\": true, \"stream_options\": {\"include_usage\": true}",
            ", \"stream\": true, \"stream_options\": {\"include_usage\": true}, \"moa\": {\"trace\": true}"})
    void everyStreamChunkValidates(String extra) throws IOException {
        String text = given().contentType(ContentType.JSON).body(body(extra)).when().post("/v1/chat/completions")
                .then().statusCode(200).extract().asString();
        List<JsonNode> chunks = new ArrayList<>();
        for (String event : text.split("\n\n")) {
            assertTrue(event.startsWith("data: "), event);
            String data = event.substring(6);
            if (!data.equals("[DONE]")) {
                chunks.add(JSON.readTree(data));
            }
        }
        assertTrue(chunks.size() >= 3, text);
        chunks.forEach(chunk -> assertValid(chunkSchema, chunk));
        assertEquals("assistant", chunks.get(0).at("/choices/0/delta/role").asText());
        assertTrue(chunks.stream().anyMatch(c -> "length".equals(c.at("/choices/0/finish_reason").asText())));
    }

    /** The check can fail: a completion without {@code refusal}, as we sent it before, is rejected. */
    @Test
    void theSchemaRejectsAMessageWithoutRefusal() throws IOException {
        String text = given().contentType(ContentType.JSON).body(body("")).when().post("/v1/chat/completions")
                .then().statusCode(200).extract().asString();
        ObjectNode completion = (ObjectNode) JSON.readTree(text);
        ((ObjectNode) completion.at("/choices/0/message")).remove("refusal");
        assertFalse(completionSchema.validate(completion).isEmpty());
        ObjectNode chunk = JSON.createObjectNode().put("id", "x").put("object", "chat.completion.chunk")
                .put("created", 1).put("model", "m");
        chunk.putArray("choices").addObject().put("index", 0).putNull("finish_reason");
        assertFalse(chunkSchema.validate(chunk).isEmpty(), "a chunk choice needs a delta");
    }
}
