package dev.moa.api.messages;

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
import io.restassured.response.Response;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The requests Claude Code really sends (captured, see {@code src/test/resources/claude-code/README.md}), replayed
 * through a mix: whole, streamed, and the tool round trip (a {@code Read} tool_use, then its tool_result).
 */
@QuarkusTest
@WithTestResource(UpstreamResource.class)
class ClaudeCodeReplayTest extends UpstreamTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @BeforeEach
    void mix() {
        store.mix("cc-mix", AnthropicSdkTest.mix("cc"));
    }

    @Test
    void theFirstTurnWholeReachesTheAggregatorWithClaudeCodesToolsAndSystemTurns() throws IOException {
        JsonNode captured = fixture("first-turn.json");
        ObjectNode body = ((ObjectNode) captured.path("body").deepCopy()).put("stream", false);
        Response response = replay(captured, body);
        assertEquals(200, response.statusCode(), response.asString());
        assertEquals("message", response.path("type"));
        assertEquals("answer from cc-agg", response.path("content[0].text"));
        assertEquals("end_turn", response.path("stop_reason"));

        JsonNode sent = upstream.only("cc-agg").body();
        assertEquals(body.path("tools").size(), sent.path("tools").size(), "every tool reaches the aggregator");
        assertEquals("Bash", sent.at("/tools/1/function/name").asText());
        assertEquals(body.at("/tools/1/input_schema"), sent.at("/tools/1/function/parameters"));
        List<JsonNode> proposer = upstream.only("cc-p1").messages();
        assertEquals("system", proposer.get(0).path("role").asText());
        assertTrue(proposer.get(0).path("content").asText().contains(body.at("/system/2/text").asText()),
                "the system blocks, joined, as the system turn");
        assertTrue(proposer.stream().anyMatch(m -> m.path("role").asText().equals("system")
                        && m.path("content").asText().startsWith("Available agent types")),
                "the mid-conversation system message is kept");
    }

    @Test
    void theFirstTurnStreamedIsAnthropicsEventSequence() throws IOException {
        upstream.script("cc-agg", FakeUpstream.Streamed.of("The file ", "says hello."));
        JsonNode captured = fixture("first-turn.json");
        Response response = replay(captured, captured.path("body"));
        assertEquals(200, response.statusCode(), response.asString());
        assertTrue(response.contentType().startsWith("text/event-stream"), response.contentType());
        List<Map.Entry<String, JsonNode>> events = events(response.asString());
        List<String> types = events.stream().map(Map.Entry::getKey).filter(t -> !t.equals("ping")).toList();
        assertEquals(List.of("message_start", "content_block_start", "content_block_delta", "content_block_delta",
                "content_block_stop", "message_delta", "message_stop"), types);
        for (Map.Entry<String, JsonNode> event : events) {
            assertEquals(event.getKey(), event.getValue().path("type").asText(), "the data names its event");
        }
        JsonNode start = data(events, "message_start");
        assertTrue(start.at("/message/id").asText().startsWith("msg_"));
        assertEquals("cc-mix", start.at("/message/model").asText());
        StringBuilder text = new StringBuilder();
        events.stream().filter(e -> e.getKey().equals("content_block_delta"))
                .forEach(e -> text.append(e.getValue().at("/delta/text").asText()));
        assertEquals("The file says hello.", text.toString());
        JsonNode delta = data(events, "message_delta");
        assertEquals("end_turn", delta.at("/delta/stop_reason").asText());
        assertTrue(delta.at("/usage/output_tokens").asLong() > 0, delta.toString());
    }

    @Test
    void theToolRoundTripStreamsATool_useAndTakesItsResultBack() throws IOException {
        upstream.script("cc-agg", FakeUpstream.CallTools.of(
                new FakeUpstream.Call("toolu_mix1", "Read", "{\"file_path\":\"/tmp/cc/work/hello.txt\"}")),
                new FakeUpstream.Answer("The file says hello.", "stop"));
        JsonNode first = fixture("first-turn.json");
        List<Map.Entry<String, JsonNode>> events = events(replay(first, first.path("body")).asString());
        JsonNode blockStart = data(events, "content_block_start");
        assertEquals("tool_use", blockStart.at("/content_block/type").asText(), events.toString());
        assertEquals("Read", blockStart.at("/content_block/name").asText());
        assertEquals("toolu_mix1", blockStart.at("/content_block/id").asText());
        StringBuilder input = new StringBuilder();
        events.stream().filter(e -> e.getKey().equals("content_block_delta"))
                .forEach(e -> input.append(e.getValue().at("/delta/partial_json").asText()));
        assertEquals(JSON.readTree("{\"file_path\":\"/tmp/cc/work/hello.txt\"}"), JSON.readTree(input.toString()));
        assertEquals("tool_use", data(events, "message_delta").at("/delta/stop_reason").asText());

        JsonNode second = fixture("tool-result-turn.json");
        List<Map.Entry<String, JsonNode>> answer = events(replay(second, second.path("body")).asString());
        assertEquals("end_turn", data(answer, "message_delta").at("/delta/stop_reason").asText(), answer.toString());
        List<Recorded> calls = upstream.requests("cc-agg");
        List<JsonNode> turns = calls.get(calls.size() - 1).messages();
        JsonNode result = turns.get(turns.size() - 1);
        assertEquals("tool", result.path("role").asText());
        assertEquals("toolu_capture1", result.path("tool_call_id").asText());
        assertTrue(result.path("content").asText().contains("hello from the fixture file"), result.toString());
        assertEquals("Read", turns.get(turns.size() - 2).at("/tool_calls/0/function/name").asText());
    }

    private static Response replay(JsonNode captured, JsonNode body) {
        var request = given().contentType(ContentType.JSON).header("x-api-key", "sk-ant-replay");
        captured.path("headers").fields().forEachRemaining(h -> {
            if (h.getKey().startsWith("anthropic-")) {
                request.header(h.getKey(), h.getValue().asText());
            }
        });
        return request.body(body.toString()).when().post(captured.path("path").asText());
    }

    private static JsonNode fixture(String name) throws IOException {
        return JSON.readTree(Files.readString(Path.of("src/test/resources/claude-code", name)));
    }

    static List<Map.Entry<String, JsonNode>> events(String stream) throws IOException {
        List<Map.Entry<String, JsonNode>> events = new ArrayList<>();
        for (String frame : stream.split("\n\n")) {
            String event = null;
            String data = null;
            for (String line : frame.split("\n")) {
                if (line.startsWith("event: ")) {
                    event = line.substring(7);
                } else if (line.startsWith("data: ")) {
                    data = line.substring(6);
                }
            }
            if (event != null) {
                events.add(Map.entry(event, JSON.readTree(data)));
            }
        }
        return events;
    }

    static JsonNode data(List<Map.Entry<String, JsonNode>> events, String type) {
        return events.stream().filter(e -> e.getKey().equals(type)).map(Map.Entry::getValue).findFirst()
                .orElseThrow(() -> new AssertionError("no " + type + " in " + events));
    }
}
