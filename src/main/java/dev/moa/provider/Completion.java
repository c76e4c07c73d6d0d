package dev.moa.provider;

import java.util.List;

/**
 * One model's answer: its text ({@code ""} when it sent none, as when it only called tools) and the tool calls
 * it made.
 *
 * @param reasoning the provider's separate reasoning field ({@code reasoning_content} or {@code reasoning}), or
 *                  {@code null}; never part of {@code content}
 * @param stopSequence the stop sequence that ended the answer when the provider says so ({@code ""} when it does
 *                     not say which); {@code null} otherwise. {@code finishReason} is then {@code "stop"}, as
 *                     OpenAI says; the protocol-neutral {@link dev.moa.model.StopReason} keeps the two apart.
 */
public record Completion(String content, String finishReason, Usage usage, List<ToolCall> toolCalls,
                         String reasoning, String stopSequence) {

    public Completion {
        content = content == null ? "" : content;
        toolCalls = toolCalls == null ? List.of() : List.copyOf(toolCalls);
    }

    public Completion(String content, String finishReason, Usage usage, List<ToolCall> toolCalls,
                      String reasoning) {
        this(content, finishReason, usage, toolCalls, reasoning, null);
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
        return new Completion(content, finishReason, priced, toolCalls, reasoning, stopSequence);
    }
}
