package dev.moa.api.chat;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.moa.api.ToolCallView;
import dev.moa.api.Trace;
import dev.moa.provider.Completion;
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

    /** The characters of every string the object holds but its trace (see {@code ResponseSize.surelyFits}). */
    @com.fasterxml.jackson.annotation.JsonIgnore
    public long characters() {
        long chars = id.length() + object.length() + model.length();
        for (Choice choice : choices) {
            chars += choice.message().characters() + (choice.finishReason() == null ? 0 : choice.finishReason().length());
        }
        return chars;
    }

    @RegisterForReflection
    public record Choice(int index, AssistantMessage message, Object logprobs,
                         @JsonProperty("finish_reason") String finishReason) {
    }

    /**
     * {@code content} is {@code null} when the aggregator only called tools, as OpenAI sends it; {@code refusal} is
     * always present, null when the model did not refuse (the OpenAI schema requires it).
     */
    @RegisterForReflection
    public record AssistantMessage(String role, String content, String refusal,
                                   @JsonInclude(JsonInclude.Include.NON_EMPTY)
                                   @JsonProperty("tool_calls") List<ToolCallView> toolCalls) {

        long characters() {
            long chars = role.length() + (content == null ? 0 : content.length())
                    + (refusal == null ? 0 : refusal.length());
            for (ToolCallView call : toolCalls) {
                chars += call.characters();
            }
            return chars;
        }

        static AssistantMessage of(Completion answer) {
            return new AssistantMessage("assistant",
                    answer.content().isEmpty() && answer.hasToolCalls() ? null : answer.content(), null,
                    answer.toolCalls().stream().map(ToolCallView::of).toList());
        }
    }
}
