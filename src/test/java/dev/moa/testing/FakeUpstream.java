package dev.moa.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A real HTTP server on loopback that speaks the OpenAI chat-completions protocol. Each model can be
 * scripted with a sequence of replies (the last one repeats), tool calls included; every request is recorded with
 * the times it arrived and was answered.
 */
public final class FakeUpstream extends FakeServer<FakeUpstream.Reply> {

    /** What the upstream does with one request for a model. */
    public sealed interface Reply {
    }

    /** A reply chosen from the request's body (its messages), for answers that depend on the prompt. */
    public record Computed(java.util.function.Function<JsonNode, Reply> reply) implements Reply {
    }

    /** A normal answer; {@code content == null} means "answer from &lt;model&gt;". */
    public record Answer(String content, String finishReason) implements Reply {
    }

    /** An HTTP error status with an OpenAI error body. */
    public record Status(int status, String message, Map<String, String> headers) implements Reply {
    }

    /** A 2xx with this exact body (not JSON, malformed, no choices...). */
    public record RawBody(int status, String body) implements Reply {
    }

    /** A response with these exact bytes (invalid UTF-8, say) and a JSON content type. */
    public record Bytes(int status, byte[] body) implements Reply {
    }

    /** Waits until {@code arrivals} requests have reached the same barrier (or 10 s pass), then answers. */
    public record Barrier(CountDownLatch arrivals) implements Reply {
        public static Barrier of(int parties) {
            return new Barrier(new CountDownLatch(parties));
        }
    }

    /**
     * Sends 200 headers, then never finishes the body (until {@link #reset()} or close). It keeps writing a
     * space every few milliseconds, so it notices at once when the client closes the request: that is recorded
     * with status {@link #DISCONNECTED}.
     */
    public record Hang() implements Reply {
    }

    /** Answers "answer from &lt;model&gt;" once the test opens {@code release} (at most 10 s). */
    public record Held(CountDownLatch release) implements Reply {
    }

    /** Answers "&lt;model&gt; heard &lt;last user message&gt;": shows where an answer came from. */
    public record Echo() implements Reply {
    }

    /** Closes the connection without any response. */
    public record Drop() implements Reply {
    }

    /** One function call in a {@link CallTools} reply. */
    public record Call(String id, String name, String arguments) {
    }

    /** An answer that calls tools: {@code finish_reason} "tool_calls", content {@code null} when {@code content} is. */
    public record CallTools(String content, List<Call> calls) implements Reply {
        public static CallTools of(Call... calls) {
            return new CallTools(null, List.of(calls));
        }
    }

    /**
     * A model that uses the tools it is offered, as an agent's model does: offered {@code tools} and not yet
     * answered by a tool result, it calls the tool {@code tool_choice} names (else the first) with
     * {@code arguments}; once the conversation ends with tool results, it answers
     * "&lt;model&gt; used &lt;result&gt;; &lt;result&gt;...". Offered no tools, it answers "answer from &lt;model&gt;".
     */
    public record UseTools(String arguments) implements Reply {
    }

    /**
     * Answers "answer from &lt;model&gt;" after {@code latency}: a model that takes its time (the benchmark's
     * simulated upstream). The wait is the simulated model, not synchronization.
     */
    public record Slow(Duration latency) implements Reply {
        public static Slow millis(long ms) {
            return new Slow(Duration.ofMillis(ms));
        }
    }

    /** How a {@link Streamed} reply ends after its deltas. */
    public enum Ending {
        /** A finish chunk ({@code finish_reason: stop}), the usage chunk if asked for, {@code data: [DONE]}. */
        DONE,
        /** The connection closes without a finish chunk or {@code [DONE]}: a failure in mid-answer. */
        DROP,
        /**
         * Stays open, writing an SSE comment every few milliseconds, until the client closes the request (recorded
         * with status {@link #DISCONNECTED}) or {@link #reset()}.
         */
        STALL
    }

    /**
     * An OpenAI {@code stream: true} answer: one {@code chat.completion.chunk} per delta, {@code every} apart (the
     * simulated model's token rate, not synchronization). With a {@code gate}, the rest after the first delta waits
     * until the test opens it (at most 10 s), so a test can observe what arrived while the call was still open.
     * {@link Recorded#firstDeltaNanos()} is when the first delta was written.
     */
    public record Streamed(List<String> deltas, Duration every, Ending ending, CountDownLatch gate) implements Reply {
        public static Streamed of(String... deltas) {
            return new Streamed(List.of(deltas), Duration.ZERO, Ending.DONE, null);
        }

        public Streamed every(Duration interval) {
            return new Streamed(deltas, interval, ending, gate);
        }

        public Streamed ending(Ending end) {
            return new Streamed(deltas, every, end, gate);
        }

        public Streamed gated(CountDownLatch latch) {
            return new Streamed(deltas, every, ending, latch);
        }
    }

    /** Answers {@code content} with the provider reasoning field {@code field} ("reasoning_content", "reasoning"). */
    public record Reasoned(String content, String field, String reasoning) implements Reply {
    }

    /** Does {@code reply} after {@code latency}: a scripted answer from a model that takes its time. */
    public record After(Duration latency, Reply reply) implements Reply {
    }

    /**
     * Sends 200 headers, then an endless body as fast as the client reads it: the start of a completion whose
     * content never ends, in 64 KB chunks (a hostile or broken upstream). Ends when the client closes the
     * connection (recorded with status {@link #DISCONNECTED}), or at {@link #reset()}/close.
     */
    public record Endless() implements Reply {
    }

    /** An answer with this exact body and status, and extra response headers (e.g. odd usage objects). */
    public record Json(int status, String body, Map<String, String> headers) implements Reply {
        public static Json ok(String body) {
            return new Json(200, body, Map.of());
        }
    }

    /** Status recorded for a {@link Hang} or {@link Endless} request that the client closed. */
    public static final int DISCONNECTED = -1;

    /** What an {@link Endless} body repeats: 64 KB of an answer's content. */
    static final byte[] ENDLESS_PIECE = "x".repeat(64 * 1024).getBytes(StandardCharsets.UTF_8);

    /**
     * {@code startNanos}: when the request had arrived; {@code endNanos}: when the reply was decided, just before it
     * is written (recorded then, so a test that has the function's answer always finds the call recorded);
     * {@code firstDeltaNanos}: when a {@link Streamed} reply wrote its first delta (0 for other replies);
     * {@code written}: when a whole reply had been written ({@link #writtenNanos}).
     */
    public record Recorded(String model, JsonNode body, Map<String, String> headers, long startNanos, long endNanos,
                           int status, JsonNode usage, long firstDeltaNanos, AtomicLong written) {

        public Recorded(String model, JsonNode body, Map<String, String> headers, long startNanos, long endNanos,
                        int status, JsonNode usage, long firstDeltaNanos) {
            this(model, body, headers, startNanos, endNanos, status, usage, firstDeltaNanos, new AtomicLong());
        }

        public Recorded(String model, JsonNode body, Map<String, String> headers, long startNanos, long endNanos,
                        int status, JsonNode usage) {
            this(model, body, headers, startNanos, endNanos, status, usage, 0);
        }

        /**
         * When the upstream had written the whole reply: the end of the provider's own time, as the function sees a
         * real provider's. {@link #endNanos} when the reply was not written whole in one piece (streamed, dropped)
         * or its writer has not yet noted the time.
         */
        public long writtenNanos() {
            long at = written.get();
            return at == 0 ? endNanos : at;
        }

        public List<JsonNode> messages() {
            List<JsonNode> messages = new ArrayList<>();
            body.path("messages").forEach(messages::add);
            return messages;
        }

        /** The content of the first system message, or null. */
        public String system() {
            for (JsonNode m : messages()) {
                if ("system".equals(m.path("role").asText())) {
                    return m.path("content").asText();
                }
            }
            return null;
        }

        public String header(String name) {
            return headers.get(name.toLowerCase());
        }
    }

    private final AtomicInteger ids = new AtomicInteger();

    public String baseUrl() {
        return origin() + "/v1";
    }

    @Override
    protected void serve(Exchange exchange) throws IOException, InterruptedException {
        JsonNode body = exchange.body();
        String model = body.path("model").asText("");
        if (!exchange.path().endsWith("/chat/completions")) {
            respond(exchange, 404, "{\"error\":{\"message\":\"no such path\"}}", Map.of());
            record(model, exchange, 404, null);
            return;
        }
        Reply reply = next(model, new Answer(null, "stop"));
        if (reply instanceof Computed computed) {
            reply = computed.reply().apply(body);
        }
        if (reply instanceof After after) {
            Thread.sleep(after.latency().toMillis(), after.latency().toNanosPart() % 1_000_000);
            reply = after.reply();
        }
        if (servedAlike(model, exchange, reply)) {
            return;
        }
        if (reply instanceof Endless) {
            endless(model, exchange, "application/json", ("{\"choices\": [{\"index\": 0, \"message\": {\"role\":"
                    + " \"assistant\", \"content\": \"").getBytes(StandardCharsets.UTF_8), ENDLESS_PIECE);
            return;
        }
        if (reply instanceof Slow slow) {
            Thread.sleep(slow.latency().toMillis(), slow.latency().toNanosPart() % 1_000_000);
            reply = new Answer(null, "stop");
        }
        if (reply instanceof Held held) {
            held.release().await(10, TimeUnit.SECONDS);
            reply = new Answer(null, "stop");
        }
        if (reply instanceof Barrier barrier) {
            barrier.arrivals().countDown();
            barrier.arrivals().await(10, TimeUnit.SECONDS);
            reply = new Answer(null, "stop");
        }
        if (reply instanceof Streamed streamed) {
            stream(exchange, streamed, model);
            return;
        }
        if (reply instanceof UseTools use) {
            reply = useTools(model, body, use.arguments());
        }
        if (reply instanceof CallTools calls) {
            ObjectNode out = completion(model, body, calls.content(), calls.content() == null ? 0 : calls.content().length(),
                    "tool_calls");
            ArrayNode toolCalls = ((ObjectNode) out.path("choices").path(0).path("message")).putArray("tool_calls");
            for (Call call : calls.calls()) {
                ObjectNode c = toolCalls.addObject();
                if (call.id() != null) {
                    c.put("id", call.id());
                }
                c.put("type", "function");
                c.putObject("function").put("name", call.name()).put("arguments", call.arguments());
            }
            record(model, exchange, 200, out.get("usage"));
            respond(exchange, 200, out.toString(), Map.of());
            return;
        }
        if (reply instanceof Echo) {
            String lastUser = "";
            for (JsonNode m : body.path("messages")) {
                if ("user".equals(m.path("role").asText())) {
                    lastUser = m.path("content").asText();
                }
            }
            reply = new Answer(model + " heard " + lastUser, "stop");
        }
        String reasoningField = null;
        String reasoning = null;
        if (reply instanceof Reasoned reasoned) {
            reasoningField = reasoned.field();
            reasoning = reasoned.reasoning();
            reply = new Answer(reasoned.content(), "stop");
        }
        if (reply instanceof Answer answer) {
            String content = answer.content() != null ? answer.content() : "answer from " + model;
            ObjectNode out = completion(model, body, content, content.length(), answer.finishReason());
            if (reasoningField != null) {
                ((ObjectNode) out.path("choices").path(0).path("message")).put(reasoningField, reasoning);
            }
            record(model, exchange, 200, out.get("usage"));
            respond(exchange, 200, out.toString(), Map.of());
        } else if (reply instanceof Status status) {
            ObjectNode error = json.createObjectNode();
            error.putObject("error").put("message", status.message()).put("type", "upstream_test_error");
            record(model, exchange, status.status(), null);
            respond(exchange, status.status(), error.toString(), status.headers());
        } else if (reply instanceof Json raw) {
            record(model, exchange, raw.status(), null);
            respond(exchange, raw.status(), raw.body(), raw.headers());
        }
    }

    private Reply useTools(String model, JsonNode body, String arguments) {
        JsonNode messages = body.path("messages");
        List<String> results = new ArrayList<>();
        for (int i = messages.size() - 1; i >= 0 && "tool".equals(messages.get(i).path("role").asText()); i--) {
            results.add(0, messages.get(i).path("content").asText());
        }
        if (!results.isEmpty()) {
            return new Answer(model + " used " + String.join("; ", results), "stop");
        }
        JsonNode tools = body.path("tools");
        if (!tools.isArray() || tools.isEmpty()) {
            return new Answer(null, "stop");
        }
        String name = body.path("tool_choice").path("function").path("name")
                .asText(tools.get(0).path("function").path("name").asText());
        return CallTools.of(new Call("call_" + model + "_" + ids.incrementAndGet(), name, arguments));
    }

    private ObjectNode completion(String model, JsonNode body, String content, int completionTokens,
                                  String finishReason) {
        ObjectNode usage = json.createObjectNode();
        usage.put("prompt_tokens", body.path("messages").toString().length());
        usage.put("completion_tokens", completionTokens);
        usage.put("total_tokens", body.path("messages").toString().length() + completionTokens);
        ObjectNode out = json.createObjectNode();
        out.put("id", "up-" + ids.incrementAndGet());
        out.put("object", "chat.completion");
        out.put("created", System.currentTimeMillis() / 1000);
        out.put("model", model);
        ObjectNode choice = out.putArray("choices").addObject();
        choice.put("index", 0);
        choice.putObject("message").put("role", "assistant").put("content", content);
        choice.put("finish_reason", finishReason);
        out.set("usage", usage);
        return out;
    }

    private void stream(Exchange exchange, Streamed reply, String model) throws IOException, InterruptedException {
        JsonNode body = exchange.body();
        exchange.http().getResponseHeaders().set("Content-Type", "text/event-stream");
        exchange.http().sendResponseHeaders(200, 0);
        OutputStream out = exchange.http().getResponseBody();
        String id = "up-" + ids.incrementAndGet();
        long firstDelta = 0;
        int completionChars = 0;
        try {
            chunk(out, id, model, json.createObjectNode().put("role", "assistant").put("content", ""), null);
            for (int i = 0; i < reply.deltas().size(); i++) {
                if (i > 0 && !reply.every().isZero()) {
                    Thread.sleep(reply.every().toMillis(), reply.every().toNanosPart() % 1_000_000);
                }
                String delta = reply.deltas().get(i);
                chunk(out, id, model, json.createObjectNode().put("content", delta), null);
                completionChars += delta.length();
                if (i == 0) {
                    firstDelta = System.nanoTime();
                    if (reply.gate() != null) {
                        reply.gate().await(10, TimeUnit.SECONDS);
                    }
                }
            }
            if (reply.ending() == Ending.DROP) {
                record(model, exchange, 200, null, firstDelta);
                exchange.http().close();
                return;
            }
            if (reply.ending() == Ending.STALL) {
                while (!paced(exchange.release())) {
                    write(out, ": still thinking\n\n");
                }
                exchange.http().close();
                return;
            }
            ObjectNode usage = usage(body, completionChars);
            // Recorded once the last delta is out, before the chunks that end the stream: a client that has read the
            // whole relayed answer then always finds this request recorded.
            record(model, exchange, 200, usage, firstDelta);
            chunk(out, id, model, json.createObjectNode(), "stop");
            if (body.path("stream_options").path("include_usage").asBoolean(false)) {
                ObjectNode last = json.createObjectNode();
                last.put("id", id).put("object", "chat.completion.chunk").put("model", model);
                last.putArray("choices");
                last.set("usage", usage);
                write(out, "data: " + last + "\n\n");
            }
            write(out, "data: [DONE]\n\n");
            out.close();
        } catch (IOException closedByClient) {
            disconnected(model, exchange, firstDelta);
        }
    }

    private void chunk(OutputStream out, String id, String model, ObjectNode delta, String finishReason)
            throws IOException {
        ObjectNode chunk = json.createObjectNode();
        chunk.put("id", id).put("object", "chat.completion.chunk").put("created", System.currentTimeMillis() / 1000)
                .put("model", model);
        ObjectNode choice = chunk.putArray("choices").addObject();
        choice.put("index", 0);
        choice.set("delta", delta);
        if (finishReason == null) {
            choice.putNull("finish_reason");
        } else {
            choice.put("finish_reason", finishReason);
        }
        write(out, "data: " + chunk + "\n\n");
    }

    private static void write(OutputStream out, String text) throws IOException {
        out.write(text.getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    private ObjectNode usage(JsonNode body, int completionChars) {
        ObjectNode usage = json.createObjectNode();
        int prompt = body.path("messages").toString().length();
        usage.put("prompt_tokens", prompt);
        usage.put("completion_tokens", completionChars);
        usage.put("total_tokens", prompt + completionChars);
        return usage;
    }
}
