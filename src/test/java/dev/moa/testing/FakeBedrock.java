package dev.moa.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import software.amazon.eventstream.HeaderValue;
import software.amazon.eventstream.Message;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
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
public final class FakeBedrock implements AutoCloseable {

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

    private final ObjectMapper json = new ObjectMapper();
    private final HttpServer server;
    private final ExecutorService executor = Executors.newCachedThreadPool();
    private final Map<String, Deque<Object>> scripts = new ConcurrentHashMap<>();
    private final List<FakeUpstream.Recorded> recorded = new ArrayList<>();
    /** Models whose {@link FakeUpstream.Hang} request has arrived and is being held open. */
    private final List<String> hanging = new ArrayList<>();
    private volatile CountDownLatch released = new CountDownLatch(1);

    public FakeBedrock() {
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        server.setExecutor(executor);
        server.createContext("/", this::handle);
        server.start();
    }

    /** The endpoint, as a provider document's {@code base_url} or {@code AWS_ENDPOINT_URL_BEDROCK_RUNTIME}. */
    public String endpoint() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    public void script(String model, Object... replies) {
        scripts.put(model, new ArrayDeque<>(List.of(replies)));
    }

    public void reset() {
        scripts.clear();
        CountDownLatch old = released;
        released = new CountDownLatch(1);
        old.countDown();
        synchronized (recorded) {
            recorded.clear();
            hanging.clear();
        }
    }

    /** Waits (at most 10 s) until a {@link FakeUpstream.Hang} request for {@code model} has arrived. */
    public boolean awaitHanging(String model) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        synchronized (recorded) {
            while (!hanging.contains(model)) {
                long left = end - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                TimeUnit.NANOSECONDS.timedWait(recorded, left);
            }
        }
        return true;
    }

    public List<FakeUpstream.Recorded> requests() {
        synchronized (recorded) {
            return List.copyOf(recorded);
        }
    }

    public List<FakeUpstream.Recorded> requests(String model) {
        return requests().stream().filter(r -> r.model().equals(model)).toList();
    }

    public FakeUpstream.Recorded only(String model) {
        List<FakeUpstream.Recorded> matching = requests(model);
        if (matching.size() != 1) {
            throw new AssertionError("expected one request for " + model + ", got " + matching.size());
        }
        return matching.get(0);
    }

    /** Recorded bodies carry the path's operation here, so tests see which API was called. */
    public static String operation(FakeUpstream.Recorded request) {
        return request.header("x-test-operation");
    }

    private Object next(String model) {
        Deque<Object> script = scripts.get(model);
        if (script == null) {
            return new FakeUpstream.Answer(null, null);
        }
        synchronized (script) {
            return script.size() > 1 ? script.poll() : script.peek();
        }
    }

    private void handle(HttpExchange exchange) throws IOException {
        long start = System.nanoTime();
        CountDownLatch releasedAtStart = released;
        Map<String, String> headers = new HashMap<>();
        exchange.getRequestHeaders().forEach((k, v) -> headers.put(k.toLowerCase(), String.join(",", v)));
        JsonNode body;
        try {
            body = json.readTree(exchange.getRequestBody().readAllBytes());
        } catch (IOException e) {
            body = json.createObjectNode();
        }
        Matcher path = PATH.matcher(exchange.getRequestURI().getRawPath());
        if (!"POST".equals(exchange.getRequestMethod()) || !path.matches()) {
            record("", body, headers, start, 404, null);
            respond(exchange, 404, Map.of("x-amzn-ErrorType", "UnknownOperationException"), "{\"message\":\"no such path\"}");
            return;
        }
        String model = URLDecoder.decode(path.group(1), StandardCharsets.UTF_8);
        boolean stream = path.group(2).equals("converse-stream");
        headers.put("x-test-operation", stream ? "ConverseStream" : "Converse");
        Object reply = next(model);
        if (reply instanceof FakeUpstream.Hang) {
            hang(exchange, releasedAtStart, model, body, headers, start);
            return;
        }
        if (reply instanceof FakeUpstream.Echo) {
            JsonNode last = body.path("messages").get(body.path("messages").size() - 1);
            reply = new FakeUpstream.Answer(model + " heard " + last.at("/content/0/text").asText(), null);
        }
        if (reply instanceof Error error) {
            record(model, body, headers, start, error.status(), null);
            respond(exchange, error.status(), Map.of("x-amzn-ErrorType",
                    error.type() + ":http://internal.amazon.com/coral/com.amazon.bedrock/"),
                    json.createObjectNode().put("message", error.message()).toString());
        } else if (reply instanceof StreamError broken) {
            record(model, body, headers, start, 200, null);
            eventStream(exchange, List.of(event("messageStart", json.createObjectNode().put("role", "assistant")),
                    event("contentBlockDelta", deltaPayload("partial ")),
                    exception(broken.member(), broken.message())));
        } else if (reply instanceof ToolUse use) {
            ObjectNode usage = json.createObjectNode().put("inputTokens", 10).put("outputTokens", 5).put("totalTokens", 15);
            record(model, body, headers, start, 200, usage);
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
                eventStream(exchange, List.of(event("messageStart", json.createObjectNode().put("role", "assistant")),
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
                respond(exchange, 200, Map.of(), out.toString());
            }
        } else if (reply instanceof FakeUpstream.Answer answer) {
            String content = answer.content() != null ? answer.content() : "answer from " + model;
            String stopReason = answer.finishReason() != null ? answer.finishReason() : "end_turn";
            ObjectNode usage = json.createObjectNode();
            int input = body.path("messages").toString().length() + body.path("system").toString().length();
            usage.put("inputTokens", input).put("outputTokens", content.length())
                    .put("totalTokens", input + content.length());
            record(model, body, headers, start, 200, usage);
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
                eventStream(exchange, events);
            } else {
                ObjectNode out = json.createObjectNode();
                ObjectNode message = out.putObject("output").putObject("message").put("role", "assistant");
                message.putArray("content").addObject().put("text", content);
                out.put("stopReason", stopReason);
                out.set("usage", usage);
                out.putObject("metrics").put("latencyMs", 1);
                respond(exchange, 200, Map.of(), out.toString());
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

    private void hang(HttpExchange exchange, CountDownLatch release, String model, JsonNode body,
                      Map<String, String> headers, long start) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(200, 0);
        synchronized (recorded) {
            hanging.add(model);
            recorded.notifyAll();
        }
        OutputStream out = exchange.getResponseBody();
        try {
            while (!release.await(20, TimeUnit.MILLISECONDS)) {
                out.write(' ');
                out.flush();
            }
        } catch (IOException closedByClient) {
            record(model, body, headers, start, FakeUpstream.DISCONNECTED, null);
            synchronized (recorded) {
                recorded.notifyAll();
            }
            return;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        exchange.close();
    }

    /** Waits (at most 10 s) until {@code count} requests for {@code model} were closed by the client. */
    public boolean awaitDisconnects(String model, int count) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        synchronized (recorded) {
            while (recorded.stream().filter(r -> r.model().equals(model) && r.status() == FakeUpstream.DISCONNECTED)
                    .count() < count) {
                long left = end - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                TimeUnit.NANOSECONDS.timedWait(recorded, left);
            }
        }
        return true;
    }

    private void record(String model, JsonNode body, Map<String, String> headers, long start, int status, JsonNode usage) {
        synchronized (recorded) {
            recorded.add(new FakeUpstream.Recorded(model, body, Map.copyOf(headers), start, System.nanoTime(), status, usage));
        }
    }

    private static void respond(HttpExchange exchange, int status, Map<String, String> headers, String body)
            throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        headers.forEach((k, v) -> exchange.getResponseHeaders().set(k, v));
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void close() {
        released.countDown();
        server.stop(0);
        executor.shutdownNow();
    }
}
