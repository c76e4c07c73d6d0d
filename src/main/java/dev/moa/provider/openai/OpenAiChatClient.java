package dev.moa.provider.openai;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.moa.mix.Sampling;
import dev.moa.provider.ChatClient;
import dev.moa.provider.Completion;
import dev.moa.provider.CompletionCall;
import dev.moa.provider.UpstreamFailure;
import dev.moa.provider.Usage;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.core.Response;

import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
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
        Sampling s = call.sampling();
        OpenAiRequest body = new OpenAiRequest(call.model(),
                call.messages().stream().map(m -> new OpenAiRequest.WireMessage(m.role(), m.content())).toList(),
                s.temperature(), s.maxTokens(), s.topP(), s.stop(), false);
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
        if (content == null || !content.isTextual()) {
            throw UpstreamFailure.badResponse("choices[0].message.content is missing or not text");
        }
        JsonNode finish = choices.get(0).get("finish_reason");
        return new Completion(content.textValue(), finish != null && finish.isTextual() ? finish.textValue() : "stop",
                usage(root.get("usage")), reasoning(message));
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

    private static Usage usage(JsonNode node) {
        if (node == null || !node.isObject()) {
            return Usage.ZERO;
        }
        long prompt = node.path("prompt_tokens").asLong(0);
        long completion = node.path("completion_tokens").asLong(0);
        long total = node.path("total_tokens").asLong(prompt + completion);
        return new Usage(prompt, completion, total);
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
