package dev.moa.provider.openai;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.moa.provider.ChatClient;
import dev.moa.provider.Completion;
import dev.moa.provider.CompletionEvent;
import dev.moa.provider.SseDecoder;
import dev.moa.provider.UpstreamFailure;
import dev.moa.provider.Usage;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.subscription.MultiEmitter;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

import static dev.moa.provider.UpstreamHttp.describe;

/**
 * One {@code stream: true} chat-completions call on Vert.x' HTTP client: the SSE body is parsed as it arrives
 * and each content fragment is emitted at once. Cancelling the subscription resets the HTTP request, so the
 * upstream sees its connection close and stops generating.
 */
public final class OpenAiStreaming {

    /** One SSE line (one chunk) may not exceed this; real chunks are well under 1 KB. */
    static final int MAX_LINE_BYTES = 256 * 1024;
    private static final int MAX_ERROR_BODY_BYTES = 64 * 1024;

    /** What the non-streaming client already knows how to read. */
    interface Bodies {
        Completion completion(String body);

        String errorMessage(String body);

        /** A failure as clients may see it: the request's secrets redacted. */
        UpstreamFailure redacted(UpstreamFailure failure);

        String redact(String text);
    }

    private final HttpClient http;
    private final URI url;
    private final Map<String, String> headers;
    private final ObjectMapper json;

    private final long maxBytes;

    /** @param maxBytes the provider's {@code max_response_bytes}: the most one streamed body may carry */
    public OpenAiStreaming(HttpClient http, URI baseUrl, Map<String, String> headers, ObjectMapper json, long maxBytes) {
        this.http = http;
        this.maxBytes = maxBytes;
        String base = baseUrl.toString();
        this.url = URI.create((base.endsWith("/") ? base.substring(0, base.length() - 1) : base) + "/chat/completions");
        this.headers = Map.copyOf(headers);
        this.json = json;
    }

    /** @param callHeaders the call's own headers (its trace context); the provider's win over them */
    Multi<CompletionEvent> stream(Optional<String> authorization, Map<String, String> callHeaders, OpenAiRequest body,
                                  Bodies bodies) {
        return Multi.createFrom().emitter(emitter -> {
            byte[] payload;
            try {
                payload = body.toJson(json);
            } catch (java.io.IOException e) {
                emitter.fail(new IllegalStateException("cannot write the request body", e));
                return;
            }
            RequestOptions options = new RequestOptions().setMethod(HttpMethod.POST).setAbsoluteURI(url.toString());
            callHeaders.forEach(options::putHeader);
            headers.forEach(options::putHeader);
            options.putHeader("Content-Type", "application/json");
            options.putHeader("Accept", "text/event-stream");
            authorization.ifPresent(a -> options.putHeader("Authorization", a));
            Exchange exchange = new Exchange(emitter, bodies);
            emitter.onTermination(exchange::close);
            http.request(options).onComplete(opened -> {
                if (opened.failed()) {
                    exchange.fail(UpstreamFailure.connection(bodies.redact(describe(opened.cause()))));
                    return;
                }
                dev.moa.provider.UpstreamHttp.quiet(opened.result());
                if (!exchange.attach(opened.result())) {
                    return;
                }
                opened.result().send(Buffer.buffer(payload)).onComplete(answered -> {
                    if (answered.failed()) {
                        exchange.fail(UpstreamFailure.connection(bodies.redact(describe(answered.cause()))));
                    } else {
                        exchange.read(answered.result());
                    }
                });
            });
        });
    }

    /** The state of one call: its request (to reset on cancel) and what the stream has said so far. */
    private final class Exchange {
        private final MultiEmitter<? super CompletionEvent> emitter;
        private final Bodies bodies;
        private HttpClientRequest request;
        private boolean terminated;
        private boolean responseEnded;
        private String finishReason;
        private Usage usage = Usage.ZERO;
        private boolean toolCalls;
        private final Set<Integer> toolCallIndexes = new HashSet<>();

        Exchange(MultiEmitter<? super CompletionEvent> emitter, Bodies bodies) {
            this.emitter = emitter;
            this.bodies = bodies;
        }

        synchronized boolean attach(HttpClientRequest opened) {
            request = opened;
            if (terminated) {
                opened.reset();
                return false;
            }
            return true;
        }

        void read(HttpClientResponse response) {
            int status = response.statusCode();
            String type = Optional.ofNullable(response.getHeader("Content-Type")).orElse("");
            response.exceptionHandler(t -> fail(UpstreamFailure.connection(bodies.redact("the stream broke: "
                    + describe(t)))));
            if (status < 200 || status >= 300) {
                Collected body = new Collected(MAX_ERROR_BODY_BYTES, false);
                response.handler(body::add);
                response.endHandler(v -> {
                    ended();
                    fail(UpstreamFailure.status(status, bodies.errorMessage(body.text()),
                            dev.moa.provider.RetryAfter.parse(response.getHeader("retry-after"),
                                    response.getHeader("retry-after-ms"), java.time.Clock.systemUTC())));
                });
            } else if (type.startsWith("application/json")) {
                // An upstream that ignores stream: true answers in one piece: one delta.
                Collected body = new Collected(maxBytes, true);
                response.handler(buffer -> guarded(() -> body.add(buffer)));
                response.endHandler(v -> guarded(() -> {
                    ended();
                    ChatClient.wholeAnswer(bodies.completion(body.text())).forEach(this::emit);
                    complete();
                }));
            } else {
                SseDecoder decoder = new SseDecoder(MAX_LINE_BYTES, maxBytes, this::event);
                response.handler(buffer -> guarded(() -> decoder.feed(buffer.getBytes())));
                response.endHandler(v -> guarded(() -> {
                    ended();
                    decoder.end();
                    if (finishReason != null) {
                        finish();
                    } else {
                        fail(UpstreamFailure.connection("the stream ended before the answer finished"));
                    }
                }));
            }
        }

        private void event(String data) {
            if (isTerminated()) {
                return;
            }
            if (data.equals("[DONE]")) {
                finish();
                return;
            }
            JsonNode chunk;
            try {
                chunk = json.readTree(data);
            } catch (JsonProcessingException e) {
                throw UpstreamFailure.badResponse("a stream event is not JSON");
            }
            if (chunk == null || !chunk.isObject()) {
                throw UpstreamFailure.badResponse("a stream event is not a JSON object");
            }
            if (chunk.has("error")) {
                throw UpstreamFailure.badResponse("the upstream reported an error in the stream: "
                        + bodies.errorMessage(data));
            }
            JsonNode choice = chunk.path("choices").path(0);
            JsonNode content = choice.path("delta").path("content");
            if (content.isTextual() && !content.textValue().isEmpty()) {
                emit(new CompletionEvent.Delta(content.textValue()));
            }
            for (JsonNode call : choice.path("delta").path("tool_calls")) {
                JsonNode function = call.path("function");
                int index = call.path("index").asInt(0);
                String id = text(call.get("id"));
                // A client answers a call by its id; a server that sends none gets one made up on the call's first
                // fragment (as for whole answers).
                if (toolCallIndexes.add(index) && (id == null || id.isBlank())) {
                    id = "call_" + UUID.randomUUID().toString().replace("-", "");
                }
                emit(new CompletionEvent.ToolCallDelta(index, id, text(function.get("name")),
                        text(function.get("arguments"))));
                toolCalls = true;
            }
            JsonNode finish = choice.path("finish_reason");
            if (finish.isTextual()) {
                finishReason = finish.textValue();
            }
            JsonNode reported = chunk.get("usage");
            if (reported != null && reported.isObject()) {
                long prompt = reported.path("prompt_tokens").asLong(0);
                long completion = reported.path("completion_tokens").asLong(0);
                usage = new Usage(prompt, completion, reported.path("total_tokens").asLong(prompt + completion));
            }
        }

        private void finish() {
            String reason = finishReason != null ? finishReason : "stop";
            // As for whole answers: some servers say "stop" for an answer that calls tools.
            emit(new CompletionEvent.Finished(toolCalls && reason.equals("stop") ? "tool_calls" : reason, usage));
            complete();
        }

        private void guarded(Runnable step) {
            try {
                step.run();
            } catch (UpstreamFailure failure) {
                fail(failure);
            }
        }

        private void emit(CompletionEvent event) {
            if (!isTerminated()) {
                emitter.emit(event);
            }
        }

        private void complete() {
            if (terminate()) {
                emitter.complete();
            }
        }

        void fail(UpstreamFailure failure) {
            if (terminate()) {
                emitter.fail(bodies.redacted(failure));
            }
        }

        private synchronized void ended() {
            responseEnded = true;
        }

        private synchronized boolean isTerminated() {
            return terminated;
        }

        private synchronized boolean terminate() {
            if (terminated) {
                return false;
            }
            terminated = true;
            return true;
        }

        /** Completion, failure or cancellation: a request still reading is reset (its connection closed). */
        void close() {
            HttpClientRequest open;
            synchronized (this) {
                terminated = true;
                open = responseEnded ? null : request;
            }
            if (open != null) {
                open.reset();
            }
        }
    }

    /** A whole body, up to a bound: past it, either fail ({@code strict}) or keep only the start (error bodies). */
    private static final class Collected {
        private final long limit;
        private final boolean strict;
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

        Collected(long limit, boolean strict) {
            this.limit = limit;
            this.strict = strict;
        }

        void add(Buffer buffer) {
            int room = (int) Math.max(0, limit - bytes.size());
            if (buffer.length() > room && strict) {
                throw UpstreamFailure.badResponse("the body is longer than " + limit + " bytes");
            }
            byte[] data = buffer.getBytes();
            bytes.write(data, 0, Math.min(room, data.length));
        }

        String text() {
            return bytes.toString(StandardCharsets.UTF_8);
        }
    }

    private static String text(JsonNode node) {
        return node == null || node.isNull() ? null : node.isTextual() ? node.textValue() : node.toString();
    }
}
