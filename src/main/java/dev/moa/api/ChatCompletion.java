package dev.moa.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.moa.provider.Usage;
import io.quarkus.runtime.annotations.RegisterForReflection;

import java.util.List;

/** The {@code chat.completion} object. {@code moa} (the trace) is present only when the client asked. */
@RegisterForReflection
public record ChatCompletion(
        String id,
        String object,
        long created,
        String model,
        List<Choice> choices,
        Usage usage,
        @JsonInclude(JsonInclude.Include.NON_NULL) Trace moa) {

    @RegisterForReflection
    public record Choice(int index, AssistantMessage message, Object logprobs,
                         @JsonProperty("finish_reason") String finishReason) {
    }

    /** {@code refusal} is always present, null when the model did not refuse (the OpenAI schema requires it). */
    @RegisterForReflection
    public record AssistantMessage(String role, String content, String refusal) {

        public AssistantMessage(String role, String content) {
            this(role, content, null);
        }
    }
}
