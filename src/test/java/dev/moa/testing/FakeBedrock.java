package dev.moa.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import software.amazon.eventstream.HeaderValue;
import software.amazon.eventstream.Message;

import java.io.IOException;
import java.io.OutputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A real HTTP server on loopback that speaks Bedrock Runtime's Converse ({@code POST /model/{modelId}/converse}, JSON)
 * and ConverseStream ({@code POST /model/{modelId}/converse-stream}, AWS event-stream binary framing, encoded with the
 * eventstream library the SDK decodes with). Scripted per model like {@link FakeUpstream}: {@link FakeUpstream.Answer}
 * (finish reason = Bedrock's {@code stopReason}, default {@code end_turn}), {@link Error} (an AWS JSON error with its
 * {@code x-amzn-ErrorType}), {@link FakeUpstream.Echo}, {@link FakeUpstream.Hang}, and {@link StreamError}. Every
 * request is recorded with its headers (the SigV4 {@code Authorization} among them).
 */
public final class FakeBedrock extends FakeServer<Object> {

    /** An error response: HTTP status and the AWS error type, e.g. 429 {@code ThrottlingException}. */
    public record Error(int status, String type, String message) {
    }

    /** In a stream: one text delta, then an exception event of this union member (e.g. {@code throttlingException}). */
    public record StreamError(String member, String message) {
    }

    /** A text, then one {@code toolUse} block with this input (JSON text); stop reason {@code tool_use}. */
    public record ToolUse(String id, String name, String input) {
    }

    private static final Pattern PATH = Pattern.compile("/model/([^/]+)/(converse|converse-stream)");

    /** The endpoint, as a provider document's {@code base_url} or {@code AWS_ENDPOINT_URL_BEDROCK_RUNTIME}. */
    public String endpoint() {
        return origin();
    }

    /** Recorded bodies carry the path's operation here, so tests see which API was called. */
    public static String operation(FakeUpstream.Recorded request) {
        return request.header("x-test-operation");
    }

    @Override
    protected void serve(Exchange exchange) throws IOException {
        JsonNode body = exchange.body();
        Map<String, String> headers = exchange.headers();
        Matcher path = PATH.matcher(exchange.path());
        if (!"POST".equals(exchange.http().getRequestMethod()) || !path.matches()) {
            record("", exchange, 404, null);
            respond(exchange, 404, "{\"message\":\"no such path\"}", Map.of("x-amzn-ErrorType", "UnknownOperationException"));
            return;
        }
        String model = URLDecoder.decode(path.group(1), StandardCharsets.UTF_8);
        boolean stream = path.group(2).equals("converse-stream");
        headers.put("x-test-operation", stream ? "ConverseStream" : "Converse");
        Object reply = next(model, new FakeUpstream.Answer(null, null));
        if (servedAlike(model, exchange, reply)) {
            return;
        }
        if (reply instanceof FakeUpstream.Endless) {
            if (stream) {
                endless(model, exchange, "application/vnd.amazon.eventstream", new byte[0], endlessEvents());
            } else {
                endless(model, exchange, "application/json", "{\"output\": {\"message\": {\"role\": \"assistant\", \"content\": [{\"text\": \""
                        .getBytes(StandardCharsets.UTF_8), FakeUpstream.ENDLESS_PIECE);
            }
            return;
        }
        if (reply instanceof FakeUpstream.Echo) {
            JsonNode last = body.path("messages").get(body.path("messages").size() - 1);
            reply = new FakeUpstream.Answer(model + " heard " + last.at("/content/0/text").asText(), null);
        }
        if (reply instanceof Error error) {
            record(model, exchange, error.status(), null);
            respond(exchange, error.status(), json.createObjectNode().put("message", error.message()).toString(),
                    Map.of("x-amzn-ErrorType", error.type() + ":http://internal.amazon.com/coral/com.amazon.bedrock/"));
        } else if (reply instanceof StreamError broken) {
            record(model, exchange, 200, null);
            eventStream(exchange.http(), List.of(event("messageStart", json.createObjectNode().put("role", "assistant")),
                    event("contentBlockDelta", deltaPayload("partial ")),
                    exception(broken.member(), broken.message())));
        } else if (reply instanceof ToolUse use) {
            ObjectNode usage = json.createObjectNode().put("inputTokens", 10).put("outputTokens", 5).put("totalTokens", 15);
            record(model, exchange, 200, usage);
            JsonNode input = json.readTree(use.input());
            if (stream) {
                ObjectNode blockStart = json.createObjectNode().put("contentBlockIndex", 1);
                blockStart.putObject("start").putObject("toolUse").put("toolUseId", use.id()).put("name", use.name());
                String text = input.toString();
                ObjectNode firstHalf = json.createObjectNode().put("contentBlockIndex", 1);
                firstHalf.putObject("delta").putObject("toolUse").put("input", text.substring(0, text.length() / 2));
                ObjectNode secondHalf = json.createObjectNode().put("contentBlockIndex", 1);
                secondHalf.putObject("delta").putObject("toolUse").put("input", text.substring(text.length() / 2));
                ObjectNode metadata = json.createObjectNode();
                metadata.set("usage", usage);
                metadata.putObject("metrics").put("latencyMs", 1);
                eventStream(exchange.http(), List.of(event("messageStart", json.createObjectNode().put("role", "assistant")),
                        event("contentBlockDelta", deltaPayload("let me look")),
                        event("contentBlockStop", json.createObjectNode().put("contentBlockIndex", 0)),
                        event("contentBlockStart", blockStart), event("contentBlockDelta", firstHalf),
                        event("contentBlockDelta", secondHalf),
                        event("contentBlockStop", json.createObjectNode().put("contentBlockIndex", 1)),
                        event("messageStop", json.createObjectNode().put("stopReason", "tool_use")),
                        event("metadata", metadata)));
            } else {
                ObjectNode out = json.createObjectNode();
                ObjectNode message = out.putObject("output").putObject("message").put("role", "assistant");
                var content = message.putArray("content");
                content.addObject().put("text", "let me look");
                content.addObject().putObject("toolUse").put("toolUseId", use.id()).put("name", use.name()).set("input", input);
                out.put("stopReason", "tool_use");
                out.set("usage", usage);
                out.putObject("metrics").put("latencyMs", 1);
                respond(exchange, 200, out.toString(), Map.of());
            }
        } else if (reply instanceof FakeUpstream.Answer answer) {
            String content = answer.content() != null ? answer.content() : "answer from " + model;
            String stopReason = answer.finishReason() != null ? answer.finishReason() : "end_turn";
            ObjectNode usage = json.createObjectNode();
            int input = body.path("messages").toString().length() + body.path("system").toString().length();
            usage.put("inputTokens", input).put("outputTokens", content.length())
                    .put("totalTokens", input + content.length());
            record(model, exchange, 200, usage);
            if (stream) {
                List<Message> events = new ArrayList<>();
                events.add(event("messageStart", json.createObjectNode().put("role", "assistant")));
                for (int i = 0; i < content.length(); i += 4) {
                    events.add(event("contentBlockDelta", deltaPayload(content.substring(i, Math.min(content.length(), i + 4)))));
                }
                events.add(event("contentBlockStop", json.createObjectNode().put("contentBlockIndex", 0)));
                events.add(event("messageStop", json.createObjectNode().put("stopReason", stopReason)));
                ObjectNode metadata = json.createObjectNode();
                metadata.set("usage", usage);
                metadata.putObject("metrics").put("latencyMs", 1);
                events.add(event("metadata", metadata));
                eventStream(exchange.http(), events);
            } else {
                ObjectNode out = json.createObjectNode();
                ObjectNode message = out.putObject("output").putObject("message").put("role", "assistant");
                message.putArray("content").addObject().put("text", content);
                out.put("stopReason", stopReason);
                out.set("usage", usage);
                out.putObject("metrics").put("latencyMs", 1);
                respond(exchange, 200, out.toString(), Map.of());
            }
        }
    }

    private ObjectNode deltaPayload(String text) {
        ObjectNode payload = json.createObjectNode().put("contentBlockIndex", 0);
        payload.putObject("delta").put("text", text);
        return payload;
    }

    private static Message event(String type, JsonNode payload) {
        Map<String, HeaderValue> headers = new LinkedHashMap<>();
        headers.put(":message-type", HeaderValue.fromString("event"));
        headers.put(":event-type", HeaderValue.fromString(type));
        headers.put(":content-type", HeaderValue.fromString("application/json"));
        return new Message(headers, payload.toString().getBytes(StandardCharsets.UTF_8));
    }

    private Message exception(String member, String text) {
        Map<String, HeaderValue> headers = new LinkedHashMap<>();
        headers.put(":message-type", HeaderValue.fromString("exception"));
        headers.put(":exception-type", HeaderValue.fromString(member));
        headers.put(":content-type", HeaderValue.fromString("application/json"));
        return new Message(headers, json.createObjectNode().put("message", text).toString().getBytes(StandardCharsets.UTF_8));
    }

    private static void eventStream(HttpExchange exchange, List<Message> messages) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", "application/vnd.amazon.eventstream");
        exchange.sendResponseHeaders(200, 0);
        try (OutputStream out = exchange.getResponseBody()) {
            for (Message message : messages) {
                message.encode(out);
                out.flush();
            }
        }
    }

    /** 64 KB of text-delta events at a time: what an endless ConverseStream repeats. */
    private static byte[] endlessEvents() throws IOException {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        ObjectNode payload = new ObjectMapper().createObjectNode().put("contentBlockIndex", 0);
        payload.putObject("delta").put("text", "xxxx");
        Message delta = event("contentBlockDelta", payload);
        while (out.size() < 64 * 1024) {
            delta.encode(out);
        }
        return out.toByteArray();
    }
}
