package dev.moa.api.responses;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.moa.testing.FakeUpstream;
import dev.moa.testing.FakeUpstream.Recorded;
import dev.moa.testing.UpstreamResource;
import dev.moa.testing.UpstreamTest;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The request bodies Codex CLI 0.171.0 really sent (captured by running {@code codex exec} against a local server;
 * see docs/responses.md), replayed unchanged through a mix: a plain turn streamed (as Codex asks) and whole, and a
 * tool round trip — the turn where the model calls {@code exec_command}, then the turn carrying its output.
 */
@QuarkusTest
@WithTestResource(UpstreamResource.class)
class CodexReplayTest extends UpstreamTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @BeforeEach
    void mix() {
        // Codex names the model from its config.toml; the fixtures were captured with "codex-mix".
        store.mix("codex-mix", """
                {"layers": [{"agents": [{"provider": "fake", "model": "cx-p1"}, {"provider": "fake", "model": "cx-p2"}]},
                            {"agents": [{"provider": "fake", "model": "cx-agg"}]}]}""");
    }

    private static ObjectNode fixture(String name) throws IOException {
        try (InputStream in = CodexReplayTest.class.getResourceAsStream("/codex/" + name)) {
            return (ObjectNode) JSON.readTree(in);
        }
    }

    private static String post(JsonNode body, int status) {
        return given().contentType(ContentType.JSON).body(body.toString()).when().post("/v1/responses").then()
                .statusCode(status).extract().asString();
    }

    private static List<JsonNode> events(String stream) throws IOException {
        List<JsonNode> events = new ArrayList<>();
        for (String frame : stream.split("\n\n")) {
            if (!frame.isBlank() && !frame.startsWith(":")) {
                events.add(JSON.readTree(frame.substring(frame.indexOf("data: ") + 6)));
            }
        }
        return events;
    }

    private static JsonNode completed(List<JsonNode> events) {
        JsonNode last = events.get(events.size() - 1);
        assertEquals("response.completed", last.path("type").asText(), events.toString());
        return last.path("response");
    }

    @Test
    void aPlainTurnStreamedAsCodexAsksAndWhole() throws IOException {
        upstream.script("cx-agg", FakeUpstream.Streamed.of("Hello", " from", " the mix."));
        ObjectNode plain = fixture("plain.json");
        assertTrue(plain.path("stream").asBoolean(), "Codex streams");
        List<JsonNode> events = events(post(plain, 200));
        events.forEach(ResponsesSchemas::assertValidEvent);
        JsonNode response = completed(events);
        assertEquals("Hello from the mix.", response.at("/output/0/content/0/text").asText());
        assertEquals(false, response.path("store").asBoolean(), "Codex sends store: false");
        given().when().get("/v1/responses/" + response.path("id").asText()).then().statusCode(404);

        Recorded aggregator = upstream.requests("cx-agg").get(0);
        List<JsonNode> messages = aggregator.messages();
        assertTrue(messages.get(0).path("content").asText().contains("Codex"), "Codex's developer instructions");
        assertEquals("Say hello", messages.get(messages.size() - 1).path("content").asText());
        assertEquals(7, aggregator.body().path("tools").size(), "Codex's function tools reach the aggregator");
        assertEquals("exec_command", aggregator.body().at("/tools/0/function/name").asText());

        upstream.script("cx-agg", new FakeUpstream.Answer("Whole.", "stop"));
        plain.put("stream", false);
        JsonNode whole = JSON.readTree(post(plain, 200));
        ResponsesSchemas.assertValidResponse(whole);
        assertEquals("Whole.", whole.at("/output/0/content/0/text").asText());
    }

    @Test
    void aToolRoundTrip() throws IOException {
        upstream.script("cx-agg", new FakeUpstream.CallTools(null, List.of(
                        new FakeUpstream.Call("call_1", "exec_command", "{\"cmd\":\"echo hello-from-tool\"}"))),
                new FakeUpstream.Answer("It printed hello-from-tool.", "stop"));
        List<JsonNode> events = events(post(fixture("tool-call-turn.json"), 200));
        events.forEach(ResponsesSchemas::assertValidEvent);
        JsonNode call = completed(events).at("/output/0");
        assertEquals("function_call", call.path("type").asText());
        assertEquals("exec_command", call.path("name").asText());
        assertEquals("call_1", call.path("call_id").asText());
        assertEquals("{\"cmd\":\"echo hello-from-tool\"}", call.path("arguments").asText());
        assertTrue(events.stream().anyMatch(e -> e.path("type").asText()
                .equals("response.function_call_arguments.done")));

        // Codex ran the command and sent the whole conversation again, with the call and its output.
        JsonNode answer = completed(events(post(fixture("tool-result-turn.json"), 200)));
        assertEquals("It printed hello-from-tool.", answer.at("/output/0/content/0/text").asText());
        List<JsonNode> messages = upstream.requests("cx-agg").get(1).messages();
        JsonNode assistant = messages.get(messages.size() - 2);
        JsonNode result = messages.get(messages.size() - 1);
        assertEquals("call_1", assistant.at("/tool_calls/0/id").asText());
        assertEquals("exec_command", assistant.at("/tool_calls/0/function/name").asText());
        assertEquals("tool", result.path("role").asText());
        assertEquals("call_1", result.path("tool_call_id").asText());
        assertTrue(result.path("content").asText().contains("hello-from-tool"));
    }

    /** Codex's defaults add hosted web search and a tool namespace: a 400 naming the tool, nothing called. */
    @Test
    void codexDefaultsAreRefusedNamingTheTool() throws IOException {
        JsonNode error = JSON.readTree(post(fixture("default-config.json"), 400)).path("error");
        assertEquals("tools[4].type", error.path("param").asText());
        assertTrue(error.path("message").asText().contains("multi_agent = false"), error.toString());
        assertTrue(upstream.requests().isEmpty());
    }
}
