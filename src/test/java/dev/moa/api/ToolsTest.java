package dev.moa.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.moa.engine.ReferenceInjector;
import dev.moa.engine.ToolRendering;
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

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Agents through a mix: tools, tool calls, tool results and structured output, end to end over HTTP. */
@QuarkusTest
@WithTestResource(UpstreamResource.class)
class ToolsTest extends UpstreamTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static final String WEATHER_PARAMETERS = """
            {"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}""";
    private static final String TOOLS = """
            [{"type": "function", "function": {"name": "get_weather", "description": "The current weather in a city.",
              "parameters": %s}},
             {"type": "function", "function": {"name": "get_time", "description": "The local time in a city.",
              "parameters": {"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}}}]"""
            .formatted(WEATHER_PARAMETERS);

    /** What a describe layer's system message says about {@link #TOOLS}. */
    private static final String DESCRIBED_TOOLS = ToolRendering.TOOLS_INTRO + "\n"
            + "\n- get_weather: The current weather in a city.\n  Arguments (JSON schema): " + WEATHER_PARAMETERS
            + "\n- get_time: The local time in a city.\n  Arguments (JSON schema): " + WEATHER_PARAMETERS;

    @BeforeEach
    void mixes() {
        store.mix("agentic", """
                {"layers": [
                   {"agents": [{"provider": "fake", "model": "p1"}, {"provider": "fake", "model": "p2"}]},
                   {"agents": [{"provider": "fake", "model": "agg"}]}]}""");
        store.mix("passing", """
                {"layers": [
                   {"agents": [{"provider": "fake", "model": "pp1"}, {"provider": "fake", "model": "pp2"}],
                    "tools": "pass"},
                   {"agents": [{"provider": "fake", "model": "pagg"}]}]}""");
        store.mix("omitting", """
                {"layers": [
                   {"agents": [{"provider": "fake", "model": "o1"}], "tools": "omit"},
                   {"agents": [{"provider": "fake", "model": "oagg"}]}]}""");
    }

    private static Response post(String body) {
        return given().contentType(ContentType.JSON).body(body).when().post("/v1/chat/completions");
    }

    private static JsonNode read(String json) {
        try {
            return JSON.readTree(json);
        } catch (Exception e) {
            throw new IllegalArgumentException(json, e);
        }
    }

    private static JsonNode msg(String role, String content) {
        return JSON.createObjectNode().put("role", role).put("content", content);
    }

    private static void assertAlternates(List<JsonNode> messages) {
        String previous = null;
        for (JsonNode m : messages) {
            String role = m.path("role").asText();
            assertTrue(List.of("system", "user", "assistant").contains(role), "text roles only: " + messages);
            if (!role.equals("system")) {
                assertFalse(role.equals(previous), "two " + role + " turns in a row: " + messages);
            }
            previous = role;
        }
    }

    @Test
    void anAgentLoopThroughTheMixTheAggregatorCallsTheToolAndTheNextTurnUsesTheResult() {
        upstream.script("agg", new FakeUpstream.UseTools("{\"city\": \"Paris\"}"));

        // Turn 1: the agent offers tools; the aggregator calls one.
        JsonNode first = read(post("""
                {"model": "agentic", "tools": %s, "messages": [
                  {"role": "system", "content": "You are a travel assistant."},
                  {"role": "user", "content": "Weather in Paris?"}]}""".formatted(TOOLS))
                .then().statusCode(200).extract().asString());
        JsonNode choice = first.path("choices").path(0);
        assertEquals("tool_calls", choice.path("finish_reason").asText());
        assertTrue(choice.path("message").has("content") && choice.path("message").get("content").isNull(),
                "content is null when the aggregator only called a tool");
        JsonNode call = choice.path("message").path("tool_calls").path(0);
        String callId = call.path("id").asText();
        assertTrue(callId.startsWith("call_agg_"), callId);
        assertEquals("function", call.path("type").asText());
        assertEquals("get_weather", call.path("function").path("name").asText());
        assertEquals("{\"city\": \"Paris\"}", call.path("function").path("arguments").asText());

        for (String proposer : List.of("p1", "p2")) {
            Recorded p = upstream.only(proposer);
            assertTrue(p.body().path("tools").isMissingNode(), "proposers advise: no real tools");
            assertEquals(List.of(msg("system", "You are a travel assistant.\n\n" + DESCRIBED_TOOLS),
                    msg("user", "Weather in Paris?")), p.messages());
        }
        Recorded agg1 = upstream.only("agg");
        assertEquals(read(TOOLS), agg1.body().path("tools"), "the aggregator gets the tools exactly as sent");
        assertEquals("You are a travel assistant.\n\n" + ToolRendering.AGGREGATOR_NOTE + "\n\n"
                + ReferenceInjector.DEFAULT_PROMPT + "\n\n1. answer from p1\n\n2. answer from p2", agg1.system());

        // Turn 2: the agent ran the tool and sends its result; the answer uses it.
        upstream.reset();
        upstream.script("agg", new FakeUpstream.UseTools("{}"));
        ArrayNode messages = (ArrayNode) read("""
                [{"role": "system", "content": "You are a travel assistant."},
                 {"role": "user", "content": "Weather in Paris?"}]""");
        messages.add(choice.path("message"));
        messages.addObject().put("role", "tool").put("tool_call_id", callId).put("content", "Paris: 21 C, sunny");
        ObjectNode request = (ObjectNode) read("{\"model\": \"agentic\"}");
        request.set("tools", read(TOOLS));
        request.set("messages", messages);
        JsonNode second = read(post(request.toString()).then().statusCode(200).extract().asString());
        assertEquals("agg used Paris: 21 C, sunny", second.path("choices").path(0).path("message").path("content").asText());
        assertEquals("stop", second.path("choices").path(0).path("finish_reason").asText());
        assertTrue(second.path("choices").path(0).path("message").path("tool_calls").isMissingNode());

        for (String proposer : List.of("p1", "p2")) {
            List<JsonNode> got = upstream.only(proposer).messages();
            assertEquals(List.of(msg("system", "You are a travel assistant.\n\n" + DESCRIBED_TOOLS),
                    msg("user", "Weather in Paris?"),
                    msg("assistant", "Call get_weather with {\"city\": \"Paris\"} (call id " + callId + ")"),
                    msg("user", "Result of get_weather (call id " + callId + "):\nParis: 21 C, sunny")), got);
            assertAlternates(got);
        }
        List<JsonNode> agg2 = upstream.only("agg").messages();
        assertEquals(4, agg2.size());
        assertEquals("assistant", agg2.get(2).path("role").asText());
        assertEquals(choice.path("message").path("tool_calls"), agg2.get(2).path("tool_calls"),
                "the aggregator gets the assistant's tool calls unchanged, ids intact");
        assertEquals(JSON.createObjectNode().put("role", "tool").put("content", "Paris: 21 C, sunny")
                .put("tool_call_id", callId), agg2.get(3));
    }

    @Test
    void parallelToolCallsComeBackTogetherAndTheirResultsReachADescribeLayerAsOneUserTurn() {
        upstream.script("agg", FakeUpstream.CallTools.of(
                new FakeUpstream.Call("call_a", "get_weather", "{\"city\": \"Rome\"}"),
                new FakeUpstream.Call("call_b", "get_time", "{\"city\": \"Rome\"}")));
        String ask = """
                {"model": "agentic", "tools": %s, "parallel_tool_calls": true,
                 "messages": [{"role": "user", "content": "Rome?"}]%s}""";
        JsonNode answer = read(post(ask.formatted(TOOLS, "")).then().statusCode(200).extract().asString());
        JsonNode calls = answer.path("choices").path(0).path("message").path("tool_calls");
        assertEquals(2, calls.size());
        assertEquals("call_a", calls.path(0).path("id").asText());
        assertEquals("get_time", calls.path(1).path("function").path("name").asText());
        assertEquals(true, upstream.requests("agg").get(0).body().path("parallel_tool_calls").asBoolean(false));

        // Streamed, the calls arrive as OpenAI tool-call deltas, one index each.
        String stream = post(ask.formatted(TOOLS, ", \"stream\": true")).then().statusCode(200).extract().asString();
        List<JsonNode> deltas = new ArrayList<>();
        String finish = null;
        for (String line : stream.split("\n")) {
            if (line.startsWith("data: {")) {
                JsonNode chunk = read(line.substring(6));
                JsonNode c = chunk.path("choices").path(0);
                c.path("delta").path("tool_calls").forEach(deltas::add);
                if (c.path("finish_reason").isTextual()) {
                    finish = c.path("finish_reason").asText();
                }
            }
        }
        assertEquals(2, deltas.size(), stream);
        assertEquals(0, deltas.get(0).path("index").asInt());
        assertEquals("call_a", deltas.get(0).path("id").asText());
        assertEquals("get_weather", deltas.get(0).path("function").path("name").asText());
        assertEquals("{\"city\": \"Rome\"}", deltas.get(0).path("function").path("arguments").asText());
        assertEquals(1, deltas.get(1).path("index").asInt());
        assertEquals("tool_calls", finish);

        // The results go back; a describe layer gets them as text, in valid alternation.
        upstream.reset();
        post("""
                {"model": "agentic", "tools": %s, "messages": [
                  {"role": "user", "content": "Rome?"},
                  {"role": "assistant", "content": "Let me check.", "tool_calls": [
                    {"id": "call_a", "type": "function", "function": {"name": "get_weather", "arguments": "{\\"city\\": \\"Rome\\"}"}},
                    {"id": "call_b", "type": "function", "function": {"name": "get_time", "arguments": "{\\"city\\": \\"Rome\\"}"}}]},
                  {"role": "tool", "tool_call_id": "call_a", "content": "25 C"},
                  {"role": "tool", "tool_call_id": "call_b", "content": [{"type": "text", "text": "14:05"}]},
                  {"role": "user", "content": "And is it late?"}]}""".formatted(TOOLS)).then().statusCode(200);
        List<JsonNode> got = upstream.only("p1").messages();
        assertEquals(List.of(msg("system", DESCRIBED_TOOLS), msg("user", "Rome?"),
                msg("assistant", "Let me check.\n\nCall get_weather with {\"city\": \"Rome\"} (call id call_a)\n"
                        + "Call get_time with {\"city\": \"Rome\"} (call id call_b)"),
                msg("user", "Result of get_weather (call id call_a):\n25 C\n\nResult of get_time (call id call_b):\n"
                        + "14:05\n\nAnd is it late?")), got);
        assertAlternates(got);
        List<JsonNode> agg = upstream.only("agg").messages();
        assertEquals(List.of("user", "assistant", "tool", "tool", "user"),
                agg.stream().filter(m -> !m.path("role").asText().equals("system")).map(m -> m.path("role").asText())
                        .toList(), "the aggregator gets every turn as sent");
    }

    @Test
    void aToolCallWithoutAnIdFromTheProviderGetsOneSoTheClientCanAnswerIt() {
        upstream.script("agg", FakeUpstream.CallTools.of(new FakeUpstream.Call(null, "get_weather", "{}")));
        JsonNode call = read(post("""
                {"model": "agentic", "tools": %s, "messages": [{"role": "user", "content": "Paris?"}]}""".formatted(TOOLS))
                .then().statusCode(200).extract().asString()).path("choices").path(0).path("message").path("tool_calls").path(0);
        assertTrue(call.path("id").asText().matches("call_[0-9a-f]{32}"), call.toString());
    }

    @Test
    void toolChoiceRequiredAndANamedFunctionReachTheAggregatorAndAreDescribedToProposers() {
        post("""
                {"model": "agentic", "tools": %s, "tool_choice": "required", "parallel_tool_calls": false,
                 "messages": [{"role": "user", "content": "Go"}]}""".formatted(TOOLS)).then().statusCode(200);
        JsonNode agg = upstream.only("agg").body();
        assertEquals("required", agg.path("tool_choice").asText());
        assertFalse(agg.path("parallel_tool_calls").asBoolean(true));
        String proposer = upstream.only("p1").system();
        assertTrue(proposer.endsWith("\n\nThe final answer must call at least one of these tools.\n"
                + "The final answer may call at most one tool."), proposer);
        assertTrue(upstream.only("p1").body().path("tool_choice").isMissingNode());

        upstream.reset();
        String named = "{\"type\": \"function\", \"function\": {\"name\": \"get_time\"}}";
        post("""
                {"model": "agentic", "tools": %s, "tool_choice": %s,
                 "messages": [{"role": "user", "content": "Go"}]}""".formatted(TOOLS, named)).then().statusCode(200);
        assertEquals(read(named), upstream.only("agg").body().path("tool_choice"));
        assertTrue(upstream.only("p2").system().endsWith("The final answer must call the tool get_time."));
    }

    @Test
    void aProposersToolCallReachesTheAggregatorAsATextReference() {
        upstream.script("pp1", FakeUpstream.CallTools.of(
                new FakeUpstream.Call("call_p", "get_weather", "{\"city\": \"Paris\"}")));
        JsonNode answer = read(post("""
                {"model": "passing", "tools": %s, "tool_choice": "auto", "moa": {"trace": true},
                 "messages": [{"role": "user", "content": "Paris?"}]}""".formatted(TOOLS))
                .then().statusCode(200).extract().asString());
        JsonNode pp1 = upstream.only("pp1").body();
        assertEquals(read(TOOLS), pp1.path("tools"), "a pass layer gets the real tools");
        assertEquals("auto", pp1.path("tool_choice").asText());
        assertEquals(null, upstream.only("pp1").system(), "nothing described to a pass layer");
        assertEquals(ToolRendering.AGGREGATOR_NOTE + "\n\n" + ReferenceInjector.DEFAULT_PROMPT
                + "\n\n1. Call get_weather with {\"city\": \"Paris\"}\n\n2. answer from pp2", upstream.only("pagg").system());
        JsonNode traced = answer.path("moa").path("layers").path(0).path("agents").path(0);
        assertEquals("get_weather", traced.path("tool_calls").path(0).path("function").path("name").asText());
        assertEquals("answer from pagg", answer.path("choices").path(0).path("message").path("content").asText());
    }

    @Test
    void anOmitLayerGetsNoToolDefinitionsButTheToolTurnsAsText() {
        post("""
                {"model": "omitting", "tools": %s, "messages": [
                  {"role": "user", "content": "Paris?"},
                  {"role": "assistant", "tool_calls": [{"id": "c1", "type": "function",
                    "function": {"name": "get_weather", "arguments": "{}"}}]},
                  {"role": "tool", "tool_call_id": "c1", "content": "rain"}]}""".formatted(TOOLS)).then().statusCode(200);
        Recorded o1 = upstream.only("o1");
        assertTrue(o1.body().path("tools").isMissingNode());
        assertEquals(List.of(msg("user", "Paris?"), msg("assistant", "Call get_weather with {} (call id c1)"),
                msg("user", "Result of get_weather (call id c1):\nrain")), o1.messages());
    }

    private static final String CITY_SCHEMA = """
            {"type": "json_schema", "json_schema": {"name": "city_weather", "strict": true, "schema":
              {"type": "object", "properties": {"city": {"type": "string"}, "temp_c": {"type": "number"}},
               "required": ["city", "temp_c"], "additionalProperties": false}}}""";

    @Test
    void aJsonSchemaAnswerThatIsNotJsonIsAskedForOnceMoreWithTheErrorCountedInUsageAndTrace() {
        upstream.script("agg", new FakeUpstream.Answer("Sure! {\"city\": \"Paris\"}", "stop"),
                new FakeUpstream.Answer("{\"city\": \"Paris\", \"temp_c\": 21}", "stop"));
        JsonNode answer = read(post("""
                {"model": "agentic", "response_format": %s, "moa": {"trace": true},
                 "messages": [{"role": "user", "content": "Paris weather as JSON"}]}""".formatted(CITY_SCHEMA))
                .then().statusCode(200).extract().asString());
        assertEquals("{\"city\": \"Paris\", \"temp_c\": 21}",
                answer.path("choices").path(0).path("message").path("content").asText());

        List<Recorded> aggCalls = upstream.requests("agg");
        assertEquals(2, aggCalls.size(), "one retry");
        assertEquals(read(CITY_SCHEMA), aggCalls.get(0).body().path("response_format"), "as sent");
        List<JsonNode> retry = aggCalls.get(1).messages();
        assertEquals(aggCalls.get(0).messages(), retry.subList(0, retry.size() - 2));
        assertEquals(msg("assistant", "Sure! {\"city\": \"Paris\"}"), retry.get(retry.size() - 2));
        String complaint = retry.get(retry.size() - 1).path("content").asText();
        assertTrue(complaint.startsWith("That answer cannot be used: the answer is not valid JSON"), complaint);

        Recorded p1 = upstream.only("p1");
        assertTrue(p1.body().path("response_format").isMissingNode(), "proposers get the format described");
        assertTrue(p1.system().startsWith("The final answer must be valid JSON and nothing else (no prose, no code "
                + "fences), matching the JSON schema \"city_weather\":\n{\"type\":\"object\""), p1.system());

        long tokens = upstream.requests().stream().mapToLong(r -> r.usage().path("total_tokens").asLong()).sum();
        assertEquals(tokens, answer.path("usage").path("total_tokens").asLong(), "the retry counts in usage");
        JsonNode check = answer.path("moa").path("output_check");
        assertEquals("json_schema", check.path("format").asText());
        assertTrue(check.path("valid").asBoolean());
        assertTrue(check.path("retried").asBoolean());
        assertEquals(1, check.path("errors").size());
        assertEquals("{\"city\": \"Paris\", \"temp_c\": 21}", check.path("retry").path("output").asText());
        assertEquals(aggCalls.get(1).usage().path("total_tokens").asLong(),
                check.path("retry").path("usage").path("total_tokens").asLong());
    }

    @Test
    void aStrictSchemaAnswerThatFailsTwiceIsReturnedAsGivenAndTheTraceSaysSo() {
        upstream.script("agg", new FakeUpstream.Answer("{\"city\": 3}", "stop"));
        JsonNode answer = read(post("""
                {"model": "agentic", "response_format": %s, "moa": {"trace": true},
                 "messages": [{"role": "user", "content": "Paris weather as JSON"}]}""".formatted(CITY_SCHEMA))
                .then().statusCode(200).extract().asString());
        assertEquals("{\"city\": 3}", answer.path("choices").path(0).path("message").path("content").asText());
        assertEquals(2, upstream.requests("agg").size(), "asked once more, not again");
        JsonNode check = answer.path("moa").path("output_check");
        assertFalse(check.path("valid").asBoolean(true));
        assertTrue(check.path("retried").asBoolean());
        assertEquals(2, check.path("errors").size());
        assertTrue(check.path("errors").path(0).asText().startsWith("the answer does not match the JSON schema: "),
                check.toString());
        assertTrue(check.path("errors").path(1).asText().contains("temp_c"), check.toString());
    }

    @Test
    void aValidJsonObjectAnswerIsNotAskedAgain() {
        upstream.script("agg", new FakeUpstream.Answer(" {\"ok\": true}\n", "stop"));
        JsonNode answer = read(post("""
                {"model": "agentic", "response_format": {"type": "json_object"}, "moa": {"trace": true},
                 "messages": [{"role": "user", "content": "JSON please"}]}""")
                .then().statusCode(200).extract().asString());
        assertEquals(1, upstream.requests("agg").size());
        assertEquals(Map.of("format", "json_object", "valid", true, "retried", false),
                JSON.convertValue(answer.path("moa").path("output_check"), Map.class));
        assertTrue(upstream.only("p1").system().startsWith("The final answer must be a single valid JSON object"));
    }

    @Test
    void perCallFieldsGoToTheAggregatorAndAMixSetsThemPerAgent() {
        store.mix("seeded", """
                {"layers": [
                   {"agents": [{"provider": "fake", "model": "s1", "seed": 7, "reasoning_effort": "low"}]},
                   {"agents": [{"provider": "fake", "model": "sagg", "seed": 1, "user": "mix-user"}]}]}""");
        post("""
                {"model": "seeded", "seed": 42, "user": "client", "presence_penalty": 0.5, "logit_bias": {"50256": -100},
                 "metadata": {"team": "a"}, "service_tier": "flex", "reasoning_effort": "high",
                 "messages": [{"role": "user", "content": "x"}]}""").then().statusCode(200);
        JsonNode proposer = upstream.only("s1").body();
        assertEquals(7, proposer.path("seed").asLong());
        assertEquals("low", proposer.path("reasoning_effort").asText());
        assertTrue(proposer.path("user").isMissingNode() && proposer.path("metadata").isMissingNode());
        JsonNode agg = upstream.only("sagg").body();
        assertEquals(1, agg.path("seed").asLong(), "the mix's value wins for its agent");
        assertEquals("mix-user", agg.path("user").asText());
        assertEquals(0.5, agg.path("presence_penalty").asDouble());
        assertEquals(read("{\"50256\": -100}"), agg.path("logit_bias"));
        assertEquals(read("{\"team\": \"a\"}"), agg.path("metadata"));
        assertEquals("flex", agg.path("service_tier").asText());
        assertEquals("high", agg.path("reasoning_effort").asText());
    }

    @Test
    void whatAMixCannotDoIsRefusedNamingTheFieldOrMessage() {
        Map<String, String> refused = Map.of(
                "messages[1].tool_call_id", """
                        "messages": [{"role": "user", "content": "x"}, {"role": "tool", "tool_call_id": "nope", "content": "r"}]""",
                "messages[0].role", """
                        "messages": [{"role": "function", "name": "f", "content": "r"}]""",
                "messages[0].content[0]", """
                        "messages": [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "http://x"}}]}]""",
                "logprobs", """
                        "logprobs": true, "messages": [{"role": "user", "content": "x"}]""",
                "modalities", """
                        "modalities": ["text", "audio"], "messages": [{"role": "user", "content": "x"}]""",
                "n", """
                        "n": 2, "messages": [{"role": "user", "content": "x"}]""",
                "tool_choice", """
                        "tools": %s, "tool_choice": {"type": "function", "function": {"name": "launch"}},
                        "messages": [{"role": "user", "content": "x"}]""".formatted(TOOLS),
                "response_format", """
                        "response_format": {"type": "xml"}, "messages": [{"role": "user", "content": "x"}]""",
                "tools[0].type", """
                        "tools": [{"type": "web_search"}], "messages": [{"role": "user", "content": "x"}]""");
        refused.forEach((param, fields) -> {
            JsonNode error = read(post("{\"model\": \"agentic\", " + fields + "}").then().statusCode(400).extract()
                    .asString()).path("error");
            assertEquals(param, error.path("param").asText(), error.toString());
            assertEquals("invalid_request_error", error.path("type").asText());
        });
        assertTrue(upstream.requests().isEmpty(), "nothing refused reached a provider");
    }

    @Test
    void anAssistantToolCallWithoutItsToolAnswerIsRefusedNamingTheMessageAndTheCall() {
        JsonNode error = read(post("""
                {"model": "agentic", "tools": %s, "messages": [
                  {"role": "user", "content": "Weather and time in Oslo?"},
                  {"role": "assistant", "content": null, "tool_calls": [
                    {"id": "call_a", "type": "function", "function": {"name": "get_weather", "arguments": "{}"}},
                    {"id": "call_b", "type": "function", "function": {"name": "get_time", "arguments": "{}"}}]},
                  {"role": "tool", "tool_call_id": "call_a", "content": "25 C"},
                  {"role": "user", "content": "And?"}]}""".formatted(TOOLS)).then().statusCode(400).extract()
                .asString()).path("error");

        assertEquals("messages[1]", error.path("param").asText(), error.toString());
        assertTrue(error.path("message").asText().contains("did not have response messages: call_b"), error.toString());
        assertTrue(upstream.requests().isEmpty(), "nothing refused reached a provider");
    }
}
