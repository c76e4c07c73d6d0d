package dev.moa.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A real HTTP server on loopback that speaks Anthropic's Messages API ({@code POST /v1/messages}), whole and streamed
 * ({@code stream: true}: server-sent events). Scripted per model like {@link FakeUpstream}, with its replies:
 * {@link FakeUpstream.Answer} (finish reason = Anthropic's {@code stop_reason}, default {@code end_turn}),
 * {@link FakeUpstream.Status} (an Anthropic error object), {@link FakeUpstream.Echo}, {@link FakeUpstream.Hang},
 * {@link FakeUpstream.Drop}, and {@link StreamError}. Every request is recorded.
 */
public final class FakeAnthropic extends FakeServer<Object> {

    /** In a stream: one text delta, then an {@code error} event of this type (e.g. {@code overloaded_error}). */
    public record StreamError(String type, String message) {
    }

    /** A text, then one {@code tool_use} block with this input (JSON text); stop reason {@code tool_use}. */
    public record ToolUse(String id, String name, String input) {
    }

    /** Prompt-cache reads every answer reports, so cache accounting is visible. */
    public static final int CACHE_READ_TOKENS = 5;

    /** What an endless stream repeats after its start: 64 KB of text deltas at a time. */
    private static final byte[] ENDLESS_EVENTS = (("event: content_block_delta\ndata: {\"type\": "
            + "\"content_block_delta\", \"index\": 0, \"delta\": {\"type\": \"text_delta\", \"text\": \"xxxx\"}}\n\n")
            .repeat(600)).getBytes(StandardCharsets.UTF_8);

    public String baseUrl() {
        return origin() + "/v1";
    }

    @Override
    protected void serve(Exchange exchange) throws IOException {
        JsonNode body = exchange.body();
        String model = body.path("model").asText("");
        if (!exchange.path().equals("/v1/messages")) {
            record(model, exchange, 404, null);
            respond(exchange, 404, error("not_found_error", "no such path"), Map.of());
            return;
        }
        boolean stream = body.path("stream").asBoolean(false);
        Object reply = next(model, new FakeUpstream.Answer(null, null));
        if (servedAlike(model, exchange, reply)) {
            return;
        }
        if (reply instanceof FakeUpstream.Endless) {
            if (stream) {
                endless(model, exchange, "text/event-stream", ("event: message_start\ndata: " + startEvent(model, body)
                        + "\n\n").getBytes(StandardCharsets.UTF_8), ENDLESS_EVENTS);
            } else {
                endless(model, exchange, "application/json", ("{\"type\": \"message\", \"content\": [{\"type\": "
                        + "\"text\", \"text\": \"").getBytes(StandardCharsets.UTF_8), FakeUpstream.ENDLESS_PIECE);
            }
            return;
        }
        if (reply instanceof FakeUpstream.Echo) {
            JsonNode last = body.path("messages").get(body.path("messages").size() - 1);
            reply = new FakeUpstream.Answer(model + " heard " + last.path("content").asText(), null);
        }
        if (reply instanceof FakeUpstream.Status status) {
            record(model, exchange, status.status(), null);
            respond(exchange, status.status(), error(errorType(status.status()), status.message()), status.headers());
        } else if (reply instanceof StreamError broken) {
            record(model, exchange, 200, null);
            sse(exchange.http(), List.of(startEvent(model, body), delta("partial "),
                    json.createObjectNode().put("type", "error").set("error",
                            json.createObjectNode().put("type", broken.type()).put("message", broken.message()))));
        } else if (reply instanceof ToolUse use) {
            ObjectNode usage = usage(body, "let me look");
            record(model, exchange, 200, usage);
            JsonNode input = json.readTree(use.input());
            if (stream) {
                ObjectNode blockStart = json.createObjectNode().put("type", "content_block_start").put("index", 1);
                blockStart.putObject("content_block").put("type", "tool_use").put("id", use.id()).put("name", use.name())
                        .putObject("input");
                String text = input.toString();
                ObjectNode messageDelta = json.createObjectNode().put("type", "message_delta");
                messageDelta.putObject("delta").put("stop_reason", "tool_use");
                messageDelta.putObject("usage").put("output_tokens", 11);
                sse(exchange.http(), List.of(startEvent(model, body), delta("let me look"), blockStart,
                        inputDelta(1, text.substring(0, text.length() / 2)), inputDelta(1, text.substring(text.length() / 2)),
                        json.createObjectNode().put("type", "content_block_stop").put("index", 1), messageDelta,
                        json.createObjectNode().put("type", "message_stop")));
            } else {
                ObjectNode out = json.createObjectNode().put("id", "msg_test").put("type", "message").put("role", "assistant");
                var blocks = out.putArray("content");
                blocks.addObject().put("type", "text").put("text", "let me look");
                blocks.addObject().put("type", "tool_use").put("id", use.id()).put("name", use.name()).set("input", input);
                out.put("stop_reason", "tool_use");
                out.set("usage", usage);
                respond(exchange, 200, out.toString(), Map.of());
            }
        } else if (reply instanceof FakeUpstream.Answer answer) {
            String content = answer.content() != null ? answer.content() : "answer from " + model;
            String stopReason = answer.finishReason() != null ? answer.finishReason() : "end_turn";
            ObjectNode usage = usage(body, content);
            record(model, exchange, 200, usage);
            if (stream) {
                List<JsonNode> events = new ArrayList<>();
                events.add(startEvent(model, body));
                events.add(json.createObjectNode().put("type", "content_block_start").put("index", 0)
                        .set("content_block", json.createObjectNode().put("type", "text").put("text", "")));
                events.add(json.createObjectNode().put("type", "ping"));
                for (String piece : pieces(content)) {
                    events.add(delta(piece));
                }
                events.add(json.createObjectNode().put("type", "content_block_stop").put("index", 0));
                ObjectNode messageDelta = json.createObjectNode().put("type", "message_delta");
                messageDelta.putObject("delta").put("stop_reason", stopReason)
                        .set("stop_sequence", stopSequence(body, stopReason));
                messageDelta.putObject("usage").put("output_tokens", usage.path("output_tokens").asLong());
                events.add(messageDelta);
                events.add(json.createObjectNode().put("type", "message_stop"));
                sse(exchange.http(), events);
            } else {
                ObjectNode out = json.createObjectNode();
                out.put("id", "msg_test").put("type", "message").put("role", "assistant").put("model", model);
                var blocks = out.putArray("content");
                // Two text blocks (and a thinking block between them) show that only text is joined into the answer.
                List<String> halves = halves(content);
                blocks.addObject().put("type", "text").put("text", halves.get(0));
                blocks.addObject().put("type", "thinking").put("thinking", "not part of the answer").put("signature", "s");
                blocks.addObject().put("type", "text").put("text", halves.get(1));
                out.put("stop_reason", stopReason).set("stop_sequence", stopSequence(body, stopReason));
                out.set("usage", usage);
                respond(exchange, 200, out.toString(), Map.of());
            }
        }
    }

    /** As Anthropic: the stop sequence that ended the answer (the request's first) when that is why it stopped. */
    private JsonNode stopSequence(JsonNode body, String stopReason) {
        JsonNode first = body.path("stop_sequences").path(0);
        return "stop_sequence".equals(stopReason) && first.isTextual() ? first : json.nullNode();
    }

    private ObjectNode usage(JsonNode body, String content) {
        ObjectNode usage = json.createObjectNode();
        usage.put("input_tokens", body.path("messages").toString().length() + body.path("system").asText("").length());
        usage.put("cache_creation_input_tokens", 0);
        usage.put("cache_read_input_tokens", CACHE_READ_TOKENS);
        usage.put("output_tokens", content.length());
        return usage;
    }

    private JsonNode startEvent(String model, JsonNode body) {
        ObjectNode message = json.createObjectNode().put("id", "msg_test").put("type", "message").put("role", "assistant")
                .put("model", model);
        message.putArray("content");
        message.putNull("stop_reason");
        ObjectNode usage = usage(body, "");
        usage.put("output_tokens", 1);
        message.set("usage", usage);
        return json.createObjectNode().put("type", "message_start").set("message", message);
    }

    private JsonNode delta(String text) {
        ObjectNode event = json.createObjectNode().put("type", "content_block_delta").put("index", 0);
        event.putObject("delta").put("type", "text_delta").put("text", text);
        return event;
    }

    private JsonNode inputDelta(int index, String partial) {
        ObjectNode event = json.createObjectNode().put("type", "content_block_delta").put("index", index);
        event.putObject("delta").put("type", "input_json_delta").put("partial_json", partial);
        return event;
    }

    private static List<String> pieces(String content) {
        List<String> pieces = new ArrayList<>();
        for (int i = 0; i < content.length(); i += 4) {
            pieces.add(content.substring(i, Math.min(content.length(), i + 4)));
        }
        return pieces.isEmpty() ? List.of("") : pieces;
    }

    private static List<String> halves(String content) {
        int middle = content.length() / 2;
        return List.of(content.substring(0, middle), content.substring(middle));
    }

    private void sse(HttpExchange exchange, List<JsonNode> events) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", "text/event-stream; charset=utf-8");
        exchange.sendResponseHeaders(200, 0);
        try (OutputStream out = exchange.getResponseBody()) {
            for (JsonNode event : events) {
                out.write(("event: " + event.path("type").asText() + "\ndata: " + event + "\n\n")
                        .getBytes(StandardCharsets.UTF_8));
                out.flush();
            }
        }
    }

    private String error(String type, String message) {
        ObjectNode error = json.createObjectNode().put("type", "error");
        error.putObject("error").put("type", type).put("message", message);
        return error.toString();
    }

    static String errorType(int status) {
        return switch (status) {
            case 400 -> "invalid_request_error";
            case 401 -> "authentication_error";
            case 403 -> "permission_error";
            case 404 -> "not_found_error";
            case 413 -> "request_too_large";
            case 429 -> "rate_limit_error";
            case 529 -> "overloaded_error";
            default -> "api_error";
        };
    }
}
