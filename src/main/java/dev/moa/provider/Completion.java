package dev.moa.provider;

import java.util.List;

/**
 * One model's answer: its text ({@code ""} when it sent none, as when it only called tools) and the tool calls
 * it made.
 */
public record Completion(String content, String finishReason, Usage usage, List<ToolCall> toolCalls) {

    public Completion {
        content = content == null ? "" : content;
        toolCalls = toolCalls == null ? List.of() : List.copyOf(toolCalls);
    }

    /** A text answer. */
    public Completion(String content, String finishReason, Usage usage) {
        this(content, finishReason, usage, List.of());
    }

    public boolean hasToolCalls() {
        return !toolCalls.isEmpty();
    }

    public Completion withUsage(Usage priced) {
        return new Completion(content, finishReason, priced, toolCalls);
    }
}
