package dev.moa.api.messages;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.moa.model.MixAnswer;
import dev.moa.model.StopReason;
import dev.moa.model.TokenUsage;
import dev.moa.model.ToolCall;
import io.quarkus.runtime.annotations.RegisterForReflection;

import java.io.IOException;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;

/**
 * Anthropic's {@code message} object: the answer to {@code POST /v1/messages} and, with empty content, the message
 * of a stream's {@code message_start}.
 *
 * @param moa the trace, when the request asked for it ({@code "moa": {"trace": true}}); absent otherwise
 */
@RegisterForReflection
@JsonInclude(JsonInclude.Include.NON_NULL)
public record AnthropicMessage(String id, String type, String role, String model, List<Block> content,
                               @JsonProperty("stop_reason") @JsonInclude(JsonInclude.Include.ALWAYS) String stopReason,
                               @JsonProperty("stop_sequence") @JsonInclude(JsonInclude.Include.ALWAYS) String stopSequence,
                               Usage usage, Object moa) {

    /** A content block: {@code text} with its text, or {@code tool_use} with id, name and input. */
    @RegisterForReflection
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Block(String type, String text, String id, String name, JsonNode input) {

        static Block text(String text) {
            return new Block("text", text, null, null, null);
        }

        static Block toolUse(String id, String name, JsonNode input) {
            return new Block("tool_use", null, id, name, input);
        }
    }

    /**
     * Anthropic counts input tokens without the cache's: {@code input_tokens} + both cache fields is every input
     * token. {@code cost} is the mix's USD over the calls that had a price (our extension, as on chat).
     */
    @RegisterForReflection
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Usage(@JsonProperty("input_tokens") long inputTokens,
                        @JsonProperty("output_tokens") long outputTokens,
                        @JsonProperty("cache_creation_input_tokens") long cacheCreationInputTokens,
                        @JsonProperty("cache_read_input_tokens") long cacheReadInputTokens,
                        BigDecimal cost) {

        static final Usage ZERO = new Usage(0, 0, 0, 0, null);

        static Usage of(TokenUsage usage) {
            return new Usage(usage.uncachedInputTokens(), usage.outputTokens(), usage.cacheWriteTokens(),
                    usage.cacheReadTokens(), usage.cost());
        }
    }

    static AnthropicMessage of(String id, String model, MixAnswer answer, ObjectMapper json, Object trace) {
        List<Block> content = new ArrayList<>();
        if (!answer.text().isEmpty() || answer.toolCalls().isEmpty()) {
            content.add(Block.text(answer.text()));
        }
        for (ToolCall call : answer.toolCalls()) {
            content.add(Block.toolUse(call.id(), call.name(), input(call.arguments(), json)));
        }
        return new AnthropicMessage(id, "message", "assistant", model, content, word(answer.stopReason()),
                stopSequence(answer), Usage.of(answer.usage()), trace);
    }

    /** The message of {@code message_start}: nothing said yet. */
    static AnthropicMessage started(String id, String model) {
        return new AnthropicMessage(id, "message", "assistant", model, List.of(), null, null, Usage.ZERO, null);
    }

    static String stopSequence(MixAnswer answer) {
        return answer.stopReason() == StopReason.STOP_SEQUENCE && answer.stopSequence() != null
                && !answer.stopSequence().isEmpty() ? answer.stopSequence() : null;
    }

    /** The stop reason in Anthropic's words. */
    static String word(StopReason reason) {
        return switch (reason) {
            case END_TURN -> "end_turn";
            case MAX_TOKENS -> "max_tokens";
            case STOP_SEQUENCE -> "stop_sequence";
            case TOOL_USE -> "tool_use";
            case CONTENT_FILTER -> "refusal";
        };
    }

    /**
     * A tool call's arguments as the object Anthropic's clients expect; text a model wrote that is not a JSON object
     * becomes {@code {}} (the call still reaches the client, which reports the missing input to the model).
     */
    static JsonNode input(String arguments, ObjectMapper json) {
        if (arguments != null && !arguments.isBlank()) {
            try {
                JsonNode node = json.readTree(arguments);
                if (node != null && node.isObject()) {
                    return node;
                }
            } catch (IOException notJson) {
                // falls through
            }
        }
        return JsonNodeFactory.instance.objectNode();
    }
}
