package dev.moa.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.moa.testing.FakeUpstream;
import dev.moa.testing.FakeUpstream.Recorded;
import dev.moa.testing.NodeTools;
import dev.moa.testing.UpstreamResource;
import dev.moa.testing.UpstreamTest;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A real agent framework, unchanged, as the mix's client: the OpenAI Agents SDK for JavaScript (installed by the
 * build, see {@link NodeTools}), over Chat Completions and over the Responses API, runs a tool-using task — the model asks for a tool, the SDK runs it and sends the
 * result, the model answers with it — over HTTP against the function.
 */
@QuarkusTest
@WithTestResource(UpstreamResource.class)
class AgentsSdkTest extends UpstreamTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** The same agents over Chat Completions and over the Responses API (the SDK's default). */
    @ParameterizedTest
    @ValueSource(strings = {"chat_completions", "responses"})
    void theOpenAiAgentsSdkCompletesAToolUsingTaskThroughAMix(String api) throws Exception {
        store.mix("agent-mix", """
                {"layers": [
                   {"agents": [{"provider": "fake", "model": "sdk-p1"}, {"provider": "fake", "model": "sdk-p2"}]},
                   {"agents": [{"provider": "fake", "model": "sdk-agg"}]}]}""");
        upstream.script("sdk-agg", new FakeUpstream.UseTools("{\"city\":\"Paris\"}"));
        store.mix("report-mix", """
                {"layers": [
                   {"agents": [{"provider": "fake", "model": "rep-p1"}]},
                   {"agents": [{"provider": "fake", "model": "rep-agg"}]}]}""");
        // The report's aggregator calls the tool, then answers with prose (not the JSON asked for), then, asked
        // once more with the error, with the JSON.
        upstream.script("rep-agg", FakeUpstream.CallTools.of(
                        new FakeUpstream.Call("call_rep", "get_weather", "{\"city\":\"Paris\"}")),
                new FakeUpstream.Answer("Paris is 21 C and sunny.", "stop"),
                new FakeUpstream.Answer("{\"city\": \"Paris\", \"summary\": \"21 C, sunny\"}", "stop"));

        Path dir = NodeTools.install(NodeTools.AGENTS_SDK);
        Path script = NodeTools.script(dir, "agents/weather-agent.mjs");
        NodeTools.Run run = NodeTools.node(dir, List.of(script.toString(),
                "http://localhost:" + RestAssured.port + "/v1", "agent-mix", "report-mix", api), 180);
        assertEquals(0, run.exitCode(), "stdout: " + run.stdout() + "\nstderr: " + run.stderr());
        String[] lines = run.stdout().strip().split("\n");
        JsonNode result = JSON.readTree(lines[lines.length - 1]);
        assertEquals("sdk-agg used Paris: 21 C, sunny", result.path("finalOutput").asText());
        assertEquals(JSON.readTree("[\"Paris\", \"Paris\"]"), result.path("toolCalls"),
                "the SDK ran the tool once per agent");
        assertEquals(JSON.readTree("{\"city\": \"Paris\", \"summary\": \"21 C, sunny\"}"), result.path("report"),
                "the SDK parsed the structured output the retry produced");

        List<Recorded> aggregator = upstream.requests("sdk-agg");
        assertEquals(2, aggregator.size(), "two model turns: the tool call, then the answer");
        JsonNode offered = aggregator.get(0).body().path("tools").path(0).path("function");
        assertEquals("get_weather", offered.path("name").asText());
        assertTrue(offered.path("strict").asBoolean(), "the SDK's tool definition arrives as it sent it");
        List<JsonNode> second = aggregator.get(1).messages();
        JsonNode call = second.get(second.size() - 2);
        JsonNode toolResult = second.get(second.size() - 1);
        assertEquals("get_weather", call.path("tool_calls").path(0).path("function").path("name").asText());
        String id = call.path("tool_calls").path(0).path("id").asText();
        assertTrue(id.startsWith("call_sdk-agg_"), "the id our response gave, back from the SDK: " + id);
        assertEquals("tool", toolResult.path("role").asText());
        assertEquals(id, toolResult.path("tool_call_id").asText());

        List<Recorded> report = upstream.requests("rep-agg");
        assertEquals(3, report.size(), "the tool call, the prose answer, the retry");
        JsonNode format = report.get(0).body().path("response_format");
        assertEquals("json_schema", format.path("type").asText());
        assertEquals("weather_report", format.path("json_schema").path("name").asText());
        assertTrue(format.path("json_schema").path("strict").asBoolean());
        List<JsonNode> retry = report.get(2).messages();
        assertTrue(retry.get(retry.size() - 1).path("content").asText()
                .startsWith("That answer cannot be used: the answer is not valid JSON"));
        assertTrue(upstream.requests("rep-p1").get(0).system().contains("matching the JSON schema \"weather_report\""));

        for (String proposer : List.of("sdk-p1", "sdk-p2")) {
            List<Recorded> turns = upstream.requests(proposer);
            assertEquals(2, turns.size());
            assertTrue(turns.get(1).body().path("tools").isMissingNode());
            List<JsonNode> messages = turns.get(1).messages();
            assertTrue(messages.get(0).path("content").asText().contains("- get_weather: The current weather in a city."));
            assertEquals("Result of get_weather (call id " + id + "):\nParis: 21 C, sunny",
                    messages.get(messages.size() - 1).path("content").asText());
        }
    }
}
