package dev.moa.provider.openai;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import dev.moa.mix.CallOptions;
import dev.moa.mix.Sampling;
import dev.moa.provider.CompletionCall;
import dev.moa.provider.Message;
import dev.moa.provider.ToolCall;
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
        List<JsonNode> tools,
        @JsonProperty("tool_choice") JsonNode toolChoice,
        @JsonProperty("parallel_tool_calls") Boolean parallelToolCalls,
        @JsonProperty("response_format") JsonNode responseFormat,
        Long seed,
        @JsonProperty("logit_bias") JsonNode logitBias,
        @JsonProperty("presence_penalty") Double presencePenalty,
        @JsonProperty("frequency_penalty") Double frequencyPenalty,
        String user,
        JsonNode metadata,
        @JsonProperty("service_tier") String serviceTier,
        @JsonProperty("reasoning_effort") String reasoningEffort) {

    /** The body for one call; the per-call options exactly as the client or the mix set them. */
    static OpenAiRequest of(CompletionCall call, boolean stream) {
        Sampling s = call.sampling();
        CallOptions o = call.options();
        return new OpenAiRequest(call.model(), call.messages().stream().map(WireMessage::of).toList(),
                s.temperature(), s.maxTokens(), s.topP(), s.stop(), stream,
                o.tools(), o.toolChoice(), o.parallelToolCalls(), o.responseFormat(), o.seed(), o.logitBias(),
                o.presencePenalty(), o.frequencyPenalty(), o.user(), o.metadata(), o.serviceTier(),
                o.reasoningEffort());
    }

    /** {@code content} is left out of an assistant turn that only called tools, as OpenAI allows. */
    @RegisterForReflection
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record WireMessage(String role, String content, @JsonProperty("tool_calls") List<WireToolCall> toolCalls,
                              @JsonProperty("tool_call_id") String toolCallId) {

        static WireMessage of(Message m) {
            if (!m.hasToolCalls()) {
                return new WireMessage(m.role(), m.content(), null, m.toolCallId());
            }
            return new WireMessage(m.role(), m.content().isEmpty() ? null : m.content(),
                    m.toolCalls().stream().map(WireToolCall::of).toList(), m.toolCallId());
        }
    }

    @RegisterForReflection
    public record WireToolCall(String id, String type, WireFunction function) {

        static WireToolCall of(ToolCall call) {
            return new WireToolCall(call.id(), "function", new WireFunction(call.name(), call.arguments()));
        }
    }

    @RegisterForReflection
    public record WireFunction(String name, String arguments) {
    }
}
