package dev.moa.provider.openai;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.quarkus.runtime.annotations.RegisterForReflection;

import java.util.List;

/** A chat-completions request body as the OpenAI protocol defines it. Unset fields are left out. */
@RegisterForReflection
@JsonInclude(JsonInclude.Include.NON_NULL)
public record OpenAiRequest(
        String model,
        List<WireMessage> messages,
        Double temperature,
        @JsonProperty("max_tokens") Integer maxTokens,
        @JsonProperty("top_p") Double topP,
        List<String> stop,
        boolean stream,
        @JsonProperty("stream_options") StreamOptions streamOptions) {

    /** Asks a streaming upstream for a last chunk with the call's usage. */
    @RegisterForReflection
    public record StreamOptions(@JsonProperty("include_usage") boolean includeUsage) {
    }

    @RegisterForReflection
    public record WireMessage(String role, String content) {
    }
}
