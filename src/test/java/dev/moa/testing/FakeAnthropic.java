package dev.moa.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * A real HTTP server on loopback that speaks Anthropic's Messages API ({@code POST /v1/messages}), whole and streamed
 * ({@code stream: true}: server-sent events). Scripted per model like {@link FakeUpstream}, with its replies:
 * {@link FakeUpstream.Answer} (finish reason = Anthropic's {@code stop_reason}, default {@code end_turn}),
 * {@link FakeUpstream.Status} (an Anthropic error object), {@link FakeUpstream.Echo}, {@link FakeUpstream.Hang},
 * {@link FakeUpstream.Drop}, and {@link StreamError}. Every request is recorded.
 */
public final class FakeAnthropic implements AutoCloseable {

    /** In a stream: one text delta, then an {@code error} event of this type (e.g. {@code overloaded_error}). */
    public record StreamError(String type, String message) {
    }

    /** A text, then one {@code tool_use} block with this input (JSON text); stop reason {@code tool_use}. */
    public record ToolUse(String id, String name, String input) {
    }

    /** Prompt-cache reads every answer reports, so cache accounting is visible. */
    public static final int CACHE_READ_TOKENS = 5;

    private final ObjectMapper json = new ObjectMapper();
    private final HttpServer server;
    private final ExecutorService executor = Executors.newCachedThreadPool();
    private final Map<String, Deque<Object>> scripts = new ConcurrentHashMap<>();
    private final List<FakeUpstream.Recorded> recorded = new ArrayList<>();
    /** Models whose {@link FakeUpstream.Hang} request has arrived and is being held open. */
    private final List<String> hanging = new ArrayList<>();
    private volatile CountDownLatch released = new CountDownLatch(1);

    public FakeAnthropic() {
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        server.setExecutor(executor);
        server.createContext("/", this::handle);
        server.start();
    }

    public String baseUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/v1";
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
        String model = body.path("model").asText("");
        if (!exchange.getRequestURI().getPath().equals("/v1/messages")) {
            record(model, body, headers, start, 404, null);
            respond(exchange, 404, error("not_found_error", "no such path"), Map.of());
            return;
        }
        boolean stream = body.path("stream").asBoolean(false);
        Object reply = next(model);
        if (reply instanceof FakeUpstream.Drop) {
            record(model, body, headers, start, 0, null);
            exchange.close();
            return;
        }
        if (reply instanceof FakeUpstream.Hang) {
            hang(exchange, releasedAtStart, model, body, headers, start);
            return;
        }
        if (reply instanceof FakeUpstream.Echo) {
            JsonNode last = body.path("messages").get(body.path("messages").size() - 1);
            reply = new FakeUpstream.Answer(model + " heard " + last.path("content").asText(), null);
        }
        if (reply instanceof FakeUpstream.Status status) {
            record(model, body, headers, start, status.status(), null);
            respond(exchange, status.status(), error(errorType(status.status()), status.message()), status.headers());
        } else if (reply instanceof FakeUpstream.RawBody raw) {
            record(model, body, headers, start, raw.status(), null);
            respond(exchange, raw.status(), raw.body(), Map.of());
        } else if (reply instanceof StreamError broken) {
            record(model, body, headers, start, 200, null);
            sse(exchange, List.of(startEvent(model, body), delta("partial "),
                    json.createObjectNode().put("type", "error").set("error",
                            json.createObjectNode().put("type", broken.type()).put("message", broken.message()))));
        } else if (reply instanceof ToolUse use) {
            ObjectNode usage = usage(body, "let me look");
            record(model, body, headers, start, 200, usage);
            JsonNode input = json.readTree(use.input());
            if (stream) {
                ObjectNode blockStart = json.createObjectNode().put("type", "content_block_start").put("index", 1);
                blockStart.putObject("content_block").put("type", "tool_use").put("id", use.id()).put("name", use.name())
                        .putObject("input");
                String text = input.toString();
                ObjectNode messageDelta = json.createObjectNode().put("type", "message_delta");
                messageDelta.putObject("delta").put("stop_reason", "tool_use");
                messageDelta.putObject("usage").put("output_tokens", 11);
                sse(exchange, List.of(startEvent(model, body), delta("let me look"), blockStart,
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
            record(model, body, headers, start, 200, usage);
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
                messageDelta.putObject("delta").put("stop_reason", stopReason).putNull("stop_sequence");
                messageDelta.putObject("usage").put("output_tokens", usage.path("output_tokens").asLong());
                events.add(messageDelta);
                events.add(json.createObjectNode().put("type", "message_stop"));
                sse(exchange, events);
            } else {
                ObjectNode out = json.createObjectNode();
                out.put("id", "msg_test").put("type", "message").put("role", "assistant").put("model", model);
                var blocks = out.putArray("content");
                // Two text blocks (and a thinking block between them) show that only text is joined into the answer.
                List<String> halves = halves(content);
                blocks.addObject().put("type", "text").put("text", halves.get(0));
                blocks.addObject().put("type", "thinking").put("thinking", "not part of the answer").put("signature", "s");
                blocks.addObject().put("type", "text").put("text", halves.get(1));
                out.put("stop_reason", stopReason).putNull("stop_sequence");
                out.set("usage", usage);
                respond(exchange, 200, out.toString(), Map.of());
            }
        }
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

    private static void respond(HttpExchange exchange, int status, String body, Map<String, String> headers)
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
