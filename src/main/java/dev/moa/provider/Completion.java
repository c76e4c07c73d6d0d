package dev.moa.provider;

import java.util.List;

/**
 * One model's answer: its text ({@code ""} when it sent none, as when it only called tools) and the tool calls
 * it made.
 *
 * @param reasoning     the provider's separate reasoning field ({@code reasoning_content} or {@code reasoning}),
 *                      or {@code null}; never part of {@code content}
 * @param stopSequence  the stop sequence that ended the answer when the provider says so ({@code ""} when it does
 *                      not say which); {@code null} otherwise. {@code finishReason} is then {@code "stop"}, as
 *                      OpenAI says; the protocol-neutral {@link dev.moa.model.StopReason} keeps the two apart.
 * @param responseId    the provider's id of the answer, or {@code null} (for traces)
 * @param responseModel the model that answered as the provider names it, or {@code null} (for traces)
 */
public record Completion(String content, String finishReason, Usage usage, List<ToolCall> toolCalls,
                         String reasoning, String stopSequence, String responseId, String responseModel) {

    public Completion {
        content = content == null ? "" : content;
        toolCalls = toolCalls == null ? List.of() : List.copyOf(toolCalls);
    }

    public Completion(String content, String finishReason, Usage usage, List<ToolCall> toolCalls,
                      String reasoning) {
        this(content, finishReason, usage, toolCalls, reasoning, null);
    }

    public Completion(String content, String finishReason, Usage usage, List<ToolCall> toolCalls,
                      String reasoning, String stopSequence) {
        this(content, finishReason, usage, toolCalls, reasoning, stopSequence, null, null);
    }

    /** The same answer, as the provider identified it. */
    public Completion identified(String id, String model) {
        return new Completion(content, finishReason, usage, toolCalls, reasoning, stopSequence, id, model);
    }

    /** A text answer. */
    public Completion(String content, String finishReason, Usage usage) {
        this(content, finishReason, usage, List.of(), null);
    }

    public Completion(String content, String finishReason, Usage usage, List<ToolCall> toolCalls) {
        this(content, finishReason, usage, toolCalls, null);
    }

    public boolean hasToolCalls() {
        return !toolCalls.isEmpty();
    }

    public Completion withUsage(Usage priced) {
        return new Completion(content, finishReason, priced, toolCalls, reasoning, stopSequence, responseId,
                responseModel);
    }
}
