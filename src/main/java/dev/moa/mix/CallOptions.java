package dev.moa.mix;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.List;

/**
 * The OpenAI request fields that belong to one model call besides sampling, kept exactly as the client (or the
 * mix document) sent them; {@code null} means "not set". JSON values (tool definitions, schemas, maps) are
 * copied on the way in and never modified.
 *
 * @param tools             the tool definitions, each {@code {"type": "function", "function": {...}}}
 * @param toolChoice        {@code "none"}, {@code "auto"}, {@code "required"} or {@code {"type": "function", ...}}
 * @param responseFormat    {@code {"type": "text" | "json_object" | "json_schema", ...}}
 */
public record CallOptions(
        List<JsonNode> tools,
        JsonNode toolChoice,
        Boolean parallelToolCalls,
        JsonNode responseFormat,
        Long seed,
        JsonNode logitBias,
        Double presencePenalty,
        Double frequencyPenalty,
        String user,
        JsonNode metadata,
        String serviceTier,
        String reasoningEffort) {

    public static final CallOptions NONE = new CallOptions(null, null, null, null, null, null, null, null, null, null,
            null, null);

    public CallOptions {
        tools = tools == null ? null : tools.stream().<JsonNode>map(JsonNode::deepCopy).toList();
        toolChoice = copy(toolChoice);
        responseFormat = copy(responseFormat);
        logitBias = copy(logitBias);
        metadata = copy(metadata);
    }

    private static JsonNode copy(JsonNode node) {
        return node == null ? null : node.deepCopy();
    }

    public boolean hasTools() {
        return tools != null && !tools.isEmpty();
    }

    /** {@code json_object}, {@code json_schema}, {@code text}, or {@code null} when no format was asked for. */
    public String responseFormatType() {
        return responseFormat == null ? null : responseFormat.path("type").asText(null);
    }

    /** Values set here win; values left unset are taken from {@code fallback}. */
    public CallOptions orElse(CallOptions fallback) {
        return new CallOptions(
                tools != null ? tools : fallback.tools,
                toolChoice != null ? toolChoice : fallback.toolChoice,
                parallelToolCalls != null ? parallelToolCalls : fallback.parallelToolCalls,
                responseFormat != null ? responseFormat : fallback.responseFormat,
                seed != null ? seed : fallback.seed,
                logitBias != null ? logitBias : fallback.logitBias,
                presencePenalty != null ? presencePenalty : fallback.presencePenalty,
                frequencyPenalty != null ? frequencyPenalty : fallback.frequencyPenalty,
                user != null ? user : fallback.user,
                metadata != null ? metadata : fallback.metadata,
                serviceTier != null ? serviceTier : fallback.serviceTier,
                reasoningEffort != null ? reasoningEffort : fallback.reasoningEffort);
    }

    /** These options with the tool fields ({@code tools}, {@code tool_choice}, {@code parallel_tool_calls}) of {@code source}. */
    public CallOptions withToolsOf(CallOptions source) {
        return new CallOptions(source.tools, source.toolChoice, source.parallelToolCalls, responseFormat, seed,
                logitBias, presencePenalty, frequencyPenalty, user, metadata, serviceTier, reasoningEffort);
    }
}
