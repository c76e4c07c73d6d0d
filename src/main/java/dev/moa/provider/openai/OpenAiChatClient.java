package dev.moa.provider.openai;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.moa.provider.ChatClient;
import dev.moa.provider.Completion;
import dev.moa.provider.CompletionCall;
import dev.moa.provider.ToolCall;
import dev.moa.provider.UpstreamFailure;
import dev.moa.provider.Usage;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.core.Response;

import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** A provider that speaks the OpenAI chat-completions protocol. */
public final class OpenAiChatClient implements ChatClient {

    private static final int MAX_ERROR_CHARS = 300;

    private final OpenAiApi api;
    private final Optional<String> apiKey;
    private final ObjectMapper json;

    public OpenAiChatClient(OpenAiApi api, Optional<String> apiKey, ObjectMapper json) {
        this.api = api;
        this.apiKey = apiKey.filter(k -> !k.isBlank());
        this.json = json;
    }

    @Override
    public Uni<Completion> complete(CompletionCall call) {
        OpenAiRequest body = OpenAiRequest.of(call, false);
        return Uni.createFrom().deferred(() -> api.create(apiKey.map(k -> "Bearer " + k).orElse(null), body))
                .onFailure(f -> !(f instanceof UpstreamFailure))
                .transform(f -> UpstreamFailure.connection(redact(describe(f))))
                .map(this::read);
    }

    private Completion read(Response response) {
        try (response) {
            String text = response.hasEntity() ? response.readEntity(String.class) : "";
            int status = response.getStatus();
            if (status < 200 || status >= 300) {
                throw UpstreamFailure.status(status, errorMessage(text), retryAfter(response.getHeaderString("Retry-After")));
            }
            return parse(text);
        }
    }

    private Completion parse(String text) {
        JsonNode root;
        try {
            root = json.readTree(text);
        } catch (JsonProcessingException e) {
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
                reasoning(message));
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
            calls.add(new ToolCall(call.path("id").asText(null), function.get("name").textValue(), text));
        }
        return calls;
    }

    private static Usage usage(JsonNode node) {
        if (node == null || !node.isObject()) {
            return Usage.ZERO;
        }
        long prompt = node.path("prompt_tokens").asLong(0);
        long completion = node.path("completion_tokens").asLong(0);
        long total = node.path("total_tokens").asLong(prompt + completion);
        // Prompt-cache reads are part of prompt_tokens and priced apart (cached_input_per_mtok).
        return Usage.of(prompt, completion, total, node.path("prompt_tokens_details").path("cached_tokens").asLong(0), 0);
    }

    /** The upstream's own error message when it sent an OpenAI error object, else the start of its body. */
    private String errorMessage(String body) {
        String message = body;
        try {
            JsonNode node = json.readTree(body);
            if (node != null && node.path("error").path("message").isTextual()) {
                message = node.path("error").path("message").textValue();
            } else if (node != null && node.path("error").isTextual()) {
                message = node.path("error").textValue();
            }
        } catch (JsonProcessingException ignored) {
            // not JSON: keep the raw text
        }
        message = message.strip().replaceAll("\\s+", " ");
        if (message.length() > MAX_ERROR_CHARS) {
            message = message.substring(0, MAX_ERROR_CHARS) + "…";
        }
        return redact(message);
    }

    /** Upstreams sometimes echo the key they were given (e.g. "Incorrect API key provided: sk-…"). */
    private String redact(String text) {
        if (apiKey.isEmpty() || text == null) {
            return text;
        }
        return text.replace(apiKey.get(), "[redacted]");
    }

    private static String describe(Throwable failure) {
        Throwable cause = failure;
        while (cause.getCause() != null && cause.getCause() != cause) {
            cause = cause.getCause();
        }
        String message = cause.getMessage();
        return cause.getClass().getSimpleName() + (message == null ? "" : ": " + message);
    }

    static Duration retryAfter(String header) {
        if (header == null || header.isBlank()) {
            return null;
        }
        String value = header.trim();
        try {
            return Duration.ofSeconds(Math.max(0, Long.parseLong(value)));
        } catch (NumberFormatException notSeconds) {
            try {
                Duration until = Duration.between(ZonedDateTime.now(),
                        ZonedDateTime.parse(value, DateTimeFormatter.RFC_1123_DATE_TIME));
                return until.isNegative() ? Duration.ZERO : until;
            } catch (DateTimeParseException notDate) {
                return null;
            }
        }
    }
}
