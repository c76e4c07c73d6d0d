package dev.moa.provider.openai;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.moa.provider.ChatClient;
import dev.moa.provider.Completion;
import dev.moa.provider.CompletionCall;
import dev.moa.provider.CompletionEvent;
import dev.moa.provider.Redactor;
import dev.moa.provider.RetryAfter;
import dev.moa.provider.ToolCall;
import dev.moa.provider.UpstreamFailure;
import dev.moa.provider.UpstreamHttp;
import dev.moa.provider.Usage;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.core.buffer.Buffer;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * A provider that speaks the OpenAI chat-completions protocol. The answer is read with the provider's
 * {@code max_response_bytes} limit; everything it reports from the upstream (error messages, broken
 * connections) is redacted of the request's secrets before it is shortened.
 */
public final class OpenAiChatClient implements ChatClient {


    private final UpstreamHttp http;
    private final URI endpoint;
    private final Map<String, String> headers;
    private final ObjectMapper json;
    private final Redactor redactor;
    private final long maxResponseBytes;
    private final OpenAiStreaming streaming;
    private final Optional<String> authorization;

    /**
     * @param baseUrl      the provider's {@code base_url}; we call {@code <base_url>/chat/completions}
     * @param extraHeaders the provider document's {@code headers}
     */
    public OpenAiChatClient(UpstreamHttp http, URI baseUrl, Map<String, String> extraHeaders, Optional<String> apiKey,
                            ObjectMapper json, Redactor redactor, long maxResponseBytes, OpenAiStreaming streaming) {
        this.http = http;
        this.streaming = streaming;
        this.authorization = apiKey.filter(k -> !k.isBlank()).map(k -> "Bearer " + k);
        String base = baseUrl.toString();
        this.endpoint = URI.create((base.endsWith("/") ? base.substring(0, base.length() - 1) : base) + "/chat/completions");
        Map<String, String> all = new HashMap<>(extraHeaders);
        all.put("Content-Type", "application/json");
        all.put("Accept", "application/json");
        apiKey.filter(k -> !k.isBlank()).ifPresent(k -> all.put("Authorization", "Bearer " + k));
        this.headers = Map.copyOf(all);
        this.json = json;
        this.redactor = redactor;
        this.maxResponseBytes = maxResponseBytes;
    }

    /** The call's own headers (its trace context) beside the provider's; never over them. */
    private Map<String, String> withCallHeaders(CompletionCall call) {
        if (call.headers().isEmpty()) {
            return headers;
        }
        Map<String, String> all = new HashMap<>(call.headers());
        all.putAll(headers);
        return all;
    }

    @Override
    public Uni<Completion> complete(CompletionCall call) {
        OpenAiRequest body = OpenAiRequest.of(call, false);
        return Uni.createFrom().deferred(() -> {
                    try {
                        return http.post(endpoint, withCallHeaders(call), Buffer.buffer(body.toJson(json)),
                                maxResponseBytes);
                    } catch (IOException e) {
                        return Uni.createFrom().failure(UpstreamFailure.badResponse("could not write the request"));
                    }
                })
                .onFailure(UpstreamFailure.class).transform(f -> redactor.redact((UpstreamFailure) f))
                .map(this::read);
    }

    /**
     * {@code stream: true} with {@code stream_options.include_usage}: the SSE body is parsed as it arrives, within
     * {@code max_response_bytes}; failures are redacted like those of {@link #complete}.
     */
    @Override
    public Multi<CompletionEvent> stream(CompletionCall call) {
        return streaming.stream(authorization, call.headers(), OpenAiRequest.of(call, true), new OpenAiStreaming.Bodies() {
            @Override
            public Completion completion(String body) {
                return parse(Buffer.buffer(body));
            }

            @Override
            public String errorMessage(String body) {
                return OpenAiChatClient.this.errorMessage(Buffer.buffer(body));
            }

            @Override
            public String redact(String text) {
                return redactor.redact(text);
            }

            @Override
            public UpstreamFailure redacted(UpstreamFailure failure) {
                return redactor.redact(failure);
            }
        });
    }

    private Completion read(UpstreamHttp.Reply reply) {
        int status = reply.status();
        if (status < 200 || status >= 300) {
            throw UpstreamFailure.status(status, errorMessage(reply.body()),
                    RetryAfter.parse(reply.header("retry-after"), reply.header("retry-after-ms"), Clock.systemUTC()));
        }
        return parse(reply.body());
    }

    private Completion parse(Buffer body) {
        JsonNode root;
        try {
            byte[] bytes = body.getBytes();
            // Decoded as HTTP clients do: invalid UTF-8 becomes U+FFFD and the answer is kept. Plain ASCII reads the
            // same either way, and is read from its bytes without the copy into a String.
            root = plainAscii(bytes) ? json.readTree(bytes) : json.readTree(new String(bytes, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw UpstreamFailure.badResponse("body is not JSON");
        }
        if (root == null || !root.isObject()) {
            throw UpstreamFailure.badResponse("body is not a JSON object");
        }
        JsonNode choices = root.get("choices");
        if (choices == null || !choices.isArray() || choices.isEmpty()) {
            throw UpstreamFailure.badResponse("no choices");
        }
        JsonNode message = choices.get(0).get("message");
        JsonNode content = message == null ? null : message.get("content");
        List<ToolCall> toolCalls = message == null ? List.of() : toolCalls(message.get("tool_calls"));
        boolean noText = content == null || content.isNull();
        if ((noText && toolCalls.isEmpty()) || (!noText && !content.isTextual())) {
            throw UpstreamFailure.badResponse("choices[0].message.content is missing or not text");
        }
        JsonNode finish = choices.get(0).get("finish_reason");
        String finishReason = finish != null && finish.isTextual() ? finish.textValue() : "stop";
        // Some servers (Ollama, older vLLM) report "stop" for an answer that calls tools; clients loop on "tool_calls".
        if (!toolCalls.isEmpty() && "stop".equals(finishReason)) {
            finishReason = "tool_calls";
        }
        return new Completion(noText ? "" : content.textValue(), finishReason, usage(root.get("usage")), toolCalls,
                reasoning(message)).identified(text(root.get("id")), text(root.get("model")));
    }

    /**
     * Bytes 1–127 only: no decoding to do, and no NUL that Jackson's byte reader would take for UTF-16 or UTF-32.
     */
    static boolean plainAscii(byte[] bytes) {
        for (byte b : bytes) {
            if (b <= 0) {
                return false;
            }
        }
        return true;
    }

    private static String text(JsonNode node) {
        return node != null && node.isTextual() ? node.textValue() : null;
    }

    /** Reasoning models served over this protocol put their thinking in one of these fields, beside the content. */
    private static String reasoning(JsonNode message) {
        for (String field : new String[]{"reasoning_content", "reasoning"}) {
            JsonNode value = message.get(field);
            if (value != null && value.isTextual() && !value.textValue().isEmpty()) {
                return value.textValue();
            }
        }
        return null;
    }

    private static List<ToolCall> toolCalls(JsonNode node) {
        if (node == null || node.isNull()) {
            return List.of();
        }
        if (!node.isArray()) {
            throw UpstreamFailure.badResponse("choices[0].message.tool_calls is not a list");
        }
        List<ToolCall> calls = new ArrayList<>(node.size());
        for (JsonNode call : node) {
            JsonNode function = call.path("function");
            if (!function.path("name").isTextual()) {
                throw UpstreamFailure.badResponse("choices[0].message.tool_calls[" + calls.size()
                        + "].function.name is missing");
            }
            JsonNode arguments = function.get("arguments");
            // The protocol sends arguments as JSON text; a server that sends the object itself gets it serialized.
            String text = arguments == null || arguments.isNull() ? "" : arguments.isTextual() ? arguments.textValue()
                    : arguments.toString();
            // A client answers a call by its id; a server that sends none (some local servers) gets one made up.
            String id = call.path("id").isTextual() && !call.path("id").textValue().isBlank()
                    ? call.path("id").textValue() : "call_" + UUID.randomUUID().toString().replace("-", "");
            calls.add(new ToolCall(id, function.get("name").textValue(), text));
        }
        return calls;
    }

    private static Usage usage(JsonNode node) {
        if (node == null || !node.isObject()) {
            return Usage.ZERO;
        }
        JsonNode total = node.get("total_tokens");
        Usage counts = Usage.reported(count(node.get("prompt_tokens")), count(node.get("completion_tokens")),
                total != null && total.isNumber() ? count(total) : null);
        // Prompt-cache reads are part of prompt_tokens and priced apart (cached_input_per_mtok).
        return Usage.of(counts.promptTokens(), counts.completionTokens(), counts.totalTokens(),
                count(node.path("prompt_tokens_details").get("cached_tokens")), 0);
    }

    /** A count as sent; fractions are cut, anything beyond a long saturates, and non-numbers are 0. */
    private static long count(JsonNode node) {
        if (node == null || !node.isNumber()) {
            return 0;
        }
        if (node.isIntegralNumber() && node.canConvertToLong()) {
            return node.longValue();
        }
        double value = node.doubleValue();
        return value >= Long.MAX_VALUE ? Long.MAX_VALUE : value <= Long.MIN_VALUE ? Long.MIN_VALUE : (long) value;
    }

    /**
     * The upstream's own error message when it sent an OpenAI error object, else the start of its body: redacted
     * first, then shortened (a key cut by the shortening could no longer be recognised).
     */
    private String errorMessage(Buffer body) {
        String text = body.toString(StandardCharsets.UTF_8);
        String message = text;
        try {
            JsonNode node = json.readTree(text);
            if (node != null && node.path("error").path("message").isTextual()) {
                message = node.path("error").path("message").textValue();
            } else if (node != null && node.path("error").isTextual()) {
                message = node.path("error").textValue();
            }
        } catch (JsonProcessingException ignored) {
            // not JSON: keep the raw text
        }
        return UpstreamFailure.shortened(redactor.redact(message));
    }
}
