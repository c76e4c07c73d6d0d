package dev.moa.api.responses;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.moa.testing.FakeUpstream;
import dev.moa.testing.FakeUpstream.Recorded;
import dev.moa.testing.PythonTools;
import dev.moa.testing.UpstreamResource;
import dev.moa.testing.UpstreamTest;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code POST /v1/responses} through a mix against the in-test upstream: the official Python SDK unchanged
 * (create, stream, a function-tool loop over {@code previous_response_id}, retrieve, input items, delete), bodies and
 * events valid against the OpenAI schema, and bad input refused before any model is called, with nothing stored.
 */
@QuarkusTest
@WithTestResource(UpstreamResource.class)
class ResponsesApiTest extends UpstreamTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path STORED = Path.of("target/moa-responses");

    @BeforeEach
    void mixes() {
        store.mix("text-mix", """
                {"layers": [{"agents": [{"provider": "fake", "model": "t-p1"}, {"provider": "fake", "model": "t-p2"}]},
                            {"agents": [{"provider": "fake", "model": "t-agg"}]}]}""");
        store.mix("tool-mix", """
                {"layers": [{"agents": [{"provider": "fake", "model": "w-p1"}]},
                            {"agents": [{"provider": "fake", "model": "w-agg"}]}]}""");
    }

    private static JsonNode json(String text) {
        try {
            return JSON.readTree(text);
        } catch (IOException e) {
            throw new AssertionError(text, e);
        }
    }

    private static Response post(String body) {
        return given().contentType(ContentType.JSON).body(body).when().post("/v1/responses").then().extract()
                .response();
    }

    private static List<JsonNode> events(String stream) {
        List<JsonNode> events = new ArrayList<>();
        for (String frame : stream.split("\n\n")) {
            if (frame.startsWith(":") || frame.isBlank()) {
                continue;
            }
            String data = frame.substring(frame.indexOf("data: ") + 6);
            events.add(json(data));
        }
        return events;
    }

    private long usageOf(List<Recorded> calls, String field) {
        return calls.stream().mapToLong(r -> r.usage() == null ? 0 : r.usage().path(field).asLong()).sum();
    }

    @Test
    void theOfficialPythonSdkWorksUnchanged() throws Exception {
        upstream.script("t-agg", new FakeUpstream.Answer("Hello there.", "stop"),
                FakeUpstream.Streamed.of("Stream", "ed", " answer."), new FakeUpstream.Answer("Forgotten.", "stop"));
        upstream.script("w-agg", new FakeUpstream.UseTools("{\"city\":\"Paris\"}"));
        Path script = Path.of("src/test/resources/responses/sdk_responses.py").toAbsolutePath();
        Process process = new ProcessBuilder(PythonTools.pythonWithOpenAi().toString(), script.toString(),
                "http://localhost:" + RestAssured.port + "/v1", "text-mix", "tool-mix").redirectErrorStream(false)
                .start();
        if (!process.waitFor(300, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("the SDK script did not end");
        }
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, process.exitValue(), "stdout: " + out + "\nstderr: " + err);
        JsonNode seen = json(out.strip().lines().reduce((a, b) -> b).orElseThrow());

        JsonNode plain = seen.path("plain");
        assertEquals("completed", plain.path("status").asText());
        assertEquals("Hello there.", plain.path("output_text").asText());
        assertEquals("moa", plain.at("/metadata/suite").asText());
        assertTrue(plain.path("id").asText().startsWith("resp_"));

        JsonNode stream = seen.path("stream");
        assertEquals(json("[\"Stream\", \"ed\", \" answer.\"]"), stream.path("deltas"));
        assertEquals("Streamed answer.", stream.path("output_text").asText());
        List<String> types = new ArrayList<>();
        stream.path("types").forEach(t -> types.add(t.asText()));
        assertEquals("response.created", types.get(0));
        assertEquals("response.in_progress", types.get(1));
        assertEquals("response.completed", types.get(types.size() - 1));

        JsonNode tools = seen.path("tools");
        assertEquals("get_weather", tools.at("/calls/0/name").asText());
        assertEquals("{\"city\":\"Paris\"}", tools.at("/calls/0/arguments").asText());
        assertEquals("w-agg used Paris: 21 C, sunny", tools.path("answer").asText());
        List<Recorded> aggregator = upstream.requests("w-agg");
        assertEquals(2, aggregator.size());
        List<JsonNode> second = aggregator.get(1).messages();
        JsonNode call = second.get(second.size() - 2);
        JsonNode result = second.get(second.size() - 1);
        assertEquals("What is the weather in Paris?", second.get(second.size() - 3).path("content").asText(),
                "previous_response_id put the first turn back in front of the tool result");
        String callId = tools.at("/calls/0/call_id").asText();
        assertEquals(callId, call.at("/tool_calls/0/id").asText());
        assertEquals("tool", result.path("role").asText());
        assertEquals(callId, result.path("tool_call_id").asText());
        assertEquals("get_weather", aggregator.get(0).body().at("/tools/0/function/name").asText());
        assertTrue(aggregator.get(0).body().at("/tools/0/function/strict").asBoolean());

        JsonNode stored = seen.path("stored");
        assertEquals("function_call", stored.path("retrieved_output").asText());
        assertEquals(1, stored.path("input_items").size(), "a response's own input: the tool result");
        assertEquals("function_call_output", stored.at("/input_items/0/type").asText());
        assertEquals(404, seen.path("after_delete").asInt());
        assertEquals(404, seen.path("unstored").asInt());
        assertEquals(404, seen.path("deleted_previous").asInt());
        assertEquals(400, seen.at("/web_search/status").asInt());
        assertEquals("tools[0].type", seen.at("/web_search/param").asText());
    }

    /** Usage sums every call the mix made: both proposers and the aggregator. */
    @Test
    void usageIsSummedOverEveryUpstreamCall() {
        upstream.script("t-agg", new FakeUpstream.Answer("Sum it.", "stop"));
        JsonNode response = json(post("{\"model\": \"text-mix\", \"input\": \"count\"}").then().statusCode(200)
                .header("x-moa-cost-usd", "unknown").extract().asString());
        List<Recorded> calls = upstream.requests();
        assertEquals(3, calls.size());
        assertEquals(usageOf(calls, "prompt_tokens"), response.at("/usage/input_tokens").asLong());
        assertEquals(usageOf(calls, "completion_tokens"), response.at("/usage/output_tokens").asLong());
        assertEquals(usageOf(calls, "total_tokens"), response.at("/usage/total_tokens").asLong());
        assertEquals(3, response.at("/moa/cost_unpriced_calls").asInt(), "the fake provider has no price");
        assertFalse(response.path("usage").has("cost_unpriced_calls"), "not a field of the Responses API's usage");
    }

    /** Streamed, the completed response counts the unpriced calls under moa too, not in its usage. */
    @Test
    void theStreamsCompletedResponseCountsUnpricedCallsUnderMoa() throws Exception {
        upstream.script("t-agg", new FakeUpstream.Answer("Sum it.", "stop"));
        String events = post("{\"model\": \"text-mix\", \"input\": \"count\", \"stream\": true}").then()
                .statusCode(200).extract().asString();
        JsonNode completed = null;
        for (String line : events.split("\n")) {
            if (line.startsWith("data: ") && json(line.substring(6)).path("type").asText().equals("response.completed")) {
                completed = json(line.substring(6)).path("response");
            }
        }
        assertTrue(completed != null, events);
        assertEquals(3, completed.at("/moa/cost_unpriced_calls").asInt(), completed.toString());
        assertFalse(completed.path("usage").has("cost_unpriced_calls"), completed.toString());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            {"model": "text-mix", "input": "hi"}
            {"model": "text-mix", "input": "hi", "moa": {"trace": true}, "metadata": {"k": "v"}}
            {"model": "text-mix", "input": "hi", "instructions": "x", "temperature": 0.2, "max_output_tokens": 50, "text": {"format": {"type": "json_object"}}}
            {"model": "tool-mix", "input": "weather?", "tools": [{"type": "function", "name": "get_weather", "parameters": {"type": "object"}}]}
            """)
    void bodiesAndEventsValidateAgainstTheOpenAiSchema(String body) {
        upstream.script("t-agg", new FakeUpstream.Answer("{\"fine\": true}", "stop"));
        upstream.script("w-agg", new FakeUpstream.UseTools("{\"city\":\"Paris\"}"));
        JsonNode response = json(post(body).then().statusCode(200).extract().asString());
        ResponsesSchemas.assertValidResponse(response);
        assertEquals("completed", response.path("status").asText());
        assertFalse(response.path("output").isEmpty());
        if (body.contains("\"trace\"")) {
            assertEquals("text-mix", response.at("/moa/mix").asText());
        }
        String streamed = post(body.substring(0, body.length() - 1) + ", \"stream\": true}").then().statusCode(200)
                .contentType(containsText("text/event-stream")).extract().asString();
        List<JsonNode> events = events(streamed);
        for (int i = 0; i < events.size(); i++) {
            assertEquals(i, events.get(i).path("sequence_number").asInt());
            ResponsesSchemas.assertValidEvent(events.get(i));
        }
        JsonNode last = events.get(events.size() - 1);
        assertEquals("response.completed", last.path("type").asText());
        assertEquals(response.at("/output/0/type").asText(), last.at("/response/output/0/type").asText());
    }

    private static org.hamcrest.Matcher<String> containsText(String text) {
        return org.hamcrest.Matchers.containsString(text);
    }

    @Test
    void anAnswerStoppedByItsTokenLimitIsIncomplete() {
        upstream.script("t-agg", new FakeUpstream.Answer("Once upon a", "length"));
        JsonNode response = json(post("{\"model\": \"text-mix\", \"input\": \"story\", \"max_output_tokens\": 3}")
                .then().statusCode(200).extract().asString());
        ResponsesSchemas.assertValidResponse(response);
        assertEquals("incomplete", response.path("status").asText());
        assertEquals("max_output_tokens", response.at("/incomplete_details/reason").asText());
        assertEquals(3, upstream.only("t-agg").body().path("max_tokens").asInt());
    }

    @Test
    void aStreamCutMidwayEndsWithResponseFailed() {
        upstream.script("t-agg", FakeUpstream.Streamed.of("Half an", " answer").ending(FakeUpstream.Ending.DROP));
        String streamed = post("{\"model\": \"text-mix\", \"input\": \"hi\", \"stream\": true}").then()
                .statusCode(200).extract().asString();
        List<JsonNode> events = events(streamed);
        events.forEach(ResponsesSchemas::assertValidEvent);
        JsonNode last = events.get(events.size() - 1);
        assertEquals("response.failed", last.path("type").asText(), streamed);
        assertEquals("failed", last.at("/response/status").asText());
        assertEquals("server_error", last.at("/response/error/code").asText());
        assertEquals("Half an answer", last.at("/response/output/0/content/0/text").asText());
        String id = last.at("/response/id").asText();
        given().when().get("/v1/responses/" + id).then().statusCode(404);
    }

    @Test
    void aDryRunShowsThePlanAndCallsNothing() {
        JsonNode response = json(post("{\"model\": \"text-mix\", \"input\": \"hi\", \"moa\": {\"dry_run\": true}}")
                .then().statusCode(200).extract().asString());
        assertTrue(response.at("/moa/dry_run").asBoolean(), response.toString());
        assertEquals(3, response.at("/moa/calls").asInt());
        assertTrue(upstream.requests().isEmpty());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            400 | model                | {"input": "hi"}
            400 | input                | {"model": "text-mix"}
            400 | temperature          | {"model": "text-mix", "input": "hi", "temperature": "warm"}
            400 | input[0].type        | {"model": "text-mix", "input": [{"type": "file_search_call", "id": "x"}]}
            400 | input[1].call_id     | {"model": "text-mix", "input": [{"role": "user", "content": "x"}, {"type": "function_call_output", "call_id": "c9", "output": "?"}]}
            400 | tools[0].type        | {"model": "text-mix", "input": "hi", "tools": [{"type": "code_interpreter"}]}
            400 | background           | {"model": "text-mix", "input": "hi", "background": true}
            400 | input[0].content[0].type | {"model": "text-mix", "input": [{"role": "user", "content": [{"type": "input_image", "image_url": "https://x/y.png"}]}]}
            404 | previous_response_id | {"model": "text-mix", "input": "hi", "previous_response_id": "resp_neverstored"}
            404 | model                | {"model": "no-such-mix", "input": "hi"}
            """)
    void badInputIsRefusedBeforeAnyCallAndNothingIsStored(int status, String param, String body) throws IOException {
        long before = storedCount();
        Response response = post(body);
        assertEquals(status, response.statusCode(), response.asString());
        assertTrue(response.contentType().startsWith("application/json"));
        JsonNode error = json(response.asString()).path("error");
        assertEquals(param, error.path("param").asText(), error.toString());
        assertTrue(error.path("message").asText().length() > 10);
        assertTrue(upstream.requests().isEmpty(), "no upstream call");
        assertEquals(before, storedCount(), "nothing stored");
    }

    @Test
    void aBodyOver6MbIs413() throws IOException {
        long before = storedCount();
        String big = "{\"model\": \"text-mix\", \"input\": \"" + "x".repeat(6 * 1024 * 1024 + 10) + "\"}";
        Response response = post(big);
        assertEquals(413, response.statusCode());
        assertEquals("request_too_large", json(response.asString()).at("/error/code").asText());
        assertTrue(upstream.requests().isEmpty());
        assertEquals(before, storedCount());
    }

    private static long storedCount() throws IOException {
        if (!Files.isDirectory(STORED)) {
            return 0;
        }
        try (Stream<Path> files = Files.list(STORED)) {
            return files.count();
        }
    }
}
