package dev.moa.api.responses;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.moa.engine.AnswerEvent;
import dev.moa.engine.MixResult;
import dev.moa.provider.Completion;
import dev.moa.provider.CompletionEvent;
import dev.moa.provider.ToolCall;
import dev.moa.provider.UpstreamFailure;
import dev.moa.provider.Usage;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Responses stream encoder: the event sequence OpenAI's clients expect, numbered without gaps, each event valid
 * against its schema in the OpenAI OpenAPI description.
 */
class ResponseEventsTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Usage USAGE = new Usage(30, 7, 37, new Usage.PromptTokensDetails(10, 2),
            new BigDecimal("0.0042"), null);

    private final List<ResponseObject> stored = new ArrayList<>();

    private ResponseEvents events(String body) {
        try {
            return new ResponseEvents(JSON, ResponsesRequestCodec.parse(JSON.readTree(body)), "resp_test", 1700000000,
                    null, stored::add);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<JsonNode> run(ResponseEvents events, AnswerEvent... answer) {
        ResponseEvents.Encoder encoder = events.encoder();
        List<JsonNode> out = new ArrayList<>();
        for (AnswerEvent event : answer) {
            for (String frame : encoder.frames(event)) {
                out.add(parse(frame));
            }
        }
        return out;
    }

    private static JsonNode parse(String frame) {
        assertTrue(frame.endsWith("\n\n"), frame);
        String[] lines = frame.strip().split("\n");
        assertEquals(2, lines.length, frame);
        assertTrue(lines[0].startsWith("event: ") && lines[1].startsWith("data: "), frame);
        try {
            JsonNode event = JSON.readTree(lines[1].substring(6));
            assertEquals(lines[0].substring(7), event.path("type").asText(), "the SSE event name is the type");
            return event;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<String> types(List<JsonNode> events) {
        return events.stream().map(e -> e.path("type").asText()).toList();
    }

    private static void numberedAndValid(List<JsonNode> events) {
        for (int i = 0; i < events.size(); i++) {
            assertEquals(i, events.get(i).path("sequence_number").asInt(), "sequence numbers count from 0, no gap");
            ResponsesSchemas.assertValidEvent(events.get(i));
        }
    }

    private static MixResult result(Completion answer) {
        return new MixResult(answer, USAGE, List.of(), Duration.ofMillis(5));
    }

    @Test
    void aStreamedTextAnswer() {
        List<JsonNode> events = run(events("{\"model\": \"mix\", \"input\": \"hi\", \"metadata\": {\"a\": \"b\"}}"),
                new AnswerEvent.Delta("Hel"), new AnswerEvent.Delta("lo"),
                new AnswerEvent.Completed(result(new Completion("Hello", "stop", USAGE))));
        assertEquals(List.of("response.created", "response.in_progress", "response.output_item.added",
                "response.content_part.added", "response.output_text.delta", "response.output_text.delta",
                "response.output_text.done", "response.content_part.done", "response.output_item.done",
                "response.completed"), types(events));
        numberedAndValid(events);
        assertEquals("in_progress", events.get(0).at("/response/status").asText());
        String itemId = events.get(2).at("/item/id").asText();
        assertTrue(itemId.startsWith("msg_"));
        assertEquals(itemId, events.get(4).path("item_id").asText());
        assertEquals("Hello", events.get(6).path("text").asText());
        JsonNode response = events.get(9).path("response");
        ResponsesSchemas.assertValidResponse(response);
        assertEquals("completed", response.path("status").asText());
        assertEquals("Hello", response.at("/output/0/content/0/text").asText());
        assertEquals(itemId, response.at("/output/0/id").asText());
        assertEquals(30, response.at("/usage/input_tokens").asLong());
        assertEquals(10, response.at("/usage/input_tokens_details/cached_tokens").asLong());
        assertEquals(2, response.at("/usage/input_tokens_details/cache_write_tokens").asLong());
        assertEquals(7, response.at("/usage/output_tokens").asLong());
        assertEquals(37, response.at("/usage/total_tokens").asLong());
        assertEquals(new BigDecimal("0.0042"), response.at("/usage/cost").decimalValue());
        assertEquals("b", response.at("/metadata/a").asText());
        assertEquals(1, stored.size(), "the finished response is handed over to be stored");
        assertEquals("resp_test", stored.get(0).id());
    }

    @Test
    void streamedToolCallsAfterText() {
        List<JsonNode> events = run(events("""
                        {"model": "mix", "input": "weather?", "tools": [{"type": "function", "name": "weather"},
                         {"type": "function", "name": "time"}]}"""),
                new AnswerEvent.Delta("Checking."),
                new AnswerEvent.ToolCallDelta(new CompletionEvent.ToolCallDelta(0, "call_a", "weather", "{\"ci")),
                new AnswerEvent.ToolCallDelta(new CompletionEvent.ToolCallDelta(0, null, null, "ty\":\"Paris\"}")),
                new AnswerEvent.ToolCallDelta(new CompletionEvent.ToolCallDelta(1, "call_b", "time", "{}")),
                new AnswerEvent.Completed(result(new Completion("Checking.", "tool_calls", USAGE, List.of(
                        new ToolCall("call_a", "weather", "{\"city\":\"Paris\"}"),
                        new ToolCall("call_b", "time", "{}"))))));
        numberedAndValid(events);
        assertEquals(List.of("response.created", "response.in_progress", "response.output_item.added",
                "response.content_part.added", "response.output_text.delta", "response.output_text.done",
                "response.content_part.done", "response.output_item.done",
                "response.output_item.added", "response.function_call_arguments.delta",
                "response.function_call_arguments.delta", "response.function_call_arguments.done",
                "response.output_item.done",
                "response.output_item.added", "response.function_call_arguments.delta",
                "response.function_call_arguments.done", "response.output_item.done",
                "response.completed"), types(events));
        assertEquals(1, events.get(8).path("output_index").asInt());
        assertEquals("{\"city\":\"Paris\"}", events.get(11).path("arguments").asText());
        assertEquals("weather", events.get(11).path("name").asText());
        JsonNode output = events.get(events.size() - 1).at("/response/output");
        assertEquals(3, output.size());
        assertEquals("function_call", output.get(1).path("type").asText());
        assertEquals("call_a", output.get(1).path("call_id").asText());
        assertEquals("{\"city\":\"Paris\"}", output.get(1).path("arguments").asText());
        assertEquals("call_b", output.get(2).path("call_id").asText());
    }

    /** Ranked, sequential and JSON answers go out whole: the events are the same, from the result. */
    @Test
    void anAnswerThatArrivesWhole() {
        List<JsonNode> events = run(events("{\"model\": \"mix\", \"input\": \"hi\"}"),
                new AnswerEvent.Completed(result(new Completion("{\"a\": 1}", "stop", USAGE,
                        List.of(new ToolCall("call_x", "f", "{}"))))));
        numberedAndValid(events);
        assertEquals(List.of("response.created", "response.in_progress", "response.output_item.added",
                "response.content_part.added", "response.output_text.delta", "response.output_text.done",
                "response.content_part.done", "response.output_item.done", "response.output_item.added",
                "response.function_call_arguments.delta", "response.function_call_arguments.done",
                "response.output_item.done", "response.completed"), types(events));
    }

    @Test
    void anEmptyAnswerIsOneEmptyMessage() {
        List<JsonNode> events = run(events("{\"model\": \"mix\", \"input\": \"hi\"}"),
                new AnswerEvent.Completed(result(new Completion("", "stop", USAGE))));
        numberedAndValid(events);
        assertEquals("", events.get(events.size() - 1).at("/response/output/0/content/0/text").asText());
        assertFalse(types(events).contains("response.output_text.delta"));
    }

    @Test
    void anAnswerCutAtItsTokenLimitIsIncomplete() {
        List<JsonNode> events = run(events("{\"model\": \"mix\", \"input\": \"hi\", \"max_output_tokens\": 5}"),
                new AnswerEvent.Delta("Once upon"),
                new AnswerEvent.Completed(result(new Completion("Once upon", "length", USAGE))));
        numberedAndValid(events);
        JsonNode last = events.get(events.size() - 1);
        assertEquals("response.incomplete", last.path("type").asText());
        assertEquals("incomplete", last.at("/response/status").asText());
        assertEquals("max_output_tokens", last.at("/response/incomplete_details/reason").asText());
        assertEquals("incomplete", last.at("/response/output/0/status").asText());
        assertEquals(5, last.at("/response/max_output_tokens").asInt());
    }

    @Test
    void aFailureMidwayEndsWithResponseFailed() {
        MixResult partial = new MixResult(new Completion("Hal", null, USAGE), USAGE, List.of(), Duration.ZERO);
        List<JsonNode> events = run(events("{\"model\": \"mix\", \"input\": \"hi\"}"),
                new AnswerEvent.Delta("Hal"),
                new AnswerEvent.Interrupted(UpstreamFailure.connection("reset by peer"), partial));
        numberedAndValid(events);
        JsonNode last = events.get(events.size() - 1);
        assertEquals("response.failed", last.path("type").asText());
        assertEquals("failed", last.at("/response/status").asText());
        assertEquals("server_error", last.at("/response/error/code").asText());
        assertTrue(last.at("/response/error/message").asText().contains("reset by peer"));
        assertEquals("Hal", last.at("/response/output/0/content/0/text").asText());
        assertEquals("incomplete", last.at("/response/output/0/status").asText());
        assertTrue(stored.isEmpty(), "a failed response is not stored");
    }

    @Test
    void theFailureFrameOfAStreamThatFailedContinuesTheNumbering() {
        ResponseEvents.Encoder encoder = events("{\"model\": \"mix\", \"input\": \"hi\"}").encoder();
        List<JsonNode> events = new ArrayList<>();
        encoder.frames(new AnswerEvent.Delta("a")).forEach(f -> events.add(parse(f)));
        encoder.failed("The mix failed.", null).forEach(f -> events.add(parse(f)));
        numberedAndValid(events);
        assertNull(events.get(events.size() - 1).at("/response/usage").textValue());
    }

    /** Only keep-alives went out before the failure: the failure still comes after the response was created. */
    @Test
    void aFailureBeforeAnyEventStillStartsTheResponse() {
        List<JsonNode> events = new ArrayList<>();
        events("{\"model\": \"mix\", \"input\": \"hi\"}").encoder().failed("The mix failed.", null)
                .forEach(f -> events.add(parse(f)));
        numberedAndValid(events);
        assertEquals(List.of("response.created", "response.in_progress", "response.failed"), types(events));
    }

    /** The check can fail: an event without its sequence number, or with a status the API does not have. */
    @Test
    void theSchemasRejectWhatClientsCouldNotRead() {
        List<JsonNode> events = run(events("{\"model\": \"mix\", \"input\": \"hi\"}"), new AnswerEvent.Delta("x"));
        com.fasterxml.jackson.databind.node.ObjectNode delta = (com.fasterxml.jackson.databind.node.ObjectNode)
                events.get(events.size() - 1).deepCopy();
        delta.remove("sequence_number");
        assertFalse(ResponsesSchemas.errors(ResponsesSchemas.event("response.output_text.delta"), delta).isEmpty());
        com.fasterxml.jackson.databind.node.ObjectNode response = (com.fasterxml.jackson.databind.node.ObjectNode)
                events.get(0).path("response").deepCopy();
        response.put("status", "done");
        assertFalse(ResponsesSchemas.errors(ResponsesSchemas.named("Response"), response).isEmpty());
    }
}
