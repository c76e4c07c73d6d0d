package dev.moa.provider.anthropic;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.runtime.annotations.RegisterForReflection;

import java.util.List;

/** A Messages API request body. Unset fields are left out; {@code max_tokens} is always sent (the API requires it). */
@RegisterForReflection
@JsonInclude(JsonInclude.Include.NON_NULL)
public record AnthropicRequest(
        String model,
        @JsonProperty("max_tokens") int maxTokens,
        String system,
        List<Turn> messages,
        Double temperature,
        @JsonProperty("top_p") Double topP,
        @JsonProperty("stop_sequences") List<String> stopSequences,
        Boolean stream,
        List<JsonNode> tools,
        @JsonProperty("tool_choice") JsonNode toolChoice) {

    /**
     * One turn: its content is a string for plain text, else a list of content blocks ({@code text}, {@code tool_use}
     * in assistant turns, {@code tool_result} in user turns).
     */
    @RegisterForReflection
    public record Turn(String role, Object content) {
    }
}
