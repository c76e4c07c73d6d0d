package dev.moa.api.chat;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.moa.api.Trace;
import dev.moa.provider.Usage;
import io.quarkus.runtime.annotations.RegisterForReflection;

import java.util.List;

/** One {@code chat.completion.chunk} of a streamed answer. */
@RegisterForReflection
public record ChatCompletionChunk(
        String id,
        String object,
        long created,
        String model,
        List<ChunkChoice> choices,
        @JsonInclude(JsonInclude.Include.NON_NULL) Usage usage,
        @JsonInclude(JsonInclude.Include.NON_NULL) Trace moa) {

    /** {@code finish_reason} stays in the JSON as null until the last content chunk, as OpenAI sends it. */
    @RegisterForReflection
    public record ChunkChoice(int index, Delta delta, Object logprobs,
                              @JsonProperty("finish_reason") String finishReason) {
    }

    @RegisterForReflection
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Delta(String role, String content, @JsonProperty("tool_calls") List<ToolCallDelta> toolCalls) {

        public Delta(String role, String content) {
            this(role, content, null);
        }
    }

    /** One fragment of a tool call: the first of an index carries id, type and name; later ones more arguments. */
    @RegisterForReflection
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record ToolCallDelta(int index, String id, String type, FunctionDelta function) {

        static ToolCallDelta of(dev.moa.provider.CompletionEvent.ToolCallDelta event) {
            return new ToolCallDelta(event.index(), event.id(), event.id() != null || event.name() != null
                    ? "function" : null, new FunctionDelta(event.name(), event.arguments()));
        }
    }

    @RegisterForReflection
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record FunctionDelta(String name, String arguments) {
    }
}
